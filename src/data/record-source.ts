/**
 * What the streaming read asks of each format's record loop (CSV, JSON array, JSON Lines), what
 * a record loop may see of the read that drives it, and the problems every format reports alike
 * (the Parquet read's too).
 */
import { InputError } from "../errors.js";
import { closest } from "../project/did-you-mean.js";
import type { DataSpec } from "../project/schemas.js";
import type { ProblemCollector } from "./collect-problems.js";
import type { DataFormat } from "./data-format.js";
import type { BuiltBatch } from "./build-batch.js";
import type { ReadLimits } from "./read-protocol.js";

export const MIB = 1 << 20;

/** Whether a record loop needs more bytes, is done with the file, or stopped at a fault. */
export type SourceStatus = "more" | "done" | "stop";

/** One format's record loop over the chunk reader's window. */
export interface RecordSource {
  pos: number;
  /** Reads the records complete in the window; says whether it needs more bytes, is done, or stopped. */
  parse(out: BuiltBatch[]): SourceStatus;
  /** Called when the record at `pos` grew past the limit. */
  tooLong(limit: number): void;
  /** Called once after the last record of a complete read. */
  finish?(): void;
}

/** What a record loop sees of the read that drives it (the `DatasetReader`). */
export interface SourceOwner {
  readonly spec: DataSpec;
  readonly format: DataFormat;
  readonly problems: ProblemCollector;
  readonly limits: ReadLimits;
}

/** Reports a record longer than the limit: the read stops there. */
export function tooLongProblem(
  owner: SourceOwner,
  limit: number,
  row: number,
  line: number,
  field?: string,
): void {
  owner.problems.add("too-long", "", {
    row,
    line,
    ...(field === undefined ? {} : { field }),
    message: `the record is longer than ${limit >= MIB ? `${limit / MIB} MiB` : `${limit} bytes`}; reading stopped here`,
    hint:
      owner.format === "csv"
        ? "look for a quote that never closes above this point, or raise the record limit (maxRecordBytes)"
        : "look for a string that never closes, or raise the record limit (maxRecordBytes)",
  });
}

/**
 * Reports a column of the file (CSV header, Parquet schema) that the data spec does not name,
 * with the absent spec column it most likely is. Monitoring reads this message as a column added
 * (src/monitor/resolve-new-columns.ts).
 */
export function unknownColumnProblem(
  owner: SourceOwner,
  name: string,
  absent: readonly string[],
  line?: number,
): void {
  const near = closest(name, absent);
  owner.problems.add("header", "", {
    ...(line === undefined ? {} : { line }),
    field: name,
    message: `column "${name}" is in the file but not in the data spec`,
    hint:
      near !== undefined
        ? `did you mean "${near}"? Rename the column in the file or in the data spec`
        : "describe every column of the file in the data spec's `columns`",
  });
}

/** The error of a data file that cannot be opened: not there, or not readable. */
export function unreadableDataFile(file: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  return new InputError({
    file,
    message:
      code === "ENOENT"
        ? "the data file does not exist"
        : `cannot read the data file (${code ?? String(error)})`,
    hint: "the data spec's `file` is relative to the data spec",
  });
}
