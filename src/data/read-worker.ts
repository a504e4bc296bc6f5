/**
 * The worker thread of read-in-worker.ts: reads one data file with the ordinary reader and
 * sends each typed batch to the thread that started it, moving the arrays rather than copying
 * them, at most BATCHES_AHEAD batches ahead of what that thread has taken.
 */
import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../errors.js";
import { DatasetReader } from "./read-dataset.js";
import type { BytesMessage, ReturnMessage, WireBatch, WorkerInput, WorkerMessage } from "./read-protocol.js";
import type { RowBatch } from "./row-batch.js";

// The same numbers as in read-in-worker.ts, which this script must not import: it loads the
// reader, which loads read-in-worker.ts only when it starts a worker.
const BATCHES_AHEAD = 3;

const port = parentPort;
if (port === null) throw new Error("read-worker.js runs as a worker thread");

const input = workerData as WorkerInput;
let unacknowledged = 0;
let resume: (() => void) | undefined;
/** Arrays the calling thread sent back, by size: the next batches and byte copies reuse them. */
const pool = new Map<number, ArrayBuffer[]>();
const newBuffer = (bytes: number): ArrayBuffer => pool.get(bytes)?.pop() ?? new ArrayBuffer(bytes);
port.on("message", (m: ReturnMessage) => {
  for (const buffer of m.buffers) {
    const list = pool.get(buffer.byteLength);
    if (list) list.push(buffer);
    else pool.set(buffer.byteLength, [buffer]);
  }
  if (!m.taken) return;
  unacknowledged--;
  const r = resume;
  resume = undefined;
  r?.();
});

const send = (m: WorkerMessage | BytesMessage, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(m, transfer);

async function read(): Promise<void> {
  const reader = new DatasetReader(
    input.spec,
    input.path,
    { ...input.limits, file: input.file, specFile: input.specFile, worker: false },
    input.hash,
    input.failFast,
  );
  reader.newBuffer = newBuffer;
  if (input.profile !== undefined) reader.drawProfile(input.profile, input.profileColumns);
  if (input.rowSketch !== undefined) reader.sketchRows(input.rowSketch);
  if (input.sendBytes)
    reader.passBytes = (view) => {
      const bytes = new Uint8Array(newBuffer(view.length));
      bytes.set(view);
      send({ type: "bytes", bytes }, [bytes.buffer]);
    };
  const categories = reader.cols.filter((c) => c.spec.type === "category");
  const sent = categories.map((c) => c.raw.length);
  for await (const batch of reader.batches()) {
    const newRaw = categories.map((c, k) => c.raw.slice(sent[k]));
    const newLevels = categories.map((c, k) => c.levels.slice(sent[k]));
    categories.forEach((c, k) => (sent[k] = c.raw.length));
    const wire: WireBatch = {
      length: batch.length,
      row: batch.row,
      line: batch.line,
      side: batch.side,
      columns: batch.columns.map((col) =>
        col.kind === "numeric" ? col.values : col.kind === "category" ? col.codes : col.values,
      ),
      newRaw,
      newLevels,
    };
    send({ type: "batch", batch: wire }, buffersOf(batch));
    unacknowledged++;
    while (unacknowledged >= BATCHES_AHEAD) await new Promise<void>((r) => (resume = r));
  }
  send({ type: "end", state: reader.state() });
}

/** The distinct array buffers of a batch: moved to the other thread, no longer usable here. */
function buffersOf(batch: RowBatch): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView): void => {
    if (a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  };
  add(batch.row);
  add(batch.line);
  add(batch.side);
  for (const col of batch.columns) {
    if (col.kind === "numeric") add(col.values);
    else if (col.kind === "category") add(col.codes);
  }
  return [...buffers];
}

try {
  await read();
} catch (error) {
  if (error instanceof InputError) send({ type: "input-error", problems: error.problems });
  else {
    const e = error instanceof Error ? error : new Error(String(error));
    send({ type: "error", message: e.message, stack: e.stack });
  }
}
// The thread that started this one ends it once it has the last message.
