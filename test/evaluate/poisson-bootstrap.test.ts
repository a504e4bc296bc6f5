/**
 * The Poisson bootstrap behind the intervals: its weights, its pinned stream, the one-pass sums
 * of the ratio metrics, and interval coverage through that one-pass path.
 */
import { describe, expect, it } from "vitest";
import {
  bootstrapIntervals,
  createRandom,
  evaluateWithIntervals,
  forEachPoissonResample,
  pairedBootstraps,
  percentileInterval,
} from "../../src/evaluate/bootstrap.js";
import { metricDefinition, rowReductionOf } from "../../src/evaluate/metrics.js";

/** The Poisson(1) quantile of u, by summing the probability mass function afresh. */
function poissonQuantile(u: number): number {
  let k = 0;
  let p = Math.exp(-1);
  let cdf = p;
  while (u >= cdf) {
    k++;
    p /= k;
    cdf += p;
  }
  return k;
}

function normals(seed: number): () => number {
  const r = createRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

describe("Poisson resampling", () => {
  it("gives each row a Poisson(1) weight (chi-square over 0, 1, 2, 3, 4+)", () => {
    const cells = [0, 0, 0, 0, 0];
    let totals = 0;
    forEachPoissonResample(1001, { samples: 200, seed: 3 }, (w, _b, total) => {
      let sum = 0;
      for (const v of w) {
        cells[Math.min(v, 4)]!++;
        sum += v;
      }
      expect(total).toBe(sum);
      totals += total;
    });
    const draws = 1001 * 200;
    const pmf = [1, 1, 1 / 2, 1 / 6].map((f) => f * Math.exp(-1));
    const probabilities = [...pmf, 1 - pmf.reduce((a, b) => a + b, 0)];
    const chi2 = cells.reduce((s, c, k) => {
      const e = probabilities[k]! * draws;
      return s + ((c - e) * (c - e)) / e;
    }, 0);
    // 4 degrees of freedom: P(chi2 > 18.47) = 0.001
    expect(chi2).toBeLessThan(18.47);
    // E[w] = 1: the mean resample size is the row count (sd of the mean here: sqrt(1001/200) ≈ 2.2).
    expect(Math.abs(totals / 200 - 1001)).toBeLessThan(10);
  });

  it("reads resample b from outputs b·⌈n/2⌉ … of the one mulberry32 stream, low half first", () => {
    const rows = 7;
    const seen: number[][] = [];
    forEachPoissonResample(rows, { samples: 4, seed: 11 }, (w) => seen.push(Array.from(w)));
    const r = createRandom(11);
    for (const weights of seen) {
      const expected: number[] = [];
      for (let i = 0; i < rows; i += 2) {
        const t = r.nextUint32();
        expected.push(poissonQuantile(((t & 0xffff) + 0.5) / 65536));
        if (i + 1 < rows) expected.push(poissonQuantile(((t >>> 16) + 0.5) / 65536));
      }
      expect(weights).toEqual(expected);
    }
  });

  it("gathers the metrics' sums and maxima block by block to the values of the metrics under the weights", () => {
    const z = normals(5);
    // Several blocks of rows, the last one short and odd.
    const n = 5001;
    // Some targets at zero, so mape leaves rows out and keeps its own denominator.
    const a = Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 0 : 5 + 3 * z()));
    const p = Float64Array.from(a, (v) => v + z());
    const options = { samples: 300, seed: 9, confidence: 0.9 };
    for (const name of ["rmse", "mae", "r2", "mape", "max_error"] as const) {
      const prepared = metricDefinition(name).prepare(a, p);
      expect(rowReductionOf(prepared)).toBeDefined();
      const draws = new Float64Array(options.samples);
      forEachPoissonResample(n, options, (w, b) => (draws[b] = prepared(w)));
      const direct = percentileInterval(draws, options.confidence)!;
      const fused = bootstrapIntervals(n, { [name]: prepared }, options)[name]!;
      expect(fused.lower).toBeCloseTo(direct.lower, 10);
      expect(fused.upper).toBeCloseTo(direct.upper, 10);
    }
  });

  it("gives a metric the same interval alone or beside others (all share the resamples)", () => {
    const z = normals(6);
    const a = Float64Array.from({ length: 150 }, () => z());
    const p = Float64Array.from(a, (v) => v + 0.5 * z());
    const options = { samples: 200, seed: 2, confidence: 0.95 };
    const alone = evaluateWithIntervals(["r2"], a, p, options);
    const together = evaluateWithIntervals(["rmse", "mae", "r2", "mape", "max_error"], a, p, options);
    expect(together.r2).toEqual(alone.r2);
  });

  it("pairs the linear and the other metrics on the same resamples", () => {
    const z = normals(7);
    const a = Float64Array.from({ length: 120 }, () => z());
    const champion = Float64Array.from(a, (v) => v + z());
    const challenger = Float64Array.from(champion);
    const pairs = Object.fromEntries(
      (["rmse", "r2", "max_error"] as const).map((m) => [
        m,
        [metricDefinition(m).prepare(a, champion), metricDefinition(m).prepare(a, challenger)] as const,
      ]),
    );
    const d = pairedBootstraps(a.length, pairs, { samples: 100, seed: 1, confidence: 0.95 });
    for (const m of ["rmse", "r2", "max_error"]) expect(d[m]!.ci).toEqual({ lower: 0, upper: 0 });
  });
});

describe("coverage through the one-pass sums", () => {
  // As in bootstrap.test.ts: 1000 data sets of 200 rows, 400 resamples each; exact 95% intervals
  // would cover Binomial(1000, 0.95) times (3 standard errors: 0.021), percentile intervals
  // under-cover by about a point at n = 200 (the multinomial bootstrap covers like this one on
  // the same data sets, within a point either way).
  it("rmse and r2: targets N(0, 3^2), errors N(0, 2^2), true rmse 2 and r2 5/9", () => {
    const z = normals(99);
    let rmseHits = 0;
    let r2Hits = 0;
    const D = 1000;
    for (let d = 0; d < D; d++) {
      const a = Float64Array.from({ length: 200 }, () => 3 * z());
      const p = Float64Array.from(a, (v) => v + 2 * z());
      const e = evaluateWithIntervals(["rmse", "r2"], a, p, { samples: 400, seed: d, confidence: 0.95 });
      const ci = e.rmse!.ci!;
      if (ci.lower <= 2 && 2 <= ci.upper) rmseHits++;
      // Population r2: 1 - E[e²] / Var(a) = 1 - 4/9.
      const r2 = e.r2!.ci!;
      if (r2.lower <= 5 / 9 && 5 / 9 <= r2.upper) r2Hits++;
    }
    expect(rmseHits / D).toBeGreaterThanOrEqual(0.92);
    expect(rmseHits / D).toBeLessThanOrEqual(0.971);
    expect(r2Hits / D).toBeGreaterThanOrEqual(0.9);
    expect(r2Hits / D).toBeLessThanOrEqual(0.971);
  });
});
