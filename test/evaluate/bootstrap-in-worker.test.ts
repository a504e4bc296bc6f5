/**
 * The bootstrap shared with a worker thread: the same estimates, bit for bit, as on one thread,
 * whatever the split of resamples; a missing script falls back to one thread.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRandom,
  evaluateWithIntervals,
  evaluateWithIntervalsInParallel,
  startBootstrapWorker,
} from "../../src/evaluate/bootstrap.js";
import type { MetricName } from "../../src/spec/schemas.js";

let dir = "";
let script: URL;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "modelgate-bootstrap-worker-"));
  const outfile = path.join(dir, "bootstrap-worker.mjs");
  await build({
    entryPoints: [path.resolve(import.meta.dirname, "../../src/evaluate/bootstrap-worker.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  script = pathToFileURL(outfile);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rows(n: number, seed: number): { actual: Float64Array; predicted: Float64Array } {
  const r = createRandom(seed);
  const actual = new Float64Array(n);
  const predicted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    actual[i] = i % 17 === 0 ? 0 : 10 * r.next() - 3;
    predicted[i] = actual[i]! + r.next() - 0.5;
  }
  return { actual, predicted };
}

const METRICS: MetricName[] = ["rmse", "mae", "r2", "mape", "max_error"];

describe("evaluateWithIntervalsInParallel", () => {
  for (const [n, samples, seed] of [
    [5001, 201, 7],
    [4096, 2, 11],
    [333, 1000, 3],
  ] as const) {
    it(`equals the one-thread estimates bit for bit (${n} rows, ${samples} resamples)`, async () => {
      const { actual, predicted } = rows(n, seed);
      const options = { samples, seed, confidence: 0.9 };
      const one = evaluateWithIntervals(METRICS, actual, predicted, options);
      const shared = await evaluateWithIntervalsInParallel(METRICS, actual, predicted, options, undefined, {
        worker: script,
        minWork: 0,
      });
      expect(shared).toStrictEqual(one);
      for (const name of METRICS) {
        expect(Object.is(shared[name]!.ci!.lower, one[name]!.ci!.lower)).toBe(true);
        expect(Object.is(shared[name]!.ci!.upper, one[name]!.ci!.upper)).toBe(true);
      }
    });
  }

  it("serves several bootstraps from one worker started beforehand", async () => {
    const started = await startBootstrapWorker(1e6, { worker: script, minWork: 1e6 });
    expect(started).toBeDefined();
    try {
      for (const seed of [5, 6]) {
        const { actual, predicted } = rows(2000, seed);
        const options = { samples: 101, seed, confidence: 0.95 };
        const shared = await evaluateWithIntervalsInParallel(METRICS, actual, predicted, options, undefined, {
          started: started!,
        });
        expect(shared).toStrictEqual(evaluateWithIntervals(METRICS, actual, predicted, options));
      }
    } finally {
      await started!.close();
    }
    expect(await startBootstrapWorker(999, { worker: script, minWork: 1e3 })).toBeUndefined();
  });

  it("runs the worker script when the work is large enough", async () => {
    const failing = path.join(dir, "failing-worker.mjs");
    writeFileSync(failing, 'throw new Error("worker ran");\n');
    const { actual, predicted } = rows(100, 1);
    const options = { samples: 10, seed: 1, confidence: 0.95 };
    await expect(
      evaluateWithIntervalsInParallel(["rmse"], actual, predicted, options, undefined, {
        worker: pathToFileURL(failing),
        minWork: 0,
      }),
    ).rejects.toThrow("worker ran");
    // Below the threshold the same script is never started.
    const small = await evaluateWithIntervalsInParallel(["rmse"], actual, predicted, options, undefined, {
      worker: pathToFileURL(failing),
      minWork: 1e9,
    });
    expect(small).toStrictEqual(evaluateWithIntervals(["rmse"], actual, predicted, options));
  });

  it("stays on one thread when the worker script is missing", async () => {
    const { actual, predicted } = rows(500, 2);
    const options = { samples: 50, seed: 2, confidence: 0.95 };
    const shared = await evaluateWithIntervalsInParallel(
      ["rmse", "mae"],
      actual,
      predicted,
      options,
      undefined,
      {
        worker: pathToFileURL(path.join(dir, "nowhere.mjs")),
        minWork: 0,
      },
    );
    expect(shared).toStrictEqual(evaluateWithIntervals(["rmse", "mae"], actual, predicted, options));
  });
});
