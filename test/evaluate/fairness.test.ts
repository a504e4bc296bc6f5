import { describe, expect, it } from "vitest";
import { forEachResample, percentileInterval } from "../../src/evaluate/bootstrap.js";
import { computeFairness, fairnessGateValues } from "../../src/evaluate/fairness.js";

const f64 = (xs: number[]) => Float64Array.from(xs);

// f: y 1 1 0 0, p .9 .3 .6 .1 -> positive 1 0 1 0: rate 0.5, TPR 1/2
// m: y 1 0 0 1, p .8 .2 .55 .7 -> positive 1 0 1 1: rate 0.75, TPR 2/2
// x: one row, too small
const column = {
  column: "sex",
  groups: ["f", "m", "x"],
  codes: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2]),
};
const actual = f64([1, 1, 0, 0, 1, 0, 0, 1, 1]);
const predicted = f64([0.9, 0.3, 0.6, 0.1, 0.8, 0.2, 0.55, 0.7, 0.95]);
const bootstrap = { samples: 300, seed: 3, confidence: 0.9 };

/** The differences the slow way: copy each resample's rows and count per group. */
function naiveDifferences(rows: number[]): [number, number] {
  const rate = (g: number, onlyPositives: boolean) => {
    const members = rows.filter((i) => column.codes[i] === g && (!onlyPositives || actual[i] === 1));
    return members.filter((i) => predicted[i]! >= 0.5).length / members.length;
  };
  return [Math.abs(rate(0, false) - rate(1, false)), Math.abs(rate(0, true) - rate(1, true))];
}

describe("computeFairness", () => {
  const r = computeFairness(column, actual, predicted, { minSize: 2, bootstrap, metrics: ["accuracy"] });

  it("gives each group's positive rate and true-positive rate, and flags small groups", () => {
    expect(r.groups).toEqual([
      {
        group: "f",
        rows: 4,
        positives: 2,
        tooSmall: false,
        positiveRate: 0.5,
        truePositiveRate: 0.5,
        metrics: { accuracy: 0.5 },
      },
      {
        group: "m",
        rows: 4,
        positives: 2,
        tooSmall: false,
        positiveRate: 0.75,
        truePositiveRate: 1,
        metrics: { accuracy: 0.75 },
      },
      {
        group: "x",
        rows: 1,
        positives: 1,
        tooSmall: true,
        positiveRate: null,
        truePositiveRate: null,
        metrics: { accuracy: null },
      },
    ]);
  });

  it("gives the parity and equal opportunity differences over groups large enough", () => {
    expect(r.parityDifference.value).toBe(0.25);
    expect(r.equalOpportunityDifference.value).toBe(0.5);
  });

  it("bootstraps the differences like copying the resampled rows would", () => {
    const parity: number[] = [];
    const opportunity: number[] = [];
    forEachResample(actual.length, bootstrap, (w) => {
      const rows = Array.from(w).flatMap((count, i) => new Array<number>(count).fill(i));
      const [p, o] = naiveDifferences(rows);
      parity.push(p);
      opportunity.push(o);
    });
    expect(r.parityDifference.ci).toEqual(percentileInterval(parity, bootstrap.confidence));
    expect(r.equalOpportunityDifference.ci).toEqual(percentileInterval(opportunity, bootstrap.confidence));
  });

  it("has no difference, with a reason, when fewer than two groups are large enough", () => {
    const one = computeFairness(column, actual, predicted, { minSize: 5, bootstrap });
    expect(one.parityDifference).toEqual({
      value: null,
      ci: null,
      reason: "no group of sex has at least 5 rows, so there is nothing to compare",
    });
    const noPositives = computeFairness(
      { column: "age", groups: ["young", "old"], codes: Int32Array.from([0, 0, 1, 1]) },
      f64([0, 0, 1, 0]),
      f64([0.7, 0.2, 0.9, 0.1]),
      { minSize: 2, bootstrap },
    );
    expect(noPositives.parityDifference.value).toBe(0);
    expect(noPositives.equalOpportunityDifference.reason).toBe(
      "only one group of age has at least 2 rows and a positive row, so there is nothing to compare",
    );
  });

  it("uses the threshold for predicted positives", () => {
    // at 0.65: f positive 1 0 0 0 (0.25), m 1 0 0 1 (0.5)
    expect(
      computeFairness(column, actual, predicted, { minSize: 2, threshold: 0.65, bootstrap }).parityDifference
        .value,
    ).toBe(0.25);
  });
});

describe("fairnessGateValues", () => {
  it("gives each column's differences and, without a column, the worst", () => {
    const sex = computeFairness(column, actual, predicted, {
      minSize: 2,
      bootstrap: { ...bootstrap, samples: 0 },
    });
    const age = computeFairness(
      { column: "age", groups: ["young", "old"], codes: Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1, 0]) },
      actual,
      predicted,
      { minSize: 2, bootstrap: { ...bootstrap, samples: 0 } },
    );
    const v = fairnessGateValues([sex, age]);
    expect(v["parity_difference:sex"]).toEqual({ value: 0.25 });
    expect(v.parity_difference?.value).toBe(Math.max(0.25, age.parityDifference.value!));
    expect(v.equal_opportunity_difference?.value).toBe(Math.max(0.5, age.equalOpportunityDifference.value!));
    expect(fairnessGateValues([]).parity_difference).toEqual({
      value: null,
      reason: "no sensitive column is named in the spec",
    });
  });
});
