/**
 * NIST StRD certified linear regressions (test/fixtures/nist): the accuracy the QR path must
 * reach, and the normal equations (ml-regression-multivariate-linear) must not, on Wampler1.
 */
import MultivariateLinearRegression from "ml-regression-multivariate-linear";
import { describe, expect, it } from "vitest";
import {
  QrAccumulator,
  RankDeficiencyError,
  solveLeastSquares,
} from "../../../src/train/least-squares/index.js";
import { digits, filipReference, readCertified, readNistData } from "./nist-datasets.js";

interface Problem {
  names: string[];
  design: number[][]; // with the intercept column first
  y: number[];
}

function longley(): Problem {
  const rows = readNistData("Longley.dat");
  return {
    names: ["(Intercept)", "x1", "x2", "x3", "x4", "x5", "x6"],
    design: rows.map((r) => [1, ...r.slice(1)]),
    y: rows.map((r) => r[0]!),
  };
}

function wampler1(): Problem {
  const rows = readNistData("Wampler1.dat");
  return {
    names: ["(Intercept)", "x", "x^2", "x^3", "x^4", "x^5"],
    design: rows.map((r) => [0, 1, 2, 3, 4, 5].map((k) => r[1]! ** k)),
    y: rows.map((r) => r[0]!),
  };
}

function filip(): Problem {
  const rows = readNistData("Filip.dat");
  const powers = Array.from({ length: 11 }, (_, k) => k);
  return {
    names: powers.map((k) => (k === 0 ? "(Intercept)" : k === 1 ? "x" : `x^${k}`)),
    design: rows.map((r) => powers.map((k) => r[1]! ** k)),
    y: rows.map((r) => r[0]!),
  };
}

function accumulate(problem: Problem, rows: number[] = problem.y.map((_, i) => i)): QrAccumulator {
  const acc = new QrAccumulator(problem.names.length + 1);
  for (const i of rows) acc.addRow([...problem.design[i]!, problem.y[i]!]);
  return acc;
}

const minDigits = (actual: ArrayLike<number>, certified: number[]): number =>
  Math.min(...certified.map((c, i) => digits(actual[i] as number, c)));

describe("NIST StRD Longley", () => {
  const problem = longley();
  const certified = readCertified("Longley");

  it("has the certified number of rows", () => {
    expect(problem.y).toHaveLength(certified.n);
  });

  it("reproduces every coefficient to at least 9 significant digits (12 in fact)", () => {
    const fit = solveLeastSquares(accumulate(problem), { columnNames: problem.names });
    expect(minDigits(fit.coefficients, certified.coef)).toBeGreaterThanOrEqual(12);
  });

  it("reproduces the standard errors and the residual SD to 12 significant digits", () => {
    const fit = solveLeastSquares(accumulate(problem), { columnNames: problem.names });
    expect(minDigits(fit.standardErrors, certified.coef_sd)).toBeGreaterThanOrEqual(12);
    expect(digits(fit.sigma, certified.residual_sd)).toBeGreaterThanOrEqual(12);
    expect(fit.residualDf).toBe(9);
    expect(fit.rank).toBe(7);
  });

  it("gives the certified R² from an intercept-only subset solve of the same factor", () => {
    const acc = accumulate(problem);
    const full = solveLeastSquares(acc, { columnNames: problem.names });
    const mean = solveLeastSquares(acc, { columnNames: problem.names, columns: [0] });
    expect(digits(1 - full.rss / mean.rss, certified.r_squared)).toBeGreaterThanOrEqual(12);
  });

  it("keeps 9 digits when the rows arrive in shards that are merged", () => {
    const shards = [
      [0, 1, 2, 3, 4],
      [5, 6],
      [7, 8, 9, 10, 11, 12, 13, 14, 15],
    ].map((rows) => accumulate(problem, rows));
    const merged = shards[0]!;
    for (const s of shards.slice(1)) merged.merge(s);
    const fit = solveLeastSquares(merged, { columnNames: problem.names });
    expect(minDigits(fit.coefficients, certified.coef)).toBeGreaterThanOrEqual(9);
  });

  it("does not call Longley's well-determined fit unreliable", () => {
    const fit = solveLeastSquares(accumulate(problem), { columnNames: problem.names });
    expect(fit.problems).toEqual([]);
    // The unscaled 2-norm condition number of the Longley design is 4.86e9 (Longley 1967).
    expect(fit.conditionNumber).toBeGreaterThan(4.8e9);
    expect(fit.conditionNumber).toBeLessThan(4.9e9);
  });
});

describe("NIST StRD Wampler1 (x, x², …, x⁵)", () => {
  const problem = wampler1();
  const certified = readCertified("Wampler1");

  it("reproduces every coefficient to at least 9 significant digits", () => {
    const fit = solveLeastSquares(accumulate(problem), { columnNames: problem.names });
    expect(minDigits(fit.coefficients, certified.coef)).toBeGreaterThanOrEqual(9);
  });

  it("gives standard errors and residual SD within 1e-9 of the certified 0", () => {
    const fit = solveLeastSquares(accumulate(problem), { columnNames: problem.names });
    // Certified values are exactly 0 (y is an exact polynomial in x), so digits are absolute here.
    expect(minDigits(fit.standardErrors, certified.coef_sd)).toBeGreaterThanOrEqual(9);
    expect(digits(fit.sigma, certified.residual_sd)).toBeGreaterThanOrEqual(9);
  });

  it("is solved to far fewer digits by the normal equations (ml-regression-multivariate-linear)", () => {
    const normal = new MultivariateLinearRegression(
      problem.design.map((r) => r.slice(1)),
      problem.y.map((v) => [v]),
      { intercept: true },
    );
    const w = normal.weights.map((r) => r[0]!);
    const normalCoefficients = [w[w.length - 1]!, ...w.slice(0, -1)]; // its intercept is the last row
    const fit = solveLeastSquares(accumulate(problem), { columnNames: problem.names });
    const qrDigits = minDigits(fit.coefficients, certified.coef);
    const normalDigits = minDigits(normalCoefficients, certified.coef);
    expect(normalDigits).toBeLessThan(6);
    expect(qrDigits - normalDigits).toBeGreaterThan(4);
  });
});

describe("NIST StRD Filip (x, x², …, x¹⁰): ill-conditioned, not collinear", () => {
  const problem = filip();
  const reference = filipReference();
  const certified = readCertified("Filip");

  it("has a reference that is NIST's certified values (15 digits) and 82 rows", () => {
    expect(problem.y).toHaveLength(certified.n);
    expect(minDigits(reference.coef, certified.coef)).toBeGreaterThan(12);
  });

  it("solves all eleven coefficients to at least 7 significant digits of the exact solution", () => {
    const fit = solveLeastSquares(accumulate(problem), { columnNames: problem.names });
    expect(fit.rank).toBe(11);
    expect(fit.dropped).toEqual([]);
    expect(minDigits(fit.coefficients, reference.coef)).toBeGreaterThanOrEqual(7);
    expect(digits(fit.sigma, reference.residual_sd)).toBeGreaterThanOrEqual(7);
  });

  it("reports the conditioning and a conservative digit estimate, with a warning", () => {
    const fit = solveLeastSquares(accumulate(problem), { columnNames: problem.names });
    // κ of the unit-column design: 5.2e9 (numpy: np.linalg.cond of the normalised Vandermonde).
    expect(fit.scaledConditionNumber).toBeGreaterThan(4e9);
    expect(fit.scaledConditionNumber).toBeLessThan(7e9);
    const reached = minDigits(fit.coefficients, reference.coef);
    expect(fit.expectedDigits).toBeGreaterThan(3);
    expect(fit.expectedDigits).toBeLessThanOrEqual(reached);
    const warning = fit.problems.find((p) => p.kind === "ill-conditioned");
    expect(warning?.message).toContain(
      `expect about ${Math.floor(fit.expectedDigits)} correct significant digits`,
    );
  });

  it("still refuses x^10 written twice, as exactly collinear", () => {
    const twice: Problem = {
      names: [...problem.names, "x^10 again"],
      design: problem.design.map((r) => [...r, r[10]!]),
      y: problem.y,
    };
    expect(() => solveLeastSquares(accumulate(twice), { columnNames: twice.names })).toThrow(
      RankDeficiencyError,
    );
    expect(() => solveLeastSquares(accumulate(twice), { columnNames: twice.names })).toThrow(
      "x^10 and x^10 again are collinear",
    );
  });
});
