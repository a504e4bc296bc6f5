import MultivariateLinearRegression from "ml-regression-multivariate-linear";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.js";
import {
  QrAccumulator,
  RankDeficiencyError,
  heldOutSquaredError,
  solveLeastSquares,
  type QrState,
} from "../../../src/train/least-squares/index.js";
import {
  invertDense,
  makeDesign,
  maxRelativeDifference,
  multiplyDense,
  normal,
  seededRandom,
  solveDense,
  transpose,
  type Design,
} from "./random-design.js";

function accumulate(x: number[][], y: number[], rows: Iterable<number> = x.keys()): QrAccumulator {
  const acc = new QrAccumulator(x[0]!.length + 1);
  for (const i of rows) acc.addRow([...x[i]!, y[i]!]);
  return acc;
}

const copy = (acc: QrAccumulator): QrAccumulator =>
  QrAccumulator.fromJSON(JSON.parse(JSON.stringify(acc)) as QrState);

function sumSquaredResiduals(
  x: number[][],
  y: number[],
  b: ArrayLike<number>,
  rows: Iterable<number> = x.keys(),
): number {
  let s = 0;
  for (const i of rows) {
    const r = x[i]!.reduce((t, v, j) => t + v * (b[j] as number), 0) - y[i]!;
    s += r * r;
  }
  return s;
}

/** Catches what `run` throws, for assertions on the error's fields. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("solveLeastSquares on well-conditioned data", () => {
  const d = makeDesign(400, 5, 7);

  it("agrees with ml-regression-multivariate-linear (intercept last there) on coefficients, SEs and σ", () => {
    const fit = solveLeastSquares(accumulate(d.x, d.y), { columnNames: d.names });
    const mlr = new MultivariateLinearRegression(
      d.x.map((r) => r.slice(1)),
      d.y.map((v) => [v]),
      { intercept: true },
    );
    const w = mlr.weights.map((r) => r[0]!);
    const reorder = <T>(v: T[]): T[] => [v[v.length - 1]!, ...v.slice(0, -1)];
    expect(maxRelativeDifference(fit.coefficients, reorder(w))).toBeLessThan(1e-9);
    expect(maxRelativeDifference(fit.standardErrors, reorder(mlr.stdErrors))).toBeLessThan(1e-8);
    expect(Math.abs(fit.sigma - mlr.stdError) / mlr.stdError).toBeLessThan(1e-9);
    expect(fit.rank).toBe(6);
    expect(fit.residualDf).toBe(394);
    expect(fit.problems).toEqual([]);
  });

  it("reports an RSS equal to the sum of squared residuals over the rows", () => {
    const fit = solveLeastSquares(accumulate(d.x, d.y), { columnNames: d.names });
    const direct = sumSquaredResiduals(d.x, d.y, fit.coefficients);
    expect(Math.abs(fit.rss - direct) / direct).toBeLessThan(1e-11);
  });

  it("estimates the 2-norm condition number of R", () => {
    // Orthogonal columns scaled by 1 and 1000: the condition number is exactly 1000.
    const x = [
      [1, 1000],
      [1, -1000],
      [1, 1000],
      [1, -1000],
    ];
    const fit = solveLeastSquares(accumulate(x, [1, 2, 3, 5]), { columnNames: ["a", "b"] });
    expect(fit.conditionNumber).toBeCloseTo(1000, 6);
    expect(fit.scaledConditionNumber).toBeCloseTo(1, 9);
  });
});

describe("ridge", () => {
  const d = makeDesign(60, 4, 99, 2);
  const penalty = [0, 0.5, 3, 10, 40];

  /** (XᵀX + Λ)⁻¹ Xᵀy and its covariance, by dense algebra independent of the solver. */
  function closedForm(x: number[][], y: number[], lambda: number[]) {
    const xt = transpose(x);
    const gram = multiplyDense(xt, x);
    const a = gram.map((row, i) => row.map((v, j) => (i === j ? v + lambda[i]! : v)));
    const b = solveDense(
      a,
      xt.map((col) => col.reduce((s, v, i) => s + v * y[i]!, 0)),
    );
    const ainv = invertDense(a);
    const hatTrace = multiplyDense(ainv, gram).reduce((s, row, i) => s + row[i]!, 0);
    const rss = sumSquaredResiduals(x, y, b);
    const s2 = rss / (x.length - hatTrace);
    const cov = multiplyDense(multiplyDense(ainv, gram), ainv);
    return { b, rss, hatTrace, se: cov.map((row, i) => Math.sqrt(s2 * row[i]!)) };
  }

  it("equals the closed form (XᵀX + Λ)⁻¹Xᵀy, with no penalty on the intercept", () => {
    const fit = solveLeastSquares(accumulate(d.x, d.y), { columnNames: d.names, penalty });
    const expected = closedForm(d.x, d.y, penalty);
    expect(maxRelativeDifference(fit.coefficients, expected.b)).toBeLessThan(1e-11);
    expect(Math.abs(fit.rss - expected.rss) / expected.rss).toBeLessThan(1e-11);
  });

  it("returns the ridge estimator's standard errors and effective degrees of freedom tr(H)", () => {
    const fit = solveLeastSquares(accumulate(d.x, d.y), { columnNames: d.names, penalty });
    const expected = closedForm(d.x, d.y, penalty);
    expect(fit.effectiveDf).toBeCloseTo(expected.hatTrace, 10);
    expect(fit.residualDf).toBeCloseTo(60 - expected.hatTrace, 10);
    expect(maxRelativeDifference(fit.standardErrors, expected.se)).toBeLessThan(1e-10);
    expect(fit.effectiveDf).toBeLessThan(5); // shrinkage spends fewer than the 5 parameters
  });

  it("shrinks towards zero as the penalty grows, leaving the intercept free", () => {
    const sizes = [0, 1, 100, 1e9].map((l) => {
      const fit = solveLeastSquares(accumulate(d.x, d.y), {
        columnNames: d.names,
        penalty: [0, l, l, l, l],
      });
      return Math.hypot(...fit.coefficients.slice(1));
    });
    expect(sizes[1]!).toBeLessThan(sizes[0]!);
    expect(sizes[2]!).toBeLessThan(sizes[1]!);
    expect(sizes[3]!).toBeLessThan(1e-3);
  });

  it("fits collinear columns without complaint when they are penalised", () => {
    const x = d.x.map((r) => [...r, r[1]! * 2]);
    const fit = solveLeastSquares(accumulate(x, d.y), {
      columnNames: [...d.names, "x1_twice"],
      penalty: [0, 1, 1, 1, 1, 1],
    });
    expect(fit.dropped).toEqual([]);
    expect(fit.rank).toBe(6);
    // The penalty splits the effect 1:2, as the closed form does.
    const expected = closedForm(x, d.y, [0, 1, 1, 1, 1, 1]);
    expect(maxRelativeDifference(fit.coefficients, expected.b)).toBeLessThan(1e-9);
  });

  it("rejects a penalty of the wrong length or sign", () => {
    const acc = accumulate(d.x, d.y);
    expect(() => solveLeastSquares(acc, { columnNames: d.names, penalty: [0, 1] })).toThrow(RangeError);
    expect(() => solveLeastSquares(acc, { columnNames: d.names, penalty: [0, -1, 0, 0, 0] })).toThrow(
      RangeError,
    );
  });
});

describe("feature subsets", () => {
  const d = makeDesign(300, 6, 31);
  const acc = accumulate(d.x, d.y);

  it.each([[[0, 2, 3]], [[5, 0, 1]], [[4]], [[0, 1, 2, 3, 4, 5, 6]]])(
    "columns %j equal a direct fit on those columns only",
    (columns) => {
      const fit = solveLeastSquares(acc, { columnNames: d.names, columns });
      const x = d.x.map((r) => columns.map((c) => r[c]!));
      const direct = solveLeastSquares(accumulate(x, d.y), { columnNames: columns.map((c) => d.names[c]!) });
      expect(fit.columns).toEqual(columns);
      expect(fit.columnNames).toEqual(direct.columnNames);
      expect(maxRelativeDifference(fit.coefficients, direct.coefficients)).toBeLessThan(1e-10);
      expect(maxRelativeDifference(fit.standardErrors, direct.standardErrors)).toBeLessThan(1e-10);
      expect(Math.abs(fit.rss - direct.rss) / direct.rss).toBeLessThan(1e-10);
      expect(fit.residualDf).toBe(direct.residualDf);
    },
  );

  it("combines a subset with a per-column penalty indexed by the full column list", () => {
    const penalty = [0, 2, 4, 6, 8, 10, 12];
    const columns = [0, 3, 5];
    const fit = solveLeastSquares(acc, { columnNames: d.names, columns, penalty });
    const x = d.x.map((r) => columns.map((c) => r[c]!));
    const direct = solveLeastSquares(accumulate(x, d.y), {
      columnNames: columns.map((c) => d.names[c]!),
      penalty: columns.map((c) => penalty[c]!),
    });
    expect(maxRelativeDifference(fit.coefficients, direct.coefficients)).toBeLessThan(1e-10);
  });

  it("rejects a column out of range or selected twice", () => {
    expect(() => solveLeastSquares(acc, { columnNames: d.names, columns: [0, 7] })).toThrow(
      /not an x column/,
    );
    expect(() => solveLeastSquares(acc, { columnNames: d.names, columns: [1, 1] })).toThrow(/twice/);
    expect(() => solveLeastSquares(acc, { columnNames: d.names.slice(1) })).toThrow(/columnNames/);
  });
});

describe("heldOutSquaredError", () => {
  const d = makeDesign(500, 4, 57);
  const folds = 5;
  const foldOf = (i: number): number => (i * 7919) % folds;

  it("scores every cross-validation fold exactly from the fold's own R", () => {
    const parts = Array.from({ length: folds }, (_, k) =>
      accumulate(
        d.x,
        d.y,
        [...d.x.keys()].filter((i) => foldOf(i) === k),
      ),
    );
    for (let k = 0; k < folds; k++) {
      const train = new QrAccumulator(d.names.length + 1);
      parts.forEach((p, j) => j !== k && train.merge(copy(p)));
      const fit = solveLeastSquares(train, { columnNames: d.names });
      const heldOut = [...d.x.keys()].filter((i) => foldOf(i) === k);
      const direct = sumSquaredResiduals(d.x, d.y, fit.coefficients, heldOut);
      expect(Math.abs(heldOutSquaredError(parts[k]!, fit.coefficients) - direct) / direct).toBeLessThan(
        1e-10,
      );
      expect(parts[k]!.rows).toBe(heldOut.length);
    }
  });

  it("scores a feature subset", () => {
    const fold = accumulate(d.x, d.y, [0, 5, 10, 15, 20, 25, 30]);
    const b = [1.5, -2];
    const direct = sumSquaredResiduals(
      d.x.map((r) => [r[0]!, r[3]!]),
      d.y,
      b,
      [0, 5, 10, 15, 20, 25, 30],
    );
    expect(Math.abs(heldOutSquaredError(fold, b, [0, 3]) - direct) / direct).toBeLessThan(1e-12);
    expect(() => heldOutSquaredError(fold, b)).toThrow(/coefficients/);
  });
});

describe("problems named by column", () => {
  const random = seededRandom(8);
  const n = 80;
  const weight = Array.from({ length: n }, () => 60 + 20 * random());
  const height = Array.from({ length: n }, () => 150 + 30 * random());
  const y = weight.map((w, i) => 0.3 * w + 0.1 * height[i]! + normal(random));
  const base = (i: number): number[] => [1, weight[i]!, height[i]!];
  const names = ["(Intercept)", "Weight", "Height"];

  it("names two collinear columns and throws an InputError by default", () => {
    const x = weight.map((w, i) => [...base(i), w * 0.45359237]);
    const error = thrown(() =>
      solveLeastSquares(accumulate(x, y), { columnNames: [...names, "Weight_kg"], file: "data/cars.csv" }),
    );
    expect(error).toBeInstanceOf(RankDeficiencyError);
    expect(error).toBeInstanceOf(InputError);
    const e = error as RankDeficiencyError;
    expect(e.dropped).toEqual([3]);
    expect(e.findings.map((f) => [f.kind, f.message])).toEqual([
      ["collinear", "Weight and Weight_kg are collinear"],
    ]);
    expect(e.problems[0]).toMatchObject({ file: "data/cars.csv", field: "Weight_kg" });
    expect(e.message).toContain("data/cars.csv");
  });

  it("drops them on request, with an explicit problem and the fit of the remaining columns", () => {
    const x = weight.map((w, i) => [...base(i), w * 0.45359237]);
    const fit = solveLeastSquares(accumulate(x, y), {
      columnNames: [...names, "Weight_kg"],
      rankDeficient: "drop",
    });
    const without = solveLeastSquares(
      accumulate(
        x.map((r) => r.slice(0, 3)),
        y,
      ),
      { columnNames: names },
    );
    expect(fit.dropped).toEqual([3]);
    expect(fit.coefficients[3]).toBe(0);
    expect(fit.standardErrors[3]).toBeNaN();
    expect(maxRelativeDifference(fit.coefficients.slice(0, 3), without.coefficients)).toBeLessThan(1e-9);
    expect(maxRelativeDifference(fit.standardErrors.slice(0, 3), without.standardErrors)).toBeLessThan(1e-9);
    expect(fit.rank).toBe(3);
    expect(fit.residualDf).toBe(n - 3);
    expect(fit.problems).toEqual([
      expect.objectContaining({
        kind: "collinear",
        severity: "warning",
        columns: ["Weight", "Weight_kg"],
        message: "Weight and Weight_kg are collinear; Weight_kg was left out of the fit",
      }),
    ]);
  });

  it("names every column of a linear combination of several", () => {
    const x = weight.map((w, i) => [...base(i), w + 2 * height[i]!]);
    const e = thrown(() => solveLeastSquares(accumulate(x, y), { columnNames: [...names, "Size"] }));
    expect((e as RankDeficiencyError).findings[0]!.message).toBe(
      "Size is a linear combination of Weight and Height",
    );
  });

  it("names a constant column as a multiple of the intercept", () => {
    const x = weight.map((_, i) => [...base(i), 5]);
    const e = thrown(() => solveLeastSquares(accumulate(x, y), { columnNames: [...names, "Wheels"] }));
    expect((e as RankDeficiencyError).findings).toEqual([
      expect.objectContaining({
        kind: "constant",
        columns: ["(Intercept)", "Wheels"],
        message: "Wheels is constant (5 in every row), a multiple of the intercept column (Intercept)",
      }),
    ]);
  });

  it("names an all-zero column", () => {
    const x = weight.map((_, i) => [...base(i), 0]);
    const e = thrown(() => solveLeastSquares(accumulate(x, y), { columnNames: [...names, "Sunroof"] }));
    expect((e as RankDeficiencyError).findings).toEqual([
      expect.objectContaining({
        kind: "all-zero",
        columns: ["Sunroof"],
        message: "Sunroof is zero in every row",
      }),
    ]);
  });

  it("lists every problem at once, in column order", () => {
    const x = weight.map((w, i) => [...base(i), 0, w / 1000, 7]);
    const e = thrown(() =>
      solveLeastSquares(accumulate(x, y), { columnNames: [...names, "Sunroof", "Weight_t", "Doors"] }),
    ) as RankDeficiencyError;
    expect(e.dropped).toEqual([3, 4, 5]);
    expect(e.findings.map((f) => f.kind)).toEqual(["all-zero", "collinear", "constant"]);
    expect(e.problems).toHaveLength(3);
  });

  it("warns about a constant column that a penalty kept in the fit", () => {
    const x = weight.map((_, i) => [...base(i), 5]);
    const fit = solveLeastSquares(accumulate(x, y), {
      columnNames: [...names, "Wheels"],
      penalty: [0, 0, 0, 1],
    });
    expect(fit.coefficients[3]).toBeCloseTo(0, 8);
    expect(fit.problems.map((p) => [p.kind, p.severity])).toEqual([["constant", "warning"]]);
  });

  it("warns that coefficients are unreliable when the data is ill-conditioned", () => {
    // Height2 differs from Height by one part in a billion: kept (it is not a linear
    // combination), but the noise in y makes its coefficient numerically fragile. (At one part
    // in a million the coefficient is statistically meaningless, which its standard error says,
    // yet still computed to 8 digits: no warning there.)
    const x = weight.map((_, i) => [...base(i), height[i]! * (1 + 1e-9 * normal(random))]);
    const fit = solveLeastSquares(accumulate(x, y), { columnNames: [...names, "Height2"] });
    expect(fit.dropped).toEqual([]);
    const warning = fit.problems.find((p) => p.kind === "ill-conditioned");
    expect(warning?.message).toMatch(
      /^ill-conditioned design \(condition number \de\d+ with columns scaled to unit length\): expect about \d+ correct significant digits in the coefficients/,
    );
    expect(warning?.columns).toEqual([...names, "Height2"]);
    expect(fit.scaledConditionNumber).toBeGreaterThan(1e8);
    expect(fit.expectedDigits).toBeLessThan(6);
  });

  it("says so when there are no rows, rather than calling every column zero", () => {
    const e = thrown(() =>
      solveLeastSquares(new QrAccumulator(3), { columnNames: ["a", "b"], file: "train.csv" }),
    );
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toBe(
      "train.csv: there are no rows to fit (none, or all with weight 0)\n  hint: check the data file and the split: the training side is empty",
    );
  });

  it("warns when no residual degrees of freedom are left", () => {
    const fit = solveLeastSquares(
      accumulate(
        [
          [1, 2],
          [1, 3],
        ],
        [4, 7],
      ),
      { columnNames: ["a", "b"] },
    );
    expect(fit.coefficients[0]).toBeCloseTo(-2, 12);
    expect(fit.coefficients[1]).toBeCloseTo(3, 12);
    expect(fit.sigma).toBeNaN();
    expect(fit.problems.map((p) => p.kind)).toEqual(["no-residual-df"]);
  });
});

describe("solving from a factor snapshot", () => {
  it("gives the same answer from the accumulator and from its factor()", () => {
    const d: Design = makeDesign(50, 2, 1);
    const acc = accumulate(d.x, d.y);
    const a = solveLeastSquares(acc, { columnNames: d.names });
    const b = solveLeastSquares(acc.factor(), { columnNames: d.names });
    expect(b).toEqual(a);
  });
});
