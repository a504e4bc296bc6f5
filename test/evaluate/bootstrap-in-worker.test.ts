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
  bootstrapIntervals,
  createRandom,
  forEachPoissonResample,
  percentileInterval,
  evaluateWithIntervals,
  evaluateWithIntervalsInParallel,
  startBootstrapWorker,
} from "../../src/evaluate/bootstrap.js";
import type { PreparedMetric } from "../../src/evaluate/metric-types.js";
import { metricDefinition, rowReductionOf } from "../../src/evaluate/metrics.js";
import type { MetricName } from "../../src/project/schemas.js";

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

describe("row reductions of the bootstrap", () => {
  /**
   * Statistic j on resample b, by the file comment's definition: Poisson weights from the one
   * stream, each channel summed over a block of 2048 rows in row order, block sums added in
   * order, maxima over the rows a resample holds.
   */
  function reference(n: number, metrics: PreparedMetric[], samples: number, seed: number): number[][] {
    const draws = metrics.map(() => [] as number[]);
    forEachPoissonResample(n, { samples, seed }, (weights, b, total) => {
      metrics.forEach((metric, j) => {
        const r = rowReductionOf(metric)!;
        const sums = new Float64Array(r.sums.length);
        r.sums.forEach((channel, k) => {
          const values = new Float64Array(n);
          channel.fill(0, n, values);
          for (let start = 0; start < n; start += 2048) {
            let s = 0;
            for (let i = start; i < Math.min(n, start + 2048); i++) s += weights[i]! * values[i]!;
            sums[k] = sums[k]! + s;
          }
        });
        const maxima = new Float64Array(r.maxima.length).fill(-Infinity);
        r.maxima.forEach((channel, k) => {
          const values = new Float64Array(n);
          channel.fill(0, n, values);
          for (let i = 0; i < n; i++) if (weights[i]! > 0 && values[i]! > maxima[k]!) maxima[k] = values[i]!;
        });
        draws[j]![b] = r.finish(sums, maxima, total);
      });
    });
    return draws;
  }

  it("gives each statistic bit for bit its defined value, for 0 to 11 summed channels", () => {
    const n = 4097;
    const { actual, predicted } = rows(n, 9);
    const other = predicted.map((p, i) => p + (i % 5) * 0.1);
    const sets: [MetricName, Float64Array][][] = [
      [["max_error", predicted]],
      [["rmse", predicted]],
      [
        ["rmse", predicted],
        ["mae", predicted],
      ],
      [["r2", predicted]],
      [
        ["r2", predicted],
        ["mae", predicted],
      ],
      [
        ["r2", predicted],
        ["mae", predicted],
        ["mape", predicted],
      ],
      [
        ["r2", predicted],
        ["mae", predicted],
        ["mape", predicted],
        ["max_error", predicted],
      ],
      [
        ["r2", predicted],
        ["r2", other],
        ["mae", predicted],
      ],
      [
        ["r2", predicted],
        ["r2", other],
        ["mae", predicted],
        ["mae", other],
        ["mape", other],
      ],
    ];
    for (const set of sets) {
      const samples = 7;
      const byName: Record<string, PreparedMetric> = {};
      const metrics = set.map(
        ([name, p], j) => (byName[`${name}${j}`] = metricDefinition(name).prepare(actual, p)),
      );
      const expected = reference(n, metrics, samples, 3);
      const intervals = bootstrapIntervals(n, byName, { samples, seed: 3, confidence: 0.5 });
      metrics.forEach((_, j) => {
        const name = `${set[j]![0]}${j}`;
        expect(intervals[name]).toStrictEqual(percentileInterval(expected[j]!, 0.5));
      });
    }
  });
});
