/**
 * Errors the engine raises on purpose. Adapters turn them into annotations (Action), check-run
 * text (App) or a readable paragraph on stderr (CLI); anything else is an internal error.
 */

/** One thing wrong with a user's input, located as precisely as we can. */
export interface Problem {
  /** Path of the file, relative to the working directory where possible. */
  file: string;
  /** 1-based line in the file (spec files), when known. */
  line?: number;
  /** 1-based column in the line, when known. */
  column?: number;
  /** 1-based data row (data files; the header is not a row), when known. */
  row?: number;
  /** The data column the problem is about, when there is one. */
  field?: string;
  /** What is wrong, as one sentence. */
  message: string;
  /** How to fix it, when we can say. */
  hint?: string;
}

/** Exit codes shared by every CLI command (DESIGN.md, "Contracts"). */
export const ExitCode = {
  ok: 0,
  gateFailed: 1,
  invalidInput: 2,
  internal: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Invalid input: spec, data or usage. Holds every problem found, not only the first. */
export class InputError extends Error {
  readonly problems: Problem[];
  readonly exitCode = ExitCode.invalidInput;

  constructor(problems: Problem[] | Problem) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join("\n"));
    this.name = "InputError";
    this.problems = list;
  }
}

/** Wrong command-line usage: unknown flag, missing argument. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.invalidInput;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** `file:line:column` (or `file, row N, column "x"` for data), the way editors and humans read it. */
export function formatLocation(p: Pick<Problem, "file" | "line" | "column" | "row" | "field">): string {
  let where = p.file;
  if (p.line !== undefined) where += `:${p.line}${p.column !== undefined ? `:${p.column}` : ""}`;
  if (p.row !== undefined) where += `, row ${p.row}`;
  if (p.field !== undefined) where += `, column "${p.field}"`;
  return where;
}

/** One readable paragraph for one problem. */
export function formatProblem(p: Problem): string {
  return `${formatLocation(p)}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ""}`;
}

/** Collects problems while a whole input is checked, so the user sees all of them at once. */
export class ProblemList {
  readonly items: Problem[] = [];
  add(p: Problem): void {
    this.items.push(p);
  }
  get empty(): boolean {
    return this.items.length === 0;
  }
  /** Throws an InputError holding everything collected, if anything was. */
  throwIfAny(): void {
    if (this.items.length > 0) throw new InputError(this.items);
  }
}
