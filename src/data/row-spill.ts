/**
 * Typed batches kept in a temporary file, so the passes after the checking scan (factoring,
 * scoring) read them back as binary instead of parsing and checking the text again. Memory
 * stays flat: one batch is written at a time and at most two are being read back; the rows
 * live on disk (in the page cache while it has room), about 8 bytes per numeric cell.
 *
 * The file is removed as soon as it is open where the system allows it (POSIX), so it never
 * outlives the process; elsewhere it is removed on {@link RowSpill.close} or at exit.
 */
import { closeSync, mkdtempSync, openSync, read, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ColumnVector, RowBatch } from "./row-batch.js";

interface Stored {
  offset: number;
  bytes: number;
  length: number;
}

type Shape =
  | { kind: "numeric"; name: string; type: "number" | "integer" | "boolean" | "date" }
  | { kind: "category"; name: string; levels: readonly string[]; raw: readonly string[] }
  | { kind: "string"; name: string };

const leftBehind = new Set<string>();
let exitHook = false;

// Descriptors of spills that were dropped without close(): closed when collected.
const unclosed = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
});

function readAt(fd: number, buf: Buffer, bytes: number, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const more = (): void => {
      read(fd, buf, done, bytes - done, position + done, (error, n) => {
        if (error) return reject(error);
        if (n === 0) return reject(new Error("the row spill file ended early"));
        done += n;
        if (done < bytes) more();
        else resolve();
      });
    };
    more();
  });
}

function bytesOf(a: Float64Array | Int32Array | Uint32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A write-once, read-many spill of row batches; see the file comment. */
export class RowSpill {
  private readonly stored: Stored[] = [];
  private shapes: Shape[] | undefined;
  private end = 0;
  private fd: number;
  private readonly file: string | undefined;
  private readonly token = {};
  private record = Buffer.alloc(0);
  /** Rows appended. */
  rows = 0;

  private constructor(fd: number, file: string | undefined) {
    this.fd = fd;
    this.file = file;
    unclosed.register(this, fd, this.token);
  }

  /** Opens an empty spill in a new folder under `dir` (the system's temporary folder by default). */
  static open(dir: string = tmpdir()): RowSpill {
    const folder = mkdtempSync(path.join(dir, "modelgate-rows-"));
    const file = path.join(folder, "rows.bin");
    const fd = openSync(file, "w+");
    try {
      unlinkSync(file);
      rmSync(folder, { recursive: true, force: true });
      return new RowSpill(fd, undefined);
    } catch {
      // Windows keeps an open file: remove it on close or at exit instead.
      leftBehind.add(folder);
      if (!exitHook) {
        exitHook = true;
        process.on("exit", () => {
          for (const f of leftBehind) rmSync(f, { recursive: true, force: true });
        });
      }
      return new RowSpill(fd, folder);
    }
  }

  /** Appends a batch (every column, side, row and line numbers). Writes synchronously. */
  append(batch: RowBatch): void {
    if (this.fd < 0) throw new Error("the row spill is closed");
    if (this.shapes === undefined) this.shapes = batch.columns.map(shapeOf);
    const n = batch.length;
    const parts: Uint8Array[] = [bytesOf(batch.row), bytesOf(batch.line), bytesOf(batch.side)];
    batch.columns.forEach((col, c) => {
      const shape = this.shapes![c]!;
      if (col.kind !== shape.kind) throw new Error(`column ${col.name} changed kind between batches`);
      if (col.kind === "numeric") parts.push(bytesOf(col.values));
      else if (col.kind === "category") {
        parts.push(bytesOf(col.codes));
        // The levels grow during a read; the arrays are shared by all its batches.
        this.shapes![c] = shapeOf(col);
      } else {
        const text = Buffer.from(JSON.stringify(col.values));
        const size = new Uint32Array([text.length]);
        parts.push(bytesOf(size), text);
      }
    });
    const bytes = parts.reduce((s, p) => s + p.length, 0);
    // One buffer for every record: the write below copies it out before append returns.
    if (this.record.length < bytes) this.record = Buffer.allocUnsafe(bytes);
    const record = this.record;
    let at = 0;
    for (const p of parts) {
      record.set(p, at);
      at += p.length;
    }
    let written = 0;
    while (written < bytes)
      written += writeSync(this.fd, record, written, bytes - written, this.end + written);
    this.stored.push({ offset: this.end, bytes, length: n });
    this.end += bytes;
    this.rows += n;
  }

  /** The batches as appended, in order; each call is a new pass. Reads one batch ahead. */
  async *batches(): AsyncGenerator<RowBatch, void, undefined> {
    const shapes = this.shapes;
    if (shapes === undefined) return;
    const largest = this.stored.reduce((m, s) => Math.max(m, s.bytes), 0);
    const buffers = [Buffer.allocUnsafe(largest), Buffer.allocUnsafe(largest)];
    const fd = (): number => {
      if (this.fd < 0) throw new Error("the row spill is closed");
      return this.fd;
    };
    let next: Promise<void> | undefined =
      this.stored.length > 0
        ? readAt(fd(), buffers[0]!, this.stored[0]!.bytes, this.stored[0]!.offset)
        : undefined;
    for (let k = 0; k < this.stored.length; k++) {
      await next;
      const after = this.stored[k + 1];
      next = after ? readAt(fd(), buffers[(k + 1) % 2]!, after.bytes, after.offset) : undefined;
      yield decode(buffers[k % 2]!, this.stored[k]!.length, shapes);
    }
  }

  /** Closes (and, where it is still there, removes) the file. Safe to call twice. */
  close(): void {
    if (this.fd < 0) return;
    unclosed.unregister(this.token);
    closeSync(this.fd);
    this.fd = -1;
    if (this.file !== undefined) {
      rmSync(this.file, { recursive: true, force: true });
      leftBehind.delete(this.file);
    }
  }
}

function shapeOf(col: ColumnVector): Shape {
  if (col.kind === "numeric") return { kind: "numeric", name: col.name, type: col.type };
  if (col.kind === "category") return { kind: "category", name: col.name, levels: col.levels, raw: col.raw };
  return { kind: "string", name: col.name };
}

function take<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(
  make: (n: number) => T,
  n: number,
  buf: Buffer,
  at: number,
): T {
  const out = make(n);
  bytesOf(out).set(buf.subarray(at, at + out.byteLength));
  return out;
}

function decode(buf: Buffer, n: number, shapes: readonly Shape[]): RowBatch {
  let at = 0;
  const row = take((k) => new Uint32Array(k), n, buf, at);
  at += 4 * n;
  const line = take((k) => new Uint32Array(k), n, buf, at);
  at += 4 * n;
  const side = take((k) => new Uint8Array(k), n, buf, at);
  at += n;
  const columns: ColumnVector[] = shapes.map((shape) => {
    if (shape.kind === "numeric") {
      const values = take((k) => new Float64Array(k), n, buf, at);
      at += 8 * n;
      return { kind: "numeric", name: shape.name, type: shape.type, values };
    }
    if (shape.kind === "category") {
      const codes = take((k) => new Int32Array(k), n, buf, at);
      at += 4 * n;
      return {
        kind: "category",
        name: shape.name,
        type: "category",
        codes,
        levels: shape.levels,
        raw: shape.raw,
      };
    }
    const size = buf.readUInt32LE(at);
    at += 4;
    const values = JSON.parse(buf.toString("utf8", at, at + size)) as (string | null)[];
    at += size;
    return { kind: "string", name: shape.name, type: "string", values };
  });
  return { length: n, row, line, side, columns };
}
