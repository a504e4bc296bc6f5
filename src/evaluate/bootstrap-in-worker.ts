/**
 * Part of a bootstrap gathered in a worker thread (bootstrap-worker.ts): the worker prepares the
 * same metrics on a copy of the rows and gathers the reductions of a range of resamples, which
 * depend on (seed, resample, row) alone, so they are bit for bit those of the calling thread.
 * Loaded only when a bootstrap is large enough to share.
 */
import { Worker } from "node:worker_threads";
import { workerExecArgv } from "../data/read-in-worker.js";
import type { ResampleReductions, ResampleRequest } from "./bootstrap.js";

/**
 * The worker's script beside this module: bootstrap-worker.js in the compiled package, and in
 * the Action bundle, whose build puts it beside the chunk holding this module.
 */
export function defaultBootstrapWorker(): URL {
  return new URL("./bootstrap-worker.js", import.meta.url);
}

/** The reductions `request` asks for, gathered by a worker thread running `script`. */
export function reduceInWorker(script: URL, request: ResampleRequest): Promise<ResampleReductions> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: request, execArgv: workerExecArgv(process.execArgv) });
    let settled = false;
    worker.once("message", (m: ResampleReductions) => {
      settled = true;
      resolve(m);
      void worker.terminate();
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`the bootstrap worker stopped (exit code ${code}) before its answer`));
    });
  });
}
