/**
 * Adaptive batching: requests for the same model version that arrive within `maxWaitMs` of the
 * first are scored in one call of the model (up to `maxRows` rows), then split again.
 */
import type { RowBatch } from "../src/data/row-batch.js";
import { concatBatches } from "../src/serve/concat-batches.js";
import type { ServedModel } from "../src/serve/served-model.js";

/** Told of every call of a model: how many rows, and how many category values were unseen. */
export type OnCall = (model: ServedModel, rows: number, unseen: number) => void;

interface Pending {
  batch: RowBatch;
  resolve: (p: Float64Array) => void;
  reject: (e: unknown) => void;
}

/** Scores batches, coalescing concurrent ones when `maxWaitMs` > 0. */
export class Batcher {
  private readonly queues = new Map<ServedModel, { items: Pending[]; rows: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly maxWaitMs: number,
    private readonly maxRows: number,
    private readonly onCall: OnCall = () => {},
  ) {}

  /** The predictions for `batch` by `model`. */
  score(model: ServedModel, batch: RowBatch): Promise<Float64Array> | Float64Array {
    if (this.maxWaitMs <= 0) return this.scoreNow(model, batch);
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(model);
      if (!queue) {
        queue = { items: [], rows: 0, timer: setTimeout(() => this.flush(model), this.maxWaitMs) };
        this.queues.set(model, queue);
      }
      queue.items.push({ batch, resolve, reject });
      queue.rows += batch.length;
      if (queue.rows >= this.maxRows) this.flush(model);
    });
  }

  private flush(model: ServedModel): void {
    const queue = this.queues.get(model);
    if (!queue) return;
    this.queues.delete(model);
    clearTimeout(queue.timer);
    const split = (all: Float64Array) => {
      let at = 0;
      for (const p of queue.items) {
        p.resolve(all.subarray(at, at + p.batch.length));
        at += p.batch.length;
      }
    };
    const failAll = (e: unknown) => {
      for (const p of queue.items) p.reject(e);
    };
    try {
      const all = this.scoreNow(model, concatBatches(queue.items.map((p) => p.batch)));
      if (all instanceof Promise) all.then(split, failAll);
      else split(all);
    } catch (e) {
      failAll(e);
    }
  }

  private scoreNow(model: ServedModel, batch: RowBatch): Float64Array | Promise<Float64Array> {
    const predictions = new Float64Array(batch.length);
    const unseen = model.score(batch, predictions);
    if (typeof unseen !== "number")
      return unseen.then((n) => {
        this.onCall(model, batch.length, n);
        return predictions;
      });
    this.onCall(model, batch.length, unseen);
    return predictions;
  }
}
