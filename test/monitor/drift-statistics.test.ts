/**
 * The drift statistics against hand computations, brute force and published values. Reference
 * values marked "scipy" were computed with scipy 1.17 (`stats.ks_2samp(..., method="exact")`,
 * `stats.chi2.sf`, `stats.kstwobign.sf`, `stats.chi2_contingency(..., correction=False)`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  PSI_EPSILON,
  bonferroniAdjust,
  chiSquareHomogeneity,
  chiSquareSurvival,
  holmAdjust,
  kolmogorovSurvival,
  ksAsymptoticPValue,
  ksExactPValue,
  ksTwoSample,
  populationStabilityIndex,
  psiNoiseLevel,
} from "../../src/monitor/drift-statistics.js";

describe("population stability index", () => {
  it("matches a hand computation, bins empty on both sides adding nothing", () => {
    // Shares 0.1, 0.2, 0.3, 0.4 against 0.25 each; the outer bins are empty on both sides.
    const psi = populationStabilityIndex([0, 10, 20, 30, 40, 0], [0, 25, 25, 25, 25, 0])!;
    const hand =
      (0.25 - 0.1) * Math.log(0.25 / 0.1) +
      (0.25 - 0.2) * Math.log(0.25 / 0.2) +
      (0.25 - 0.3) * Math.log(0.25 / 0.3) +
      (0.25 - 0.4) * Math.log(0.25 / 0.4);
    expect(psi.value).toBeCloseTo(hand, 12);
    expect(psi.value).toBeCloseTo(0.22822, 4);
    expect(psi.terms[0]).toBe(0);
    expect(psi.terms[5]).toBe(0);
  });

  it("floors an empty bin's share at epsilon", () => {
    // Training has nothing above the last edge; 5% of the new values are there.
    const psi = populationStabilityIndex([50, 50, 0], [45, 50, 5])!;
    const hand =
      (0.45 - 0.5) * Math.log(0.45 / 0.5) + 0 + (0.05 - PSI_EPSILON) * Math.log(0.05 / PSI_EPSILON);
    expect(psi.value).toBeCloseTo(hand, 12);
    expect(PSI_EPSILON).toBe(1e-4);
  });

  it("is zero for equal shares, symmetric, and null without values", () => {
    expect(populationStabilityIndex([1, 2, 3], [10, 20, 30])!.value).toBeCloseTo(0, 15);
    expect(populationStabilityIndex([5, 1, 9], [2, 7, 3])!.value).toBeCloseTo(
      populationStabilityIndex([2, 7, 3], [5, 1, 9])!.value,
      12,
    );
    expect(populationStabilityIndex([0, 0], [1, 2])).toBeNull();
    expect(() => populationStabilityIndex([1], [1, 2])).toThrow(/same bins/);
  });

  it("is never negative", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(1000), fc.nat(1000)), { minLength: 1, maxLength: 20 }),
        (pairs) => {
          const psi = populationStabilityIndex(
            pairs.map((p) => p[0] + 1),
            pairs.map((p) => p[1] + 1),
          )!;
          return psi.value >= -1e-12;
        },
      ),
      { seed: 16, numRuns: 200 },
    );
  });

  it("has the noise level (bins - 1)(1/n + 1/m)", () => {
    expect(psiNoiseLevel(10, 1000, 500)).toBeCloseTo(9 * (0.001 + 0.002), 15);
    expect(psiNoiseLevel(1, 10, 10)).toBeNull();
  });
});

/** P(D >= d) by listing every interleaving of n and m values: the definition, by brute force. */
function bruteForceKs(n: number, m: number, dnm: number): number {
  let hits = 0;
  let all = 0;
  const walk = (i: number, j: number, max: number) => {
    if (i === n && j === m) {
      all++;
      if (max >= dnm) hits++;
      return;
    }
    if (i < n) walk(i + 1, j, Math.max(max, Math.abs((i + 1) * m - j * n)));
    if (j < m) walk(i, j + 1, Math.max(max, Math.abs(i * m - (j + 1) * n)));
  };
  walk(0, 0, 0);
  return hits / all;
}

describe("two-sample Kolmogorov–Smirnov", () => {
  it("gives the published exact p-values for separated samples", () => {
    // Two of the C(6, 3) = 20 orders separate the samples completely: p = 0.1 (scipy 0.1).
    const r = ksTwoSample([1, 2, 3], [4, 5, 6])!;
    expect(r.statistic).toBe(1);
    expect(r.method).toBe("exact");
    expect(r.pValue).toBeCloseTo(2 / 20, 14);
    // 2 / C(10, 5) = 2 / 252 (R's ks.test(1:5, 6:10): 0.007937).
    expect(ksTwoSample([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])!.pValue).toBeCloseTo(2 / 252, 14);
  });

  it("matches brute force over every interleaving for small sizes", () => {
    for (const [n, m] of [
      [3, 4],
      [5, 5],
      [6, 4],
      [7, 3],
      [2, 9],
    ] as const) {
      for (let dnm = 1; dnm <= n * m; dnm++) {
        expect(ksExactPValue(n, m, dnm)).toBeCloseTo(bruteForceKs(n, m, dnm), 12);
      }
    }
  });

  it("matches scipy's exact p-value on real-valued samples", () => {
    const a = [
      0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82, 0.37, 1.77,
      1.09, -1.28, 2.36, 1.31, 1.05, -0.32, -0.4, 1.06, -2.47,
    ];
    const b = [
      2.2, 1.66, 1.38, 0.2, 0.36, 0, 0.96, 1.56, 0.44, 1.5, -0.3, 0.66, 2.31, 3.29, -0.27, -0.37, 0.38, 0.7,
      0.52, -0.71,
    ];
    const r = ksTwoSample(a, b)!;
    expect(r.statistic).toBeCloseTo(0.23, 12);
    expect(r.pValue).toBeCloseTo(0.5286364448145011, 10); // scipy
    // Stephens' asymptotic form is close to the exact value at these sizes already.
    expect(ksTwoSample(a, b, { method: "asymptotic" })!.pValue).toBeCloseTo(0.5286, 1);
  });

  it("matches scipy on larger samples, with ties inside each sample, and keeps small p-values", () => {
    const gen = (count: number, mul: number, mod: number, shift: number, odd: number) =>
      Array.from({ length: count }, (_, k) => (((k + 1) * mul) % mod) * 2 + odd + shift);
    const r = ksTwoSample(gen(300, 7919, 1009, 0, 0), gen(200, 104729, 1013, 300, 1))!;
    expect(r.statistic).toBeCloseTo(0.16, 12);
    expect(r.pValue / 0.0039250453637471525).toBeCloseTo(1, 8); // scipy
    const big = ksTwoSample(gen(1500, 7919, 1009, 0, 0), gen(1200, 104729, 1013, 40, 1))!;
    expect(big.statistic).toBeCloseTo(0.025833333333333333, 12);
    expect(big.pValue).toBeCloseTo(0.75526286548358, 8); // scipy
  });

  it("steps over ties in the pooled values", () => {
    // Identical samples: D = 0 and p = 1, however many ties.
    const r = ksTwoSample([1, 1, 2, 2, 3], [3, 2, 2, 1, 1])!;
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1);
    expect(ksTwoSample([], [1])).toBeNull();
  });

  it("has Kolmogorov's limiting distribution with its tabled critical values", () => {
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.0499996304316674, 9); // scipy kstwobign.sf
    expect(kolmogorovSurvival(0.5)).toBeCloseTo(0.9639452436648751, 9);
    expect(kolmogorovSurvival(2.5)).toBeCloseTo(7.453306344157342e-6, 12);
    expect(kolmogorovSurvival(1.6276)).toBeCloseTo(0.01, 4);
    expect(kolmogorovSurvival(1.18 - 1e-9)).toBeCloseTo(kolmogorovSurvival(1.18), 8);
    expect(kolmogorovSurvival(0)).toBe(1);
  });

  it("agrees between exact and asymptotic p-values at moderate sizes", () => {
    for (const [n, m, d] of [
      [200, 150, 0.15],
      [400, 400, 0.1],
      [300, 120, 0.2],
    ] as const) {
      const dnm = Math.ceil(d * n * m - 1e-9);
      const exact = ksExactPValue(n, m, dnm);
      const asymptotic = ksAsymptoticPValue(n, m, dnm / (n * m));
      expect(Math.abs(Math.log(asymptotic / exact))).toBeLessThan(0.15);
    }
  });
});

describe("chi-square", () => {
  it("has the survival function of published quantiles", () => {
    expect(chiSquareSurvival(3.841, 1)).toBeCloseTo(0.050013683763956804, 12); // scipy
    expect(chiSquareSurvival(21.666, 9)).toBeCloseTo(0.009999979883498333, 12);
    expect(chiSquareSurvival(0.5, 3)).toBeCloseTo(0.9188914116546758, 12);
    expect(chiSquareSurvival(7.3, 4)).toBeCloseTo(0.12085874882121235, 12);
    expect(chiSquareSurvival(1e-3, 1)).toBeCloseTo(0.9747728793699604, 12);
    expect(chiSquareSurvival(100, 10) / 5.4497019829205215e-17).toBeCloseTo(1, 8);
    // With 2 degrees of freedom the survival function is exp(-x/2).
    for (const x of [0.1, 1, 5, 30]) expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 13);
  });

  it("tests homogeneity like scipy's contingency test", () => {
    const r = chiSquareHomogeneity([10, 20, 30, 40], [25, 25, 25, 25])!;
    expect(r.statistic).toBeCloseTo(10.900210900210901, 10); // scipy
    expect(r.pValue).toBeCloseTo(0.012277894009958807, 10);
    expect(r.df).toBe(3);
    expect(r.merged).toBe(0);
  });

  it("merges cells with expected counts below 5, smallest first", () => {
    // Categories c, d, e are rare: pooled they make one cell of 12 (expected 6 on each side).
    const r = chiSquareHomogeneity([50, 40, 3, 2, 1], [45, 45, 2, 3, 1])!;
    expect(r.df).toBe(2);
    expect(r.merged).toBe(2);
    const manual = chiSquareHomogeneity([50, 40, 6], [45, 45, 6])!;
    expect(r.statistic).toBeCloseTo(manual.statistic, 12);
    // One category on both sides: nothing to test.
    expect(chiSquareHomogeneity([10, 0], [7, 0])).toBeNull();
    expect(chiSquareHomogeneity([3, 1], [1, 2])).toBeNull();
  });
});

describe("corrections for many features", () => {
  it("adjusts like Holm's step-down procedure by hand", () => {
    // Sorted: 0.01 (x4), 0.02 (x3), 0.03 (x2), 0.5 (x1); running maximum.
    const adjusted = holmAdjust([0.03, 0.01, null, 0.5, 0.02]);
    expect(adjusted).toEqual([0.06, 0.04, null, 0.5, 0.06]);
    expect(bonferroniAdjust([0.03, 0.01, null, 0.5])).toEqual([0.09, 0.03, null, 1]);
  });

  it("never rejects less than Bonferroni", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (ps) => {
          const h = holmAdjust(ps);
          const b = bonferroniAdjust(ps);
          return h.every((x, i) => x! <= b[i]! + 1e-15 && x! >= ps[i]! - 1e-15);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
