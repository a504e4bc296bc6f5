/**
 * Adaptive batching and the pooled arrays of small requests: concurrent one-row requests are
 * coalesced into fewer model calls, and every answer equals the unbatched server's for the same
 * row, bit for bit, round after round (arrays given back by one request serve the next).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { JsonLog } from "../../serve/json-log.js";
import { openServer } from "../../serve/open-server.js";
import type { RunningServer } from "../../serve/start-server.js";

const cars = path.resolve(import.meta.dirname, "../../examples/cars");
const features = [
  "Weight_in_lbs",
  "Horsepower",
  "Displacement",
  "Acceleration",
  "Cylinders",
  "Year",
  "Origin",
];
const datatypes: Record<string, string> = {
  Weight_in_lbs: "INT64",
  Cylinders: "INT64",
  Year: "BYTES",
  Origin: "BYTES",
};
const rows = (
  JSON.parse(readFileSync(path.join(cars, "data/cars.json"), "utf8")) as Record<string, unknown>[]
).slice(0, 120);

const silent: JsonLog = { event() {}, request() {} };
let batched: RunningServer;
let plain: RunningServer;

const open = (batchWaitMs: number) =>
  openServer({
    configFile: path.join(cars, "modelgate.yml"),
    alias: "production",
    host: "127.0.0.1",
    port: 0,
    pollMs: 0,
    maxBodyBytes: 100_000,
    maxRows: 100,
    batchWaitMs,
    batchMaxRows: 1024,
    logSample: 0,
    logPayloads: false,
    drainMs: 1000,
    log: silent,
  });

beforeAll(async () => {
  [batched, plain] = await Promise.all([open(20), open(0)]);
});
afterAll(async () => {
  await Promise.all([batched.drain(1000), plain.drain(1000)]);
});

async function predict(url: string, row: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${url}/v2/models/mpg/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      inputs: features.map((f) => ({
        name: f,
        datatype: datatypes[f] ?? "FP64",
        shape: [1],
        data: [row[f]],
      })),
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data[0]!;
}

it("coalesces concurrent requests, each answer equal to the unbatched one", async () => {
  const expected: number[] = [];
  for (const r of rows) expected.push(await predict(plain.url, r));
  expect(new Set(expected).size).toBeGreaterThan(100);
  for (let round = 0; round < 3; round++) {
    const got = await Promise.all(rows.map((r) => predict(batched.url, r)));
    expect(got).toEqual(expected);
  }
  // Fewer model calls than requests: the batch-size histogram counted rows per call.
  const metrics = await (await fetch(`${batched.url}/metrics`)).text();
  const calls = Number(/modelgate_serve_batch_rows_count\{model="mpg"\} (\d+)/.exec(metrics)![1]);
  const scored = Number(/modelgate_serve_batch_rows_sum\{model="mpg"\} (\d+)/.exec(metrics)![1]);
  expect(scored).toBe(3 * rows.length);
  expect(calls).toBeLessThan((3 * rows.length) / 2);
});
