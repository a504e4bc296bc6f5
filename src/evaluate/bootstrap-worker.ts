/**
 * The worker thread of bootstrap-in-worker.ts: for each request it gathers the reductions of
 * the resamples the request names and sends them back, moving the arrays rather than copying.
 */
import { parentPort } from "node:worker_threads";
import { reduceRequestedResamples } from "./resample-statistics.js";
import type { ResampleRequest } from "./bootstrap-protocol.js";

const port = parentPort;
if (port === null) throw new Error("bootstrap-worker.js runs as a worker thread");
port.on("message", (request: ResampleRequest) => {
  const out = reduceRequestedResamples(request);
  port.postMessage(
    out,
    [out.sums, out.maxima, out.totals].map((a) => a.buffer as ArrayBuffer),
  );
});
