import { describe, expect, it } from "vitest";
import {
  bootstrapIntervals,
  createRandom,
  evaluateWithIntervals,
  forEachResample,
  pairedBootstrap,
  percentileInterval,
  quantileOfSorted,
} from "../../src/evaluate/bootstrap.js";
import { metricDefinition } from "../../src/evaluate/metrics.js";

/** mulberry32 written again with BigInt arithmetic modulo 2^32, to catch slips in the Math.imul version. */
function referenceMulberry32(seed: number): () => number {
  const M = 2n ** 32n;
  let state = BigInt(seed >>> 0);
  const mul = (a: bigint, b: bigint) => (a * b) % M;
  return () => {
    state = (state + 0x6d2b79f5n) % M;
    let t = state;
    t = mul(t ^ (t >> 15n), t | 1n);
    t = t ^ ((t + mul(t ^ (t >> 7n), t | 61n)) % M);
    return Number(t ^ (t >> 14n));
  };
}

/** Standard normal draws by Box-Muller, from their own seeded stream. */
function normals(seed: number): () => number {
  const r = createRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

/** The standard normal CDF, by the Abramowitz-Stegun 7.1.26 erf approximation (error < 1.5e-7). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

const covers = (ci: { lower: number; upper: number } | null | undefined, truth: number) =>
  ci !== null && ci !== undefined && ci.lower <= truth && truth <= ci.upper;

describe("seeded generator", () => {
  it("is mulberry32, output for output", () => {
    for (const seed of [0, 1, 7, 123456789, 0xffffffff]) {
      const r = createRandom(seed);
      const ref = referenceMulberry32(seed);
      for (let k = 0; k < 1000; k++) expect(r.nextUint32()).toBe(ref());
    }
  });

  it("draws row indices evenly (chi-square over 10 cells)", () => {
    const r = createRandom(42);
    const cells = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let k = 0; k < draws; k++) cells[r.nextInt(10)]!++;
    const expected = draws / 10;
    const chi2 = cells.reduce((s, c) => s + ((c - expected) * (c - expected)) / expected, 0);
    // 9 degrees of freedom: P(chi2 > 27.88) = 0.001
    expect(chi2).toBeLessThan(27.88);
  });

  it("resamples draw exactly `rows` rows each, from the generator's stream", () => {
    const seen: number[][] = [];
    forEachResample(5, { samples: 3, seed: 9 }, (w) => seen.push(Array.from(w)));
    const r = createRandom(9);
    for (const weights of seen) {
      const expected = new Array<number>(5).fill(0);
      for (let k = 0; k < 5; k++) expected[r.nextInt(5)]!++;
      expect(weights).toEqual(expected);
    }
  });
});

describe("percentile intervals", () => {
  it("interpolate between order statistics (R's type 7)", () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    expect(quantileOfSorted(sorted, 0.5)).toBe(6);
    expect(quantileOfSorted(sorted, 0.025)).toBeCloseTo(1.25, 12);
    expect(quantileOfSorted(sorted, 0.975)).toBeCloseTo(10.75, 12);
    const ci = percentileInterval([11, 3, 5, 1, 2, 4, 6, 7, 8, 9, 10, NaN], 0.95);
    expect(ci).toEqual({
      lower: expect.closeTo(1.25, 12),
      upper: expect.closeTo(10.75, 12),
    });
    expect(percentileInterval([NaN, NaN], 0.95)).toBeNull();
  });

  it("are the same for the same seed and differ for another", () => {
    const z = normals(3);
    const a = Float64Array.from({ length: 100 }, () => z());
    const p = Float64Array.from(a, (v) => v + z());
    const one = evaluateWithIntervals(["rmse", "r2"], a, p, { samples: 200, seed: 5, confidence: 0.95 });
    const again = evaluateWithIntervals(["rmse", "r2"], a, p, { samples: 200, seed: 5, confidence: 0.95 });
    const other = evaluateWithIntervals(["rmse", "r2"], a, p, { samples: 200, seed: 6, confidence: 0.95 });
    expect(again).toEqual(one);
    expect(other.rmse?.ci?.lower).not.toBe(one.rmse?.ci?.lower);
    expect(one.rmse?.ci?.lower).toBeLessThan(one.rmse!.value!);
    expect(one.rmse?.ci?.upper).toBeGreaterThan(one.rmse!.value!);
  });

  it("are off with 0 samples and absent where the metric is undefined", () => {
    const a = Float64Array.from([0, 0, 0]);
    const p = Float64Array.from([1, 2, 3]);
    const e = evaluateWithIntervals(["mae", "mape"], a, p, { samples: 0, seed: 1, confidence: 0.95 });
    expect(e.mae).toEqual({ value: 2, ci: null });
    expect(e.mape?.value).toBeNull();
    expect(e.mape?.ci).toBeNull();
    expect(e.mape?.reason).toMatch(/zero/);
  });

  it("leave out resamples where the statistic is undefined", () => {
    // AUC of 2 rows is undefined whenever a resample holds only one of them (half the time).
    const ci = bootstrapIntervals(
      2,
      { auc: metricDefinition("auc").prepare(Float64Array.from([0, 1]), Float64Array.from([0.2, 0.8])) },
      {
        samples: 400,
        seed: 1,
        confidence: 0.9,
      },
    ).auc;
    // Defined resamples hold both rows, ranked correctly: AUC 1. Undefined ones would be NaN.
    expect(ci).toEqual({ lower: 1, upper: 1 });
  });
});

/*
 * Coverage by simulation. Each case draws D = 1000 data sets of n = 200 rows from a distribution
 * whose true metric is known, and counts the 95% intervals (400 resamples each) that contain it.
 * Were the intervals exact, the count would be Binomial(1000, 0.95): standard error
 * sqrt(0.95 * 0.05 / 1000) = 0.0069, so 3 standard errors is 0.021. Percentile intervals also
 * under-cover by about a point at n = 200 (an O(1/n) error), so we accept [0.92, 0.971]: a 90%
 * interval (coverage ~0.90) or a 99% one (~0.99) would fail. Everything is seeded, so the test is
 * deterministic; the band is what makes it meaningful for any seed.
 */
const D = 1000;
const N = 200;
const B = 400;
const band = (coverage: number) => {
  expect(coverage).toBeGreaterThanOrEqual(0.92);
  expect(coverage).toBeLessThanOrEqual(0.971);
};

describe("interval coverage by simulation", () => {
  it("rmse and mae: errors N(0, 2^2), true rmse 2 and true mae 2 sqrt(2/pi)", () => {
    const sigma = 2;
    const trueMae = sigma * Math.sqrt(2 / Math.PI);
    const z = normals(11);
    let rmse95 = 0;
    let rmse80 = 0;
    let mae95 = 0;
    for (let d = 0; d < D; d++) {
      const a = Float64Array.from({ length: N }, () => 3 * z());
      const p = Float64Array.from(a, (v) => v + sigma * z());
      const est = evaluateWithIntervals(["mae"], a, p, { samples: B, seed: d, confidence: 0.95 });
      if (covers(est.mae?.ci, trueMae)) mae95++;
      // rmse twice from the same draws, at two confidences
      const rmse = metricDefinition("rmse").prepare(a, p);
      const draws = new Float64Array(B);
      forEachResample(N, { samples: B, seed: d }, (w, b) => (draws[b] = rmse(w)));
      if (covers(percentileInterval(draws, 0.95), sigma)) rmse95++;
      if (covers(percentileInterval(draws, 0.8), sigma)) rmse80++;
    }
    band(rmse95 / D);
    band(mae95 / D);
    // 80%: standard error 0.0126; the same 3 SE plus a point of under-coverage.
    expect(rmse80 / D).toBeGreaterThanOrEqual(0.75);
    expect(rmse80 / D).toBeLessThanOrEqual(0.838);
  });

  it("auc: binormal scores, negatives N(0,1), positives N(1,1), true AUC Phi(1/sqrt 2)", () => {
    const trueAuc = phi(1 / Math.SQRT2);
    const z = normals(12);
    let hits = 0;
    for (let d = 0; d < D; d++) {
      const y = Float64Array.from({ length: N }, (_, i) => i % 2);
      const s = Float64Array.from(y, (v) => v + z());
      if (
        covers(
          evaluateWithIntervals(["auc"], y, s, { samples: B, seed: d, confidence: 0.95 }).auc?.ci,
          trueAuc,
        )
      )
        hits++;
    }
    band(hits / D);
  });

  it("paired difference of rmse: errors N(0, 2^2) against N(0, 2.2^2) on the same rows, true difference 0.2", () => {
    const z = normals(13);
    const rmse = metricDefinition("rmse");
    let hits = 0;
    for (let d = 0; d < D; d++) {
      const a = Float64Array.from({ length: N }, () => 3 * z());
      const champion = Float64Array.from(a, (v) => v + 2 * z());
      const challenger = Float64Array.from(a, (v) => v + 2.2 * z());
      const diff = pairedBootstrap(N, rmse.prepare(a, champion), rmse.prepare(a, challenger), {
        samples: B,
        seed: d,
        confidence: 0.95,
      });
      if (covers(diff.ci, 0.2)) hits++;
    }
    band(hits / D);
  });
});

describe("paired bootstrap", () => {
  const a = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i) * 10);
  const z = normals(21);
  const champion = Float64Array.from(a, (v) => v + z());
  const rmse = metricDefinition("rmse");
  const options = { samples: 500, seed: 4, confidence: 0.95 };

  it("gives the difference, the relative change and their intervals", () => {
    const challenger = Float64Array.from(a, (v) => v + 0.5 * z());
    const d = pairedBootstrap(a.length, rmse.prepare(a, champion), rmse.prepare(a, challenger), options);
    const c0 = rmse.prepare(a, champion)();
    const c1 = rmse.prepare(a, challenger)();
    expect(d.champion).toBe(c0);
    expect(d.challenger).toBe(c1);
    expect(d.difference).toBeCloseTo(c1 - c0, 14);
    expect(d.relativeChange).toBeCloseTo((c1 - c0) / c0, 14);
    expect(d.ci!.upper).toBeLessThan(0);
    expect(d.significant).toBe(true);
    expect(d.relativeCi!.lower).toBeLessThan(d.relativeChange!);
    expect(d.relativeCi!.upper).toBeGreaterThan(d.relativeChange!);
  });

  it("uses the same rows for both models: identical models differ by exactly zero", () => {
    const d = pairedBootstrap(
      a.length,
      rmse.prepare(a, champion),
      rmse.prepare(a, Float64Array.from(champion)),
      options,
    );
    expect(d.ci).toMatchObject({ lower: 0, upper: 0 });
    expect(d.significant).toBe(false);
  });

  it("calls an improvement whose interval includes zero not significant", () => {
    // The challenger's errors: the champion's shrunk by 1% plus independent noise of sd 0.1,
    // which adds back about as much as the shrinking removes (0.01^2-scale terms), so the
    // difference is small against the row-to-row noise.
    const w = normals(22);
    const challenger = Float64Array.from(champion, (p, i) => a[i]! + 0.99 * (p - a[i]!) + 0.1 * w());
    const d = pairedBootstrap(a.length, rmse.prepare(a, champion), rmse.prepare(a, challenger), options);
    expect(d.difference).toBeLessThan(0);
    expect(d.ci!.lower).toBeLessThan(0);
    expect(d.ci!.upper).toBeGreaterThan(0);
    expect(d.significant).toBe(false);
  });
});
