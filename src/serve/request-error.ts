/**
 * What is wrong with a request: an HTTP status and every problem found, each located by row
 * (0-based index in the request) and column where it has one.
 */

/** One thing wrong with a request. */
export interface FieldError {
  /** 0-based index of the row in the request, when the problem is in one row. */
  row?: number;
  /** The column (input tensor) it is about, when there is one. */
  column?: string;
  /** What is wrong, as one sentence. */
  message: string;
  /** How to fix it, when we can say. */
  hint?: string;
}

/** A request the server refuses; `status` is 400, 404, 413 or 415. Never reaches a model. */
export class RequestError extends Error {
  readonly errors: FieldError[];

  constructor(
    readonly status: number,
    errors: FieldError[] | FieldError,
  ) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(summarise(list));
    this.name = "RequestError";
    this.errors = list;
  }
}

/** One line for a list of errors: the first, and how many more. */
export function summarise(errors: readonly FieldError[]): string {
  const first = errors[0];
  if (!first) return "invalid request";
  const where = [
    first.row === undefined ? "" : `row ${first.row}`,
    first.column ? `column "${first.column}"` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const more =
    errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})` : "";
  return `${where ? `${where}: ` : ""}${first.message}${more}`;
}
