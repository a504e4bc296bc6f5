import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.js";
import {
  RankDeficiencyError,
  SeparationError,
  fitLogisticRegression,
} from "../../../src/train/least-squares/index.js";
import { invertDense, maxRelativeDifference, normal, seededRandom, solveDense } from "./random-design.js";

/**
 * Plain Newton-Raphson on the penalised log-likelihood with the normal equations: a reference
 * that shares no code with the IRLS/QR path under test.
 */
function newtonReference(rows: number[][], y: number[], penalty: number[], weights?: number[]) {
  const p = rows[0]!.length;
  let b = new Array<number>(p).fill(0);
  let hessian: number[][] = [];
  for (let it = 0; it < 100; it++) {
    const gradient = b.map((v, j) => -penalty[j]! * v);
    hessian = Array.from({ length: p }, (_, j) =>
      Array.from({ length: p }, (_, k) => (j === k ? penalty[j]! : 0)),
    );
    rows.forEach((x, i) => {
      const w = weights ? weights[i]! : 1;
      const mu = 1 / (1 + Math.exp(-x.reduce((s, v, j) => s + v * b[j]!, 0)));
      for (let j = 0; j < p; j++) {
        gradient[j] = gradient[j]! + w * (y[i]! - mu) * x[j]!;
        for (let k = 0; k < p; k++) hessian[j]![k] = hessian[j]![k]! + w * mu * (1 - mu) * x[j]! * x[k]!;
      }
    });
    const step = solveDense(hessian, gradient);
    b = b.map((v, j) => v + step[j]!);
    if (Math.max(...step.map(Math.abs)) < 1e-15 * Math.max(1, ...b.map(Math.abs))) break;
  }
  const covariance = invertDense(hessian);
  return { b, se: covariance.map((row, j) => Math.sqrt(row[j]!)) };
}

const design = (rows: number[][]): Float64Array => new Float64Array(rows.flat());

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("fitLogisticRegression: exact solutions", () => {
  // Two groups: 3 of 10 positive in A, 6 of 8 in B. The model [1, inB] is saturated, so the MLE
  // is the log-odds of each group and the inverse Fisher information is Σ 1/count.
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 10; i++) {
    rows.push([1, 0]);
    y.push(i < 3 ? 1 : 0);
  }
  for (let i = 0; i < 8; i++) {
    rows.push([1, 1]);
    y.push(i < 6 ? 1 : 0);
  }

  it("recovers each group's log-odds, their standard errors and the deviance", () => {
    const fit = fitLogisticRegression(design(rows), y, { columnNames: ["(Intercept)", "inB"] });
    expect(fit.converged).toBe(true);
    expect(fit.coefficients[0]).toBeCloseTo(Math.log(3 / 7), 12);
    expect(fit.coefficients[1]).toBeCloseTo(Math.log(6 / 2) - Math.log(3 / 7), 12);
    expect(fit.standardErrors[0]).toBeCloseTo(Math.sqrt(1 / 3 + 1 / 7), 10);
    expect(fit.standardErrors[1]).toBeCloseTo(Math.sqrt(1 / 3 + 1 / 7 + 1 / 6 + 1 / 2), 10);
    const deviance = -2 * (3 * Math.log(0.3) + 7 * Math.log(0.7) + 6 * Math.log(0.75) + 2 * Math.log(0.25));
    expect(fit.deviance).toBeCloseTo(deviance, 10);
    expect(fit.penalizedDeviance).toBe(fit.deviance);
    expect(fit.problems).toEqual([]);
  });

  it("weights rows: a class weight of 2 on positives doubles their count in each group's odds", () => {
    const weights = y.map((v) => (v === 1 ? 2 : 1));
    const fit = fitLogisticRegression(design(rows), y, { columnNames: ["(Intercept)", "inB"], weights });
    expect(fit.coefficients[0]).toBeCloseTo(Math.log(6 / 7), 12);
    expect(fit.coefficients[1]).toBeCloseTo(Math.log(12 / 2) - Math.log(6 / 7), 12);
    expect(fit.standardErrors[0]).toBeCloseTo(Math.sqrt(1 / 6 + 1 / 7), 10);
  });

  it("treats an integer weight like repeated rows", () => {
    const random = seededRandom(3);
    const x: number[][] = [];
    const yy: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < 40; i++) {
      const t = normal(random);
      x.push([1, t]);
      yy.push(random() < 1 / (1 + Math.exp(-t)) ? 1 : 0);
      w.push(1 + (i % 3));
    }
    const weighted = fitLogisticRegression(design(x), yy, { columnNames: ["a", "t"], weights: w });
    const repeatedRows = x.flatMap((r, i) => Array.from({ length: w[i]! }, () => r));
    const repeatedY = yy.flatMap((v, i) => Array.from({ length: w[i]! }, () => v));
    const repeated = fitLogisticRegression(design(repeatedRows), repeatedY, { columnNames: ["a", "t"] });
    expect(maxRelativeDifference(weighted.coefficients, repeated.coefficients)).toBeLessThan(1e-10);
    expect(maxRelativeDifference(weighted.standardErrors, repeated.standardErrors)).toBeLessThan(1e-10);
  });
});

describe("fitLogisticRegression: a published fit", () => {
  // Space shuttle O-rings before the Challenger launch: Dalal, Fowlkes & Hoadley (1989), "Risk
  // analysis of the space shuttle: pre-Challenger prediction of failure", JASA 84, 945-957.
  // Launch temperature (°F) and whether any field-joint O-ring showed thermal distress, 23
  // flights. The published fit is R's glm(Fail > 0 ~ Temp, family = binomial) on the Challeng
  // data of Weisberg's alr4 package: intercept 15.0429 (SE 7.3786), Temp -0.2322 (SE 0.1082),
  // residual deviance 20.315 on 21 df, null deviance 28.267 on 22 df.
  const temperature = [
    53, 57, 58, 63, 66, 67, 67, 67, 68, 69, 70, 70, 70, 70, 72, 73, 75, 75, 76, 76, 78, 79, 81,
  ];
  const distress = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0];

  it("reproduces the coefficients, standard errors and deviance to the published digits", () => {
    const fit = fitLogisticRegression(design(temperature.map((t) => [1, t])), distress, {
      columnNames: ["(Intercept)", "Temp"],
    });
    expect(fit.converged).toBe(true);
    expect(fit.coefficients[0]).toBeCloseTo(15.0429, 4);
    expect(fit.coefficients[1]).toBeCloseTo(-0.2322, 4);
    expect(fit.standardErrors[0]).toBeCloseTo(7.3786, 4);
    expect(fit.standardErrors[1]).toBeCloseTo(0.1082, 4);
    expect(fit.deviance).toBeCloseTo(20.315, 3);
  });

  it("reproduces the null deviance from an intercept-only fit", () => {
    const fit = fitLogisticRegression(design(temperature.map(() => [1])), distress, {
      columnNames: ["(Intercept)"],
    });
    expect(fit.deviance).toBeCloseTo(28.267, 3);
    expect(fit.coefficients[0]).toBeCloseTo(Math.log(7 / 16), 12);
  });
});

describe("fitLogisticRegression: L2 penalty", () => {
  const random = seededRandom(12);
  const n = 150;
  const rows = Array.from({ length: n }, () => [1, normal(random), 3 * normal(random), normal(random) + 1]);
  const y = rows.map((r) =>
    random() < 1 / (1 + Math.exp(-(0.5 + r[1]! - 0.4 * r[2]! + 0.8 * r[3]!))) ? 1 : 0,
  );
  const names = ["(Intercept)", "a", "b", "c"];

  it.each([[[0, 0, 0, 0]], [[0, 0.5, 0.5, 0.5]], [[0, 5, 20, 1]]])(
    "matches an independent Newton solver with penalty %j",
    (penalty) => {
      const fit = fitLogisticRegression(design(rows), y, { columnNames: names, penalty });
      const reference = newtonReference(rows, y, penalty);
      expect(fit.converged).toBe(true);
      expect(maxRelativeDifference(fit.coefficients, reference.b)).toBeLessThan(1e-8);
      expect(maxRelativeDifference(fit.standardErrors, reference.se)).toBeLessThan(1e-8);
    },
  );

  it("leaves the intercept unpenalised and reports the penalised deviance", () => {
    const penalty = [0, 1e8, 1e8, 1e8];
    const fit = fitLogisticRegression(design(rows), y, { columnNames: names, penalty });
    const share = y.reduce<number>((s, v) => s + v, 0) / n;
    expect(fit.coefficients[0]).toBeCloseTo(Math.log(share / (1 - share)), 4);
    const penaltyTerm = fit.coefficients.reduce((s, b, j) => s + penalty[j]! * b * b, 0);
    expect(fit.penalizedDeviance).toBeCloseTo(fit.deviance + penaltyTerm, 10);
  });

  it("matches the reference with class weights", () => {
    const weights = y.map((v) => (v === 1 ? 0.7 : 2.5));
    const penalty = [0, 0.3, 0.3, 0.3];
    const fit = fitLogisticRegression(design(rows), y, { columnNames: names, penalty, weights });
    const reference = newtonReference(rows, y, penalty, weights);
    expect(maxRelativeDifference(fit.coefficients, reference.b)).toBeLessThan(1e-8);
  });
});

describe("fitLogisticRegression: separation", () => {
  const line = [1, 2, 3, 4, 5, 6].map((t) => [1, t]);

  it("reports complete separation as a SeparationError naming the column", () => {
    const e = thrown(() =>
      fitLogisticRegression(design(line), [0, 0, 0, 1, 1, 1], { columnNames: ["(Intercept)", "t"] }),
    );
    expect(e).toBeInstanceOf(SeparationError);
    expect(e).toBeInstanceOf(InputError);
    const s = e as SeparationError;
    expect(s.separation).toBe("complete");
    expect(s.separatedRows).toBe(6);
    expect(s.finding.columns).toEqual(["t"]);
    expect(s.finding.message).toBe(
      "the classes are perfectly separated by t: the maximum-likelihood coefficients are infinite",
    );
  });

  it("reports quasi-complete separation when rows tie on the boundary", () => {
    const rows = [1, 2, 3, 3, 4, 5].map((t) => [1, t]);
    const e = thrown(() =>
      fitLogisticRegression(design(rows), [0, 0, 0, 1, 1, 1], { columnNames: ["(Intercept)", "t"] }),
    );
    const s = e as SeparationError;
    expect(s.separation).toBe("quasi");
    expect(s.separatedRows).toBe(4);
    expect(s.finding.message).toMatch(/^the classes are quasi-separated by t: 4 of 6 rows/);
  });

  it("names every column of a separating combination", () => {
    const random = seededRandom(5);
    const rows = Array.from({ length: 60 }, () => [1, normal(random), normal(random), normal(random)]);
    const y = rows.map((r) => (r[1]! - r[2]! > 0 ? 1 : 0));
    const e = thrown(() =>
      fitLogisticRegression(design(rows), y, { columnNames: ["(Intercept)", "income", "debt", "age"] }),
    ) as SeparationError;
    expect(e.separation).toBe("complete");
    expect(e.finding.columns).toEqual(expect.arrayContaining(["income", "debt"]));
    expect(e.finding.columns).not.toContain("(Intercept)");
  });

  it("fits separable classes to finite coefficients under an L2 penalty", () => {
    const penalty = [0, 1];
    const fit = fitLogisticRegression(design(line), [0, 0, 0, 1, 1, 1], {
      columnNames: ["(Intercept)", "t"],
      penalty,
    });
    const reference = newtonReference(line, [0, 0, 0, 1, 1, 1], penalty);
    expect(fit.converged).toBe(true);
    expect(maxRelativeDifference(fit.coefficients, reference.b)).toBeLessThan(1e-8);
  });

  it("names a penalised column that alone separates the classes, in a warning", () => {
    const penalty = [0, 1];
    const fit = fitLogisticRegression(design(line), [0, 0, 0, 1, 1, 1], {
      columnNames: ["(Intercept)", "t"],
      penalty,
      classNames: ["good", "bad"],
    });
    expect(fit.problems).toEqual([
      expect.objectContaining({
        kind: "separating-column",
        severity: "warning",
        columns: ["t"],
        message:
          "t separates the classes (every bad row has a value of t at least as large as every good row's): " +
          "without a penalty its coefficient would be infinite; the L2 penalty (alpha) keeps it finite, so its " +
          "size is set by the penalty rather than by the data",
      }),
    ]);
  });

  it("names a category level in which every row is one class, and nothing where classes overlap", () => {
    const random = seededRandom(3);
    // Columns: intercept, a rare level (all its rows positive), a common level, a noisy number.
    const rows = Array.from({ length: 120 }, (_, i) => [1, i % 20 === 0 ? 1 : 0, i % 2, normal(random)]);
    const y = rows.map((r) => (r[1] === 1 || random() < 0.4 ? 1 : 0));
    const fit = fitLogisticRegression(design(rows), y, {
      columnNames: ["(Intercept)", "job=armed-forces", "job=clerk", "hours"],
      penalty: [0, 1, 1, 1],
    });
    expect(fit.problems.map((p) => [p.kind, p.columns])).toEqual([
      ["separating-column", ["job=armed-forces"]],
    ]);
    expect(fit.problems[0]!.message).toMatch(
      /^job=armed-forces separates the classes \(all 6 train rows where job=armed-forces is 1 are class 1\)/,
    );
    expect(() =>
      fitLogisticRegression(design(rows), y, {
        columnNames: ["(Intercept)", "job=armed-forces", "job=clerk", "hours"],
      }),
    ).toThrow(SeparationError);
  });

  it("refuses data with a single class", () => {
    const e = thrown(() =>
      fitLogisticRegression(design(line), [1, 1, 1, 1, 1, 1], { columnNames: ["i", "t"] }),
    );
    expect((e as SeparationError).finding.message).toBe(
      "every row is in class 1: a logistic model needs rows of both classes",
    );
  });

  it("does not mistake a strong but overlapping effect for separation", () => {
    const random = seededRandom(77);
    const rows = Array.from({ length: 400 }, () => [1, normal(random)]);
    const y = rows.map((r) => (random() < 1 / (1 + Math.exp(-6 * r[1]!)) ? 1 : 0));
    const fit = fitLogisticRegression(design(rows), y, { columnNames: ["(Intercept)", "x"] });
    expect(fit.converged).toBe(true);
    expect(maxRelativeDifference(fit.coefficients, newtonReference(rows, y, [0, 0]).b)).toBeLessThan(1e-8);
  });
});

describe("fitLogisticRegression: input problems", () => {
  const random = seededRandom(9);
  const rows = Array.from({ length: 50 }, () => {
    const a = normal(random);
    return [1, a, 2 * a];
  });
  const y = rows.map(() => (random() < 0.5 ? 1 : 0));

  it("names collinear columns", () => {
    const e = thrown(() =>
      fitLogisticRegression(design(rows), y, { columnNames: ["(Intercept)", "a", "a2"] }),
    );
    expect(e).toBeInstanceOf(RankDeficiencyError);
    expect((e as RankDeficiencyError).findings[0]!.message).toBe("a and a2 are collinear");
  });

  it("drops collinear columns on request and fits the rest", () => {
    const fit = fitLogisticRegression(design(rows), y, {
      columnNames: ["(Intercept)", "a", "a2"],
      rankDeficient: "drop",
    });
    const without = fitLogisticRegression(design(rows.map((r) => r.slice(0, 2))), y, {
      columnNames: ["(Intercept)", "a"],
    });
    expect(fit.dropped).toEqual([2]);
    expect(fit.coefficients[2]).toBe(0);
    expect(fit.standardErrors[2]).toBeNaN();
    expect(maxRelativeDifference(fit.coefficients.slice(0, 2), without.coefficients)).toBeLessThan(1e-9);
    expect(maxRelativeDifference(fit.standardErrors.slice(0, 2), without.standardErrors)).toBeLessThan(1e-9);
    expect(fit.problems.map((p) => p.message)).toContain(
      "a and a2 are collinear; a2 was left out of the fit",
    );
  });

  it("rejects a target that is not 0/1 and arguments of the wrong shape", () => {
    const x = design([
      [1, 0],
      [1, 1],
    ]);
    expect(() => fitLogisticRegression(x, [0, 2], { columnNames: ["i", "t"] })).toThrow(/0 or 1/);
    expect(() => fitLogisticRegression(x, [0, 1, 1], { columnNames: ["i", "t"] })).toThrow(/design/);
    expect(() => fitLogisticRegression(x, [0, 1], { columnNames: ["i", "t"], weights: [1] })).toThrow(
      /weights/,
    );
    expect(() => fitLogisticRegression(x, [0, 1], { columnNames: ["i", "t"], weights: [1, -1] })).toThrow(
      /weight/,
    );
  });
});

/** Rosenblatt's perceptron stops with no mistakes exactly when the rows are strictly separable. */
function perceptronSeparates(rows: number[][], y: number[], epochs: number): boolean {
  const b = new Array<number>(rows[0]!.length).fill(0);
  for (let epoch = 0; epoch < epochs; epoch++) {
    let mistakes = 0;
    rows.forEach((r, i) => {
      const sign = y[i] === 1 ? 1 : -1;
      if (sign * r.reduce((s, v, j) => s + v * b[j]!, 0) <= 0) {
        mistakes++;
        r.forEach((v, j) => (b[j] = b[j]! + sign * v));
      }
    });
    if (mistakes === 0) return true;
  }
  return false;
}

describe("fitLogisticRegression: separation on random data", () => {
  type Kind = "separable" | "tied" | "noisy";

  /** Rows split by a random hyperplane; "tied" adds rows of both classes on it; "noisy" draws y from the logistic model. */
  function generate(seed: number, kind: Kind): { rows: number[][]; y: number[] } {
    const random = seededRandom(seed);
    const n = 10 + Math.floor(random() * 120);
    const p = 1 + Math.floor(random() * 4);
    const rows = Array.from({ length: n }, () => [
      1,
      ...Array.from({ length: p }, () => normal(random) * (1 + 10 * random())),
    ]);
    const w = Array.from({ length: p + 1 }, () => normal(random));
    const score = (r: number[]): number => r.reduce((s, v, j) => s + v * w[j]!, 0);
    let y = rows.map((r) => (score(r) > 0 ? 1 : 0));
    if (kind === "tied") {
      for (const r of rows.slice(0, 3)) {
        const onPlane = r.map((v, j) => (j === 0 ? v - score(r) / w[0]! : v));
        rows.push(onPlane, onPlane);
        y.push(0, 1);
      }
    }
    if (kind === "noisy") y = rows.map((r) => (random() < 1 / (1 + Math.exp(-score(r))) ? 1 : 0));
    return { rows, y };
  }

  it("reports separation exactly when the classes are separable, and of the right kind", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom<Kind>("separable", "tied", "noisy"),
        (seed, kind) => {
          const { rows, y } = generate(seed, kind);
          fc.pre(y.some((v) => v !== y[0]));
          const columnNames = rows[0]!.map((_, j) => (j === 0 ? "(Intercept)" : `x${j}`));
          let outcome: "complete" | "quasi" | "fit";
          try {
            fitLogisticRegression(design(rows), y, { columnNames });
            outcome = "fit";
          } catch (e) {
            if (!(e instanceof SeparationError)) throw e;
            outcome = e.separation;
          }
          if (kind === "separable") expect(outcome).toBe("complete");
          else if (kind === "tied") expect(outcome).toBe("quasi");
          else expect(outcome === "complete").toBe(perceptronSeparates(rows, y, 3000));
        },
      ),
      { seed: 2024, numRuns: 90 },
    );
  });
});
