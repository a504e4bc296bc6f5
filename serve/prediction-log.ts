/**
 * The prediction log: one JSON line per scored row (request id, time, model, version, inputs,
 * prediction), appended to a file that is rotated when it passes a size (`file` -> `file.1` ->
 * `file.2` ..., the oldest dropped). `modelgate monitor --from-log` reads it.
 */
import { appendFileSync, existsSync, renameSync, rmSync, statSync } from "node:fs";

/** Where and how much to keep. */
export interface PredictionLogOptions {
  file: string;
  /** Rotate once the file passes this many bytes. */
  maxBytes: number;
  /** Rotated files kept beside the live one. */
  keep: number;
}

/** One scored row, as a line of the log. */
export interface PredictionRecord {
  time: string;
  requestId: string;
  row: number;
  model: string;
  version: number;
  inputs: Record<string, unknown>;
  prediction: number;
}

/** Appends records; writes are synchronous so a line is never split between files. */
export class PredictionLog {
  private size: number;

  constructor(private readonly options: PredictionLogOptions) {
    this.size = existsSync(options.file) ? statSync(options.file).size : 0;
  }

  /** Appends `records` (one request's rows) as one write. */
  write(records: readonly PredictionRecord[]): void {
    if (records.length === 0) return;
    const text = records.map((r) => JSON.stringify(r)).join("\n") + "\n";
    if (this.size > 0 && this.size + Buffer.byteLength(text) > this.options.maxBytes) this.rotate();
    appendFileSync(this.options.file, text);
    this.size += Buffer.byteLength(text);
  }

  private rotate(): void {
    const { file, keep } = this.options;
    rmSync(`${file}.${keep}`, { force: true });
    for (let k = keep - 1; k >= 1; k--)
      if (existsSync(`${file}.${k}`)) renameSync(`${file}.${k}`, `${file}.${k + 1}`);
    if (keep >= 1) renameSync(file, `${file}.1`);
    else rmSync(file, { force: true });
    this.size = 0;
  }
}
