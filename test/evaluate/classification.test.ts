import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calibrationTable, confusionCounts } from "../../src/evaluate/classification.js";
import { computeMetric, computeMetrics } from "../../src/evaluate/metrics.js";

const f64 = (xs: number[]) => Float64Array.from(xs);

/** AUC the slow way: every (positive, negative) pair, a tie counts one half. */
function naiveAuc(y: number[], s: number[]): number {
  let wins = 0;
  let pairs = 0;
  y.forEach((yi, i) => {
    if (yi !== 1) return;
    y.forEach((yj, j) => {
      if (yj !== 0) return;
      pairs++;
      wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

/** KS the slow way: the two empirical CDFs compared at every score. */
function naiveKs(y: number[], s: number[]): number {
  const pos = s.filter((_, i) => y[i] === 1);
  const neg = s.filter((_, i) => y[i] === 0);
  let max = 0;
  for (const t of s) {
    const fp = pos.filter((v) => v <= t).length / pos.length;
    const fn = neg.filter((v) => v <= t).length / neg.length;
    max = Math.max(max, Math.abs(fp - fn));
  }
  return max;
}

describe("classification metrics", () => {
  it("match scikit-learn's published documentation examples", () => {
    // roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    expect(computeMetric("auc", f64([0, 0, 1, 1]), f64([0.1, 0.4, 0.35, 0.8])).value).toBeCloseTo(0.75, 14);
    // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]) == 0.21616...
    expect(computeMetric("log_loss", f64([1, 0, 0, 1]), f64([0.9, 0.1, 0.2, 0.65])).value).toBeCloseTo(
      0.21616187468057912,
      14,
    );
    // brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) == 0.0375
    expect(computeMetric("brier", f64([0, 1, 1, 0]), f64([0.1, 0.9, 0.8, 0.3])).value).toBeCloseTo(
      0.0375,
      14,
    );
  });

  it("count a probability equal to the threshold as positive", () => {
    // TP: 0.9, 0.5 (y=1); FN: 0.4; FP: 0.6, 0.5 (y=0); TN: 0.2
    const y = f64([1, 1, 0, 0, 1, 0]);
    const p = f64([0.9, 0.4, 0.6, 0.2, 0.5, 0.5]);
    expect(confusionCounts(y, p, 0.5)).toEqual({
      truePositives: 2,
      falsePositives: 2,
      trueNegatives: 1,
      falseNegatives: 1,
    });
    const m = computeMetrics(["accuracy", "precision", "recall", "f1"], y, p, { threshold: 0.5 });
    expect(m.accuracy?.value).toBeCloseTo(3 / 6, 14);
    expect(m.precision?.value).toBeCloseTo(2 / 4, 14);
    expect(m.recall?.value).toBeCloseTo(2 / 3, 14);
    expect(m.f1?.value).toBeCloseTo((2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3), 14);
    // At 0.55 the two 0.5 rows turn negative: TP 1, FP 1, FN 2, TN 2.
    expect(computeMetric("precision", y, p, { threshold: 0.55 }).value).toBeCloseTo(1 / 2, 14);
    expect(computeMetric("recall", y, p, { threshold: 0.55 }).value).toBeCloseTo(1 / 3, 14);
  });

  it("AUC and KS agree with the pairwise and CDF definitions, ties included", () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 6 })), {
            minLength: 2,
            maxLength: 40,
          })
          .filter((rows) => rows.some((r) => r[0] === 1) && rows.some((r) => r[0] === 0)),
        (rows) => {
          const y = rows.map((r) => r[0]);
          const s = rows.map((r) => r[1] / 6);
          expect(computeMetric("auc", f64(y), f64(s)).value).toBeCloseTo(naiveAuc(y, s), 12);
          expect(computeMetric("ks", f64(y), f64(s)).value).toBeCloseTo(naiveKs(y, s), 12);
        },
      ),
      { seed: 17, numRuns: 300 },
    );
  });

  it("KS is 1 for perfectly separated scores and AUC 0.5 for constant ones", () => {
    expect(computeMetric("ks", f64([0, 0, 1, 1]), f64([0.1, 0.2, 0.7, 0.9])).value).toBe(1);
    expect(computeMetric("auc", f64([0, 1, 0, 1]), f64([0.3, 0.3, 0.3, 0.3])).value).toBe(0.5);
  });

  it("clip probabilities in log loss so a confident mistake is large but finite", () => {
    const v = computeMetric("log_loss", f64([1, 0]), f64([0, 1])).value;
    expect(v).toBeCloseTo(-Math.log(1e-15), 6);
  });

  it("are undefined with a reason when a class is missing or nothing is predicted positive", () => {
    const onlyNeg = computeMetric("auc", f64([0, 0, 0]), f64([0.1, 0.5, 0.9]));
    expect(onlyNeg.value).toBeNull();
    expect(onlyNeg.reason).toMatch(/no positive rows/);
    expect(computeMetric("ks", f64([1, 1]), f64([0.1, 0.2])).reason).toMatch(/no negative rows/);
    const precision = computeMetric("precision", f64([0, 1]), f64([0.1, 0.2]), { threshold: 0.5 });
    expect(precision.value).toBeNull();
    expect(precision.reason).toMatch(/no row is predicted positive at threshold 0.5/);
    expect(computeMetric("recall", f64([0, 0]), f64([0.9, 0.2])).reason).toMatch(/no positive rows/);
  });

  it("refuse targets other than 0 and 1", () => {
    expect(() => computeMetric("auc", f64([0, 2]), f64([0.1, 0.2]))).toThrow(/0 or 1/);
  });
});

describe("calibration table", () => {
  it("groups rows into deciles of predicted probability", () => {
    // 20 rows: probabilities 0.025, 0.075, ..., 0.975 in shuffled order; positive when i % 3 == 0.
    const p = Array.from({ length: 20 }, (_, i) => 0.025 + 0.05 * ((i * 7) % 20));
    const y = p.map((_, i) => (i % 3 === 0 ? 1 : 0));
    const table = calibrationTable(f64(y), f64(p));
    expect(table).toHaveLength(10);
    const sorted = p.map((v, i) => ({ v, y: y[i]! })).sort((a, b) => a.v - b.v);
    table.forEach((bin, b) => {
      const chunk = sorted.slice(2 * b, 2 * b + 2);
      expect(bin.bin).toBe(b + 1);
      expect(bin.rows).toBe(2);
      expect(bin.meanPredicted).toBeCloseTo((chunk[0]!.v + chunk[1]!.v) / 2, 14);
      expect(bin.observedRate).toBe((chunk[0]!.y + chunk[1]!.y) / 2);
      expect(bin.minPredicted).toBe(chunk[0]!.v);
      expect(bin.maxPredicted).toBe(chunk[1]!.v);
    });
  });

  it("uses fixed-width bins when asked and leaves empty ones out", () => {
    const table = calibrationTable(f64([0, 1, 1, 0]), f64([0.05, 0.08, 0.95, 1]), { strategy: "uniform" });
    expect(table.map((b) => [b.bin, b.rows, b.observedRate])).toEqual([
      [1, 2, 0.5],
      [10, 2, 0.5],
    ]);
  });
});
