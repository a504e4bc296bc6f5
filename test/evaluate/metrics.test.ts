import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MetricName } from "../../src/project/schemas.js";
import { METRICS, REGRESSION_METRICS } from "../../src/project/schemas.js";
import {
  METRIC_CATALOGUE,
  computeMetric,
  computeMetrics,
  countsFromIndices,
  metricDefinition,
  metricDirection,
} from "../../src/evaluate/metrics.js";

const f64 = (xs: number[]) => Float64Array.from(xs);

// The example of scikit-learn's regression-metric documentation, with its published values.
const yTrue = f64([3, -0.5, 2, 7]);
const yPred = f64([2.5, 0.0, 2, 8]);

describe("regression metrics", () => {
  it("match the published scikit-learn values on its documentation example", () => {
    const m = computeMetrics(["rmse", "mae", "r2", "mape", "max_error"], yTrue, yPred);
    expect(m.rmse?.value).toBeCloseTo(Math.sqrt(0.375), 14);
    expect(m.mae?.value).toBeCloseTo(0.5, 14);
    expect(m.r2?.value).toBeCloseTo(0.9486081370449679, 14);
    expect(m.mape?.value).toBeCloseTo(0.3273809523809524, 14);
    expect(m.max_error?.value).toBe(1);
  });

  it("max_error matches scikit-learn's example", () => {
    expect(computeMetric("max_error", f64([3, 2, 7, 1]), f64([4, 2, 7, 1])).value).toBe(1);
  });

  it("r2 is 0 for predicting the mean and negative for worse", () => {
    const a = f64([1, 2, 3, 4]);
    expect(computeMetric("r2", a, f64([2.5, 2.5, 2.5, 2.5])).value).toBeCloseTo(0, 14);
    // ss_res = 9+1+1+9 = 20, ss_tot = 5: 1 - 4 = -3
    expect(computeMetric("r2", a, f64([4, 1, 4, 1])).value).toBeCloseTo(-3, 14);
  });

  it("r2 is undefined with a reason when the targets do not vary", () => {
    const v = computeMetric("r2", f64([5, 5, 5]), f64([4, 5, 6]));
    expect(v.value).toBeNull();
    expect(v.reason).toMatch(/same/);
  });

  it("mape leaves out and counts targets at zero", () => {
    // rows 2 and 4 have actual 0: |10-8|/10 = 0.2, |-4-(-5)|/4 = 0.25 -> mean 0.225
    const v = computeMetric("mape", f64([10, 0, -4, 0]), f64([8, 3, -5, 1]));
    expect(v.value).toBeCloseTo(0.225, 14);
    expect(v.excluded).toBe(2);
    expect(v.reason).toBeUndefined();
  });

  it("mape is null with a reason when every target is zero", () => {
    const v = computeMetric("mape", f64([0, 0, 1e-12]), f64([1, 2, 3]));
    expect(v.value).toBeNull();
    expect(v.excluded).toBe(3);
    expect(v.reason).toMatch(/zero/);
  });

  it("every metric is undefined with a reason on no rows", () => {
    for (const name of REGRESSION_METRICS) {
      const v = computeMetric(name, f64([]), f64([]));
      expect(v.value, name).toBeNull();
      expect(v.reason, name).toMatch(/no rows/);
    }
  });

  it("refuses inputs of different lengths", () => {
    expect(() => computeMetric("rmse", f64([1, 2]), f64([1]))).toThrow(/length/);
  });
});

describe("row weights", () => {
  // A resample given as multiplicities must give exactly the metric of the copied rows.
  const materialise = (xs: Float64Array, counts: Float64Array) => {
    const out: number[] = [];
    counts.forEach((c, i) => {
      for (let k = 0; k < c; k++) out.push(xs[i]!);
    });
    return f64(out);
  };

  const rowsArb = fc
    .array(
      fc.record({
        // hundredths, so no value is a denormal whose squares underflow
        a: fc.integer({ min: -10000, max: 10000 }).map((k) => k / 100),
        p: fc.double({ min: 0, max: 1, noNaN: true }),
        y: fc.constantFrom(0, 1),
        // few distinct scores, so ties are common
        s: fc.integer({ min: 0, max: 5 }),
      }),
      { minLength: 1, maxLength: 30 },
    )
    .chain((rows) =>
      fc.record({
        rows: fc.constant(rows),
        idx: fc.array(fc.integer({ min: 0, max: rows.length - 1 }), { minLength: 1, maxLength: 40 }),
      }),
    );

  it("evaluate a resample like the materialised rows, for every metric", () => {
    fc.assert(
      fc.property(rowsArb, ({ rows, idx }) => {
        const counts = countsFromIndices(idx, rows.length);
        for (const name of METRICS) {
          const def = metricDefinition(name);
          const classification = def.task === "classification";
          const actual = f64(rows.map((r) => (classification ? r.y : r.a)));
          const predicted = f64(
            rows.map((r) => (classification ? (name === "auc" || name === "ks" ? r.s / 5 : r.p) : r.p * 50)),
          );
          const weighted = def.prepare(actual, predicted, { threshold: 0.5 })(counts);
          const copied = def.prepare(materialise(actual, counts), materialise(predicted, counts), {
            threshold: 0.5,
          })();
          if (Number.isNaN(copied)) expect(weighted, name).toBeNaN();
          else expect(weighted, name).toBeCloseTo(copied, 9);
        }
      }),
      { seed: 20240611, numRuns: 200 },
    );
  });

  it("countsFromIndices counts repeats and rejects indices out of range", () => {
    expect(Array.from(countsFromIndices([2, 0, 2, 2], 4))).toEqual([1, 0, 3, 0]);
    expect(() => countsFromIndices([4], 4)).toThrow(/outside/);
  });
});

describe("catalogue", () => {
  it("holds every metric the spec allows, with a label and a direction", () => {
    expect(Object.keys(METRIC_CATALOGUE).sort()).toEqual([...METRICS].sort());
    const lowerIsBetter: MetricName[] = ["rmse", "mae", "mape", "max_error", "log_loss", "brier"];
    for (const name of METRICS) {
      expect(METRIC_CATALOGUE[name].label.length).toBeGreaterThan(0);
      expect(METRIC_CATALOGUE[name].higherIsBetter, name).toBe(!lowerIsBetter.includes(name));
    }
  });

  it("knows the direction of fairness differences, also per column", () => {
    expect(metricDirection("parity_difference")?.higherIsBetter).toBe(false);
    expect(metricDirection("equal_opportunity_difference:age group")).toMatchObject({
      higherIsBetter: false,
      label: "Equal opportunity difference (age group)",
    });
    expect(metricDirection("r2")?.higherIsBetter).toBe(true);
    expect(metricDirection("accuracy_score")).toBeUndefined();
  });
});
