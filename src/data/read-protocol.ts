/**
 * What a read in a worker thread and its caller exchange (read-in-worker.ts on the calling
 * thread, read-worker.ts in the worker): the input that starts the read, the messages both ways,
 * and the state the read ends in. Both sides import this file and nothing of each other.
 */
import type { ColumnState } from "./build-batch.js";
import type { CollectedProblems } from "./collect-problems.js";
import type { DataProfile, ProfileOptions } from "./profile-columns.js";
import type { RowHashes } from "./row-hash-sketch.js";
import type { DataSpec } from "../project/schemas.js";
import type { Problem } from "../errors.js";

/** The limits of a read: the numeric ReadOptions (read-dataset.ts) and the fast paths' switches, defaults applied. */
export interface ReadLimits {
  batchSize: number;
  maxRecordBytes: number;
  maxProblems: number;
  examplesPerKind: number;
  maxLevels: number;
  readSize: number;
  csvKernel: boolean;
  parquetFlat: boolean;
}

/** Where a finished read ended up, carried from a worker thread to the reader that started it. */
export interface ReaderState {
  rows: number;
  train: number;
  test: number;
  bytes: number;
  sha256: string;
  stopped: boolean;
  problems: CollectedProblems;
  /** Per column, the first rows with a missing value. */
  missingRows: number[][];
  /** The profile, when the reader drew one (DatasetReader.drawProfile). */
  profile: DataProfile | undefined;
  /** The row sketch, when the reader drew one (DatasetReader.sketchRows). */
  rowHashes?: RowHashes | undefined;
}

/** What a worker thread needs to read the same file the same way. */
export interface WorkerInput {
  spec: DataSpec;
  path: string;
  file: string;
  specFile: string;
  limits: ReadLimits;
  hash: boolean;
  /** Send the bytes read to the calling thread, which hashes them (instead of `hash`). */
  sendBytes: boolean;
  failFast: boolean;
  profile: ProfileOptions | undefined;
  /** The columns the reader profiles (true), when not all. */
  profileColumns: boolean[] | undefined;
  /** Keep a row sketch of this size (DatasetReader.sketchRows). */
  rowSketch?: number;
}

/** One batch as it crosses threads: the columns' arrays, and the category levels new since the last. */
export interface WireBatch {
  length: number;
  row: Uint32Array;
  line: Uint32Array;
  side: Uint8Array;
  /** Per column: its values (numeric), codes (category) or texts (string). */
  columns: (Float64Array | Int32Array | (string | null)[])[];
  /** Per category column: levels first seen since the previous batch, as written and as labelled. */
  newRaw: string[][];
  newLevels: string[][];
}

/** What the worker sends. */
export type WorkerMessage =
  | { type: "batch"; batch: WireBatch }
  | { type: "end"; state: ReaderState }
  | { type: "input-error"; problems: Problem[] }
  | { type: "error"; message: string; stack: string | undefined };

/** The bytes of one read of the file, for this thread's sha256 (handled as it arrives). */
export interface BytesMessage {
  type: "bytes";
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * What this thread sends: a batch was taken (`taken`), and arrays the worker may reuse: the bytes
 * it sent once they are hashed, and a recycling caller's batch arrays once it asked for more.
 */
export interface ReturnMessage {
  taken: boolean;
  buffers: ArrayBuffer[];
}

/** What the calling thread needs of the reader a worker reads for (DatasetReader). */
export interface WorkerReader {
  readonly cols: readonly ColumnState[];
  readonly recycles: boolean;
  /** Sees every byte of the file, in order, on the calling thread (set before the read). */
  readonly passBytes: ((bytes: Uint8Array) => void) | undefined;
  workerInput(): WorkerInput;
  adopt(state: ReaderState): void;
}
