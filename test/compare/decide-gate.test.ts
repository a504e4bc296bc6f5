import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideGate, formatGateNumber } from "../../src/compare/decide-gate.js";
import { gateRuleSchema } from "../../src/project/schemas.js";

/** Rules as a user writes them, through the spec schema (so "2%" becomes 0.02). */
const rules = (r: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, gateRuleSchema.parse(v)]));

const byRule = (d: ReturnType<typeof decideGate>, metric: string, rule: string) =>
  d.checks.find((c) => c.metric === metric && c.rule === rule)!;

describe("decideGate", () => {
  it("with no champion, applies absolute rules and marks change rules not applicable", () => {
    const d = decideGate({
      rules: rules({ rmse: { max: 3.5, maxRelativeWorsening: "2%" }, r2: { min: 0.8, maxWorsening: 0.01 } }),
      challenger: { rmse: 3.2, r2: 0.85 },
    });
    expect(d.passed).toBe(true);
    expect(d.checks.map((c) => [c.metric, c.rule, c.status])).toEqual([
      ["rmse", "max", "pass"],
      ["rmse", "maxRelativeWorsening", "not_applicable"],
      ["r2", "min", "pass"],
      ["r2", "maxWorsening", "not_applicable"],
    ]);
    expect(byRule(d, "rmse", "max").reason).toBe("RMSE 3.2 is at most 3.5");
    expect(byRule(d, "r2", "maxWorsening").reason).toMatch(/no champion/);
    expect(d.summary).toBe("passed: 2 passed, 2 not applicable");
  });

  it("still fails an absolute rule without a champion", () => {
    const d = decideGate({ rules: rules({ auc: { min: 0.75 } }), challenger: { auc: 0.7 }, champion: null });
    expect(d.passed).toBe(false);
    expect(byRule(d, "auc", "min")).toMatchObject({ status: "fail", value: 0.7, bound: 0.75 });
    expect(d.summary).toBe("failed: ROC AUC 0.7 is below the minimum 0.75; 1 failed");
  });

  it("fails a regression beyond tolerance, by direction: rmse up is worse", () => {
    // champion 3.0, challenger 3.3: +0.3, +10%
    const d = decideGate({
      rules: rules({ rmse: { maxWorsening: 0.2, maxRelativeWorsening: 0.05 } }),
      challenger: { rmse: 3.3 },
      champion: { rmse: 3.0 },
    });
    expect(d.passed).toBe(false);
    const abs = byRule(d, "rmse", "maxWorsening");
    expect(abs.status).toBe("fail");
    expect(abs.champion).toBe(3.0);
    expect(abs.change).toBeCloseTo(0.3, 12);
    expect(abs.worsening).toBeCloseTo(0.3, 12);
    expect(abs.reason).toBe("RMSE rose by 0.3 against the champion's 3, more than the 0.2 allowed");
    const rel = byRule(d, "rmse", "maxRelativeWorsening");
    expect(rel.status).toBe("fail");
    expect(rel.relativeChange).toBeCloseTo(0.1, 12);
    expect(rel.reason).toBe("RMSE rose by 10% against the champion's 3, more than the 5% allowed");
  });

  it("fails r2 falling and passes r2 rising: higher is better", () => {
    const rule = rules({ r2: { maxWorsening: 0.01 } });
    const down = decideGate({ rules: rule, challenger: { r2: 0.8 }, champion: { r2: 0.85 } });
    expect(byRule(down, "r2", "maxWorsening")).toMatchObject({ status: "fail" });
    expect(byRule(down, "r2", "maxWorsening").worsening).toBeCloseTo(0.05, 12);
    expect(byRule(down, "r2", "maxWorsening").reason).toMatch(/^R² fell by 0.05 /);
    const up = decideGate({ rules: rule, challenger: { r2: 0.9 }, champion: { r2: 0.85 } });
    expect(up.passed).toBe(true);
    expect(byRule(up, "r2", "maxWorsening").worsening).toBeCloseTo(-0.05, 12);
    expect(byRule(up, "r2", "maxWorsening").reason).toBe(
      "R² rose by 0.05 against the champion's 0.85, an improvement",
    );
  });

  it("passes an improvement and a worsening within tolerance", () => {
    const d = decideGate({
      rules: rules({ rmse: { maxRelativeWorsening: "2%" }, mae: { maxRelativeWorsening: "2%" } }),
      challenger: { rmse: 2.9, mae: 2.03 },
      champion: { rmse: 3.0, mae: 2.0 },
    });
    expect(d.passed).toBe(true);
    expect(byRule(d, "rmse", "maxRelativeWorsening").reason).toBe(
      "RMSE fell by 3.333% against the champion's 3, an improvement",
    );
    // 2.03 / 2 - 1 = 1.5%
    expect(byRule(d, "mae", "maxRelativeWorsening").reason).toBe(
      "MAE rose by 1.5% against the champion's 2, within the 2% allowed",
    );
  });

  it("counts a change exactly at the bound as within it, despite rounding", () => {
    // 1.02 / 1 - 1 is 0.020000000000000018 in floating point
    const d = decideGate({
      rules: rules({ rmse: { maxRelativeWorsening: 0.02 } }),
      challenger: { rmse: 1.02 },
      champion: { rmse: 1 },
    });
    expect(d.passed).toBe(true);
    // and a hair above fails
    const e = decideGate({
      rules: rules({ rmse: { maxRelativeWorsening: 0.02 } }),
      challenger: { rmse: 1.0201 },
      champion: { rmse: 1 },
    });
    expect(e.passed).toBe(false);
  });

  it("relative rules for higher-is-better metrics measure the fall against the champion", () => {
    // auc 0.80 -> 0.78: -2.5% relative
    const d = decideGate({
      rules: rules({ auc: { maxRelativeWorsening: "2%" } }),
      challenger: { auc: 0.78 },
      champion: { auc: 0.8 },
    });
    expect(d.passed).toBe(false);
    expect(byRule(d, "auc", "maxRelativeWorsening").worsening).toBeCloseTo(0.025, 12);
    expect(byRule(d, "auc", "maxRelativeWorsening").reason).toBe(
      "ROC AUC fell by 2.5% against the champion's 0.8, more than the 2% allowed",
    );
  });

  it("fails, with a reason, a metric named in the gate that was not computed", () => {
    const d = decideGate({
      rules: rules({ mape: { max: 0.1, maxWorsening: 0.01 }, rmse: { max: 5 } }),
      challenger: { rmse: 1 },
      champion: { rmse: 1, mape: 0.05 },
    });
    expect(d.passed).toBe(false);
    expect(byRule(d, "mape", "max")).toMatchObject({
      status: "fail",
      value: null,
      reason: "MAPE was not computed for the challenger, so the rule cannot be checked",
    });
    expect(byRule(d, "mape", "maxWorsening").status).toBe("fail");
    expect(byRule(d, "rmse", "max").status).toBe("pass");
    expect(d.summary).toMatch(/^failed: MAPE was not computed .* \(and 1 more\); 1 passed, 2 failed$/);
  });

  it("passes on the reason a metric is undefined", () => {
    const d = decideGate({
      rules: rules({ mape: { max: 0.1 } }),
      challenger: { mape: { value: null, reason: "every actual value is within 1e-9 of zero" } },
    });
    expect(byRule(d, "mape", "max").reason).toBe(
      "MAPE is undefined for the challenger: every actual value is within 1e-9 of zero",
    );
  });

  it("takes metric estimates ({value, ci}) as they come from evaluation", () => {
    const d = decideGate({
      rules: rules({ rmse: { max: 2 } }),
      challenger: { rmse: { value: 1.5, ci: { lower: 1, upper: 2 } } as { value: number } },
    });
    expect(d.passed).toBe(true);
  });

  it("does not apply change rules when the champion lacks the metric or is not comparable", () => {
    const lacks = decideGate({
      rules: rules({ ks: { maxWorsening: 0.02 } }),
      challenger: { ks: 0.4 },
      champion: { auc: 0.7 },
    });
    expect(byRule(lacks, "ks", "maxWorsening")).toMatchObject({ status: "not_applicable" });
    expect(byRule(lacks, "ks", "maxWorsening").reason).toMatch(/champion has no value for KS/);
    const notComparable = decideGate({
      rules: rules({ ks: { maxWorsening: 0.02 } }),
      challenger: { ks: 0.4 },
      noChampionReason: "the champion (v2) needs column income, which today's data lacks",
    });
    expect(byRule(notComparable, "ks", "maxWorsening").reason).toBe(
      "the champion (v2) needs column income, which today's data lacks, so the change in KS is not checked",
    );
  });

  it("gates fairness differences, lower being better, also per sensitive column", () => {
    const d = decideGate({
      rules: rules({
        parity_difference: { max: 0.1 },
        "equal_opportunity_difference:sex": { maxWorsening: 0.02 },
      }),
      challenger: { parity_difference: 0.12, "equal_opportunity_difference:sex": 0.05 },
      champion: { "equal_opportunity_difference:sex": 0.08 },
    });
    expect(byRule(d, "parity_difference", "max")).toMatchObject({ status: "fail" });
    expect(byRule(d, "parity_difference", "max").reason).toBe(
      "Demographic parity difference 0.12 is above the maximum 0.1",
    );
    expect(byRule(d, "equal_opportunity_difference:sex", "maxWorsening").status).toBe("pass");
    expect(byRule(d, "equal_opportunity_difference:sex", "maxWorsening").reason).toMatch(/an improvement$/);
  });

  it("fails a change rule on a metric of unknown direction, and allows absolute rules on it", () => {
    const d = decideGate({
      rules: rules({ latency_ms: { max: 50, maxWorsening: 5 } }),
      challenger: { latency_ms: 20 },
      champion: { latency_ms: 18 },
    });
    expect(byRule(d, "latency_ms", "max").status).toBe("pass");
    expect(byRule(d, "latency_ms", "maxWorsening").reason).toMatch(
      /not known whether a higher latency_ms is better/,
    );
    expect(d.passed).toBe(false);
  });

  it("fails any relative worsening from a champion at 0", () => {
    const d = decideGate({
      rules: rules({ max_error: { maxRelativeWorsening: "50%" } }),
      challenger: { max_error: 0.1 },
      champion: { max_error: 0 },
    });
    expect(byRule(d, "max_error", "maxRelativeWorsening")).toMatchObject({
      status: "fail",
      relativeChange: null,
      worsening: null,
    });
  });

  it("passes with no rules at all", () => {
    expect(decideGate({ rules: {}, challenger: {} })).toEqual({
      passed: true,
      checks: [],
      summary: "passed: the gate has no rules",
    });
  });
});

describe("direction", () => {
  it("treats a lower-is-better metric at x like a higher-is-better one at -x", () => {
    // mae (lower is better) and r2 (higher is better): negating both values swaps the direction,
    // so every absolute change rule must decide the same.
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (challenger, champion, bound) => {
          const lower = decideGate({
            rules: rules({ mae: { maxWorsening: bound } }),
            challenger: { mae: challenger },
            champion: { mae: champion },
          });
          const higher = decideGate({
            rules: rules({ r2: { maxWorsening: bound } }),
            challenger: { r2: -challenger },
            champion: { r2: -champion },
          });
          expect(higher.checks[0]!.status).toBe(lower.checks[0]!.status);
          // away from the bound's rounding slack, the decision is the plain comparison
          if (Math.abs(challenger - champion - bound) > 1e-9)
            expect(lower.checks[0]!.status).toBe(challenger - champion <= bound ? "pass" : "fail");
        },
      ),
      { seed: 5, numRuns: 500 },
    );
  });
});

describe("formatGateNumber", () => {
  it("keeps four significant digits and drops noise", () => {
    expect(formatGateNumber(0.1 + 0.2)).toBe("0.3");
    expect(formatGateNumber(3.14159)).toBe("3.142");
    expect(formatGateNumber(12345.678)).toBe("12346");
    expect(formatGateNumber(0.000012346)).toBe("0.00001235");
    expect(formatGateNumber(-2.5)).toBe("-2.5");
  });
});
