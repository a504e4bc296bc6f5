/**
 * Part of a bootstrap gathered in a worker thread (bootstrap-worker.ts): the worker prepares the
 * same metrics on the same rows (shared memory, or a copy) and gathers the reductions of a range
 * of resamples, which depend on (seed, resample, row) alone, so they are bit for bit those of
 * the calling thread. Loaded only when a bootstrap is large enough to share.
 */
import type { Worker } from "node:worker_threads";
import { startWorker } from "../data/read-in-worker.js";
import type { ResampleReductions, ResampleRequest } from "./bootstrap-protocol.js";

/**
 * The worker's script beside this module: bootstrap-worker.js in the compiled package, and in
 * the Action bundle, whose build puts it beside the chunk holding this module.
 */
export function defaultBootstrapWorker(): URL {
  return new URL("./bootstrap-worker.js", import.meta.url);
}

/**
 * A started bootstrap worker. Starting it before the rows are scored hides its start-up; it
 * answers one request at a time, and never keeps the process alive on its own.
 */
export class BootstrapWorker {
  private readonly worker: Worker;
  private waiting: { resolve: (r: ResampleReductions) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(script: URL) {
    this.worker = startWorker(script);
    this.worker.unref();
    this.worker.on("message", (m: ResampleReductions) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.resolve(m);
    });
    const fail = (error: Error): void => {
      this.failure ??= error;
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(this.failure);
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the bootstrap worker stopped (exit code ${code})`)));
  }

  /** The reductions `request` asks for. */
  reduce(request: ResampleRequest): Promise<ResampleReductions> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error("the bootstrap worker is busy"));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(request);
    });
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    this.failure ??= new Error("the bootstrap worker was closed");
    await this.worker.terminate();
  }
}
