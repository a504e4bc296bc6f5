/**
 * The worker thread of bootstrap-in-worker.ts: gathers the reductions of the resamples its
 * request names and sends them back, moving the arrays rather than copying them.
 */
import { parentPort, workerData } from "node:worker_threads";
import { reduceRequestedResamples, type ResampleRequest } from "./bootstrap.js";

const port = parentPort;
if (port === null) throw new Error("bootstrap-worker.js runs as a worker thread");
const out = reduceRequestedResamples(workerData as ResampleRequest);
port.postMessage(
  out,
  [out.sums, out.maxima, out.totals].map((a) => a.buffer as ArrayBuffer),
);
