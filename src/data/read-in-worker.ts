/**
 * A read of a data file done in a worker thread (read-worker.ts): the worker reads, parses,
 * checks and splits; this thread receives the typed batches (their arrays moved, not copied)
 * and runs whatever the caller does with each batch (profile, statistics, spill) on the other
 * core. The worker stays at most {@link BATCHES_AHEAD} batches ahead, so memory stays flat.
 *
 * Rows, problems, hash and split are exactly those of a read on this thread: the worker runs the
 * same reader, and its state (counts, problems, hash) comes back with the last message.
 */
import { createHash } from "node:crypto";
import { Worker, type WorkerOptions } from "node:worker_threads";
import { InputError } from "../errors.js";
import type {
  BytesMessage,
  ReturnMessage,
  WireBatch,
  WorkerInput,
  WorkerMessage,
  WorkerReader,
} from "./read-protocol.js";
import { dataFormat } from "./data-format.js";
import type { ColumnVector, RowBatch } from "./row-batch.js";

/** Batches the worker may have sent that this thread has not yet taken. */
export const BATCHES_AHEAD = 3;

/**
 * The worker's script beside this module: read-worker.js in the compiled package, and in the
 * Action bundle, whose build puts it beside the chunk holding this module.
 */
export function defaultWorkerScript(): URL {
  return new URL("./read-worker.js", import.meta.url);
}

/**
 * The batches of `reader`'s file, read by a worker thread running `script`. Afterwards `reader`
 * holds the read's counts, hash and problems as if it had read the file itself.
 */
export async function* readInWorker(
  reader: WorkerReader,
  script: URL,
): AsyncGenerator<RowBatch, void, undefined> {
  // This thread hashes the bytes the worker reads: it has time to spare while the worker parses.
  const wanted = reader.workerInput();
  // A Parquet reader does not stream the file's bytes: the worker hashes the file itself.
  const hash =
    wanted.hash && dataFormat(wanted.spec, wanted.path) !== "parquet" ? createHash("sha256") : undefined;
  // A caller that sees the bytes (passBytes: a DVC pin's md5) sees them here, as the worker reads.
  const observe = reader.passBytes;
  const input: WorkerInput = {
    ...wanted,
    hash: wanted.hash && hash === undefined,
    sendBytes: hash !== undefined || observe !== undefined,
  };
  const worker = startWorker(script, { workerData: input });
  const queue: WorkerMessage[] = [];
  const giveBack = (m: ReturnMessage): void => {
    if (!exited) worker.postMessage(m, m.buffers);
  };
  let failure: Error | undefined;
  let exited = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  worker.on("message", (m: WorkerMessage | BytesMessage) => {
    if (m.type === "bytes") {
      hash?.update(m.bytes);
      observe?.(m.bytes);
      giveBack({ taken: false, buffers: [m.bytes.buffer] });
      return;
    }
    queue.push(m);
    notify();
  });
  worker.on("error", (error) => {
    failure ??= error;
    notify();
  });
  worker.on("exit", () => {
    exited = true;
    notify();
  });
  try {
    for (;;) {
      while (queue.length === 0 && failure === undefined && !exited) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const m = queue.shift();
      if (m === undefined) throw failure ?? new Error("the read worker stopped before the end of the file");
      if (m.type === "batch") {
        yield toRowBatch(reader, m.batch);
        giveBack({ taken: true, buffers: reader.recycles ? buffersOf(m.batch) : [] });
        continue;
      }
      if (m.type === "end") {
        // As a read on one thread: the hash is set once the whole file was read.
        const sha256 = hash !== undefined && !m.state.stopped ? hash.digest("hex") : m.state.sha256;
        reader.adopt({ ...m.state, sha256 });
        return;
      }
      if (m.type === "input-error") throw new InputError(m.problems);
      const error = new Error(m.message);
      if (m.stack !== undefined) error.stack = m.stack;
      throw error;
    }
  } finally {
    await worker.terminate();
  }
}

/**
 * A worker thread with the process's Node options. Options a worker refuses (V8's, such as
 * --expose-gc or --max-semi-space-size) are left out: they already apply to the whole process.
 */
export function startWorker(script: URL, options: WorkerOptions = {}): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  try {
    return new Worker(script, { ...options, execArgv });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
    // "Initiated Worker with invalid execArgv flags: --a, --b=1"
    const refused = new Set((error as Error).message.replace(/^[^:]*:\s*/, "").split(/,\s*/));
    return new Worker(script, { ...options, execArgv: execArgv.filter((a) => !refused.has(a)) });
  }
}

/**
 * The process's Node options that a worker thread may inherit: all but those about a script
 * given on the command line (`node --input-type=module -e "..."`), which a worker started from
 * a file refuses.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < execArgv.length; k++) {
    const a = execArgv[k]!;
    if (a === "-e" || a === "--eval" || a === "-p" || a === "--print") k++;
    else if (!a.startsWith("--input-type") && !a.startsWith("--eval=") && !a.startsWith("--print="))
      out.push(a);
  }
  return out;
}

/** The distinct array buffers the worker's batch builder made for a batch (not the sides). */
function buffersOf(wire: WireBatch): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>([wire.row.buffer, wire.line.buffer] as ArrayBuffer[]);
  for (const c of wire.columns) if (!Array.isArray(c)) buffers.add(c.buffer as ArrayBuffer);
  return [...buffers];
}

/** The batch with this thread's level arrays, which grow as the worker's did. */
function toRowBatch(reader: WorkerReader, wire: WireBatch): RowBatch {
  let k = 0;
  const columns = reader.cols.map((col, c): ColumnVector => {
    const data = wire.columns[c]!;
    const type = col.spec.type;
    if (type === "category") {
      const raw = wire.newRaw[k]!;
      const levels = wire.newLevels[k]!;
      k++;
      for (let i = 0; i < raw.length; i++) {
        col.raw.push(raw[i]!);
        col.levels.push(levels[i]!);
      }
      return {
        kind: "category",
        name: col.name,
        type,
        codes: data as Int32Array,
        levels: col.levels,
        raw: col.raw,
      };
    }
    if (type === "string") return { kind: "string", name: col.name, type, values: data as (string | null)[] };
    return { kind: "numeric", name: col.name, type, values: data as Float64Array };
  });
  return { length: wire.length, row: wire.row, line: wire.line, side: wire.side, columns };
}
