/**
 * The gate: whether a challenger may be promoted, from the model spec's rules, the challenger's
 * metric values and, when there is one, the champion's values on the same rows.
 *
 * Rules follow MLflow's MetricThreshold and know each metric's direction: for rmse, worse means
 * higher; for r2 or auc, lower. Every rule gives one check per bound it sets, each pass, fail or
 * not applicable, with the numbers behind it and one line in plain words. The gate passes when
 * no check fails.
 */
import type { GateRule } from "../project/schemas.js";
import { metricDirection } from "../evaluate/metrics.js";

/** A metric value as the gate takes it: a number, nothing, or a value with why it is missing. */
export type GateValue = number | null | undefined | { value: number | null; reason?: string };

/** Metric name -> value. Names may be catalogue metrics or fairness differences. */
export type GateValues = Readonly<Record<string, GateValue>>;

export interface GateInput {
  /** The model spec's `gate`: metric name -> rule. */
  rules: Readonly<Record<string, GateRule>>;
  challenger: GateValues;
  /** The champion's values on the same test rows; null or absent when there is no champion. */
  champion?: GateValues | null;
  /** Why there is no champion to compare with, when there is a better reason than "none yet". */
  noChampionReason?: string;
}

export type GateRuleKind = "min" | "max" | "maxWorsening" | "maxRelativeWorsening";
export type GateCheckStatus = "pass" | "fail" | "not_applicable";

/** One bound of one rule, checked. */
export interface GateCheck {
  metric: string;
  /** The metric as people write it ("RMSE"); the name itself for a metric we do not know. */
  label: string;
  rule: GateRuleKind;
  status: GateCheckStatus;
  /** The challenger's value. */
  value: number | null;
  /** The rule's bound (a fraction for maxRelativeWorsening). */
  bound: number;
  /** Change rules: the champion's value. */
  champion: number | null;
  /** Change rules: challenger - champion. */
  change: number | null;
  /** Change rules: (challenger - champion) / |champion|. */
  relativeChange: number | null;
  /**
   * Change rules: how much worse the challenger is, in the rule's terms (metric units, or a
   * fraction of the champion's value); negative when better; null when unbounded (champion 0).
   */
  worsening: number | null;
  /** One line in plain words. */
  reason: string;
}

export interface GateDecision {
  passed: boolean;
  checks: GateCheck[];
  /** One line: the verdict and the first failure, if any. */
  summary: string;
}

/** Bounds are compared with this relative slack, so 1.02 / 1 - 1 = 0.020000000000000018 meets "2%". */
const SLACK = 1e-12;
const within = (x: number, bound: number) => x <= bound + SLACK * Math.max(1, Math.abs(bound), Math.abs(x));

/** Four significant digits (whole numbers keep every digit), no trailing zeros, no exponent for everyday sizes. */
export function formatGateNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e9) {
    const digits = Math.max(0, 3 - Math.floor(Math.log10(abs)));
    return String(Number(x.toFixed(Math.min(digits, 12))));
  }
  return x.toPrecision(4);
}

const percent = (f: number) => `${formatGateNumber(f * 100)}%`;

function readValue(v: GateValue): { value: number | null; reason?: string; present: boolean } {
  if (v === undefined) return { value: null, present: false };
  if (v === null) return { value: null, present: true };
  if (typeof v === "number")
    return Number.isFinite(v) ? { value: v, present: true } : { value: null, present: true };
  const value = v.value !== null && Number.isFinite(v.value) ? v.value : null;
  return v.reason === undefined ? { value, present: true } : { value, reason: v.reason, present: true };
}

/** Checks every rule against the challenger (and the champion, for change rules). */
export function decideGate(input: GateInput): GateDecision {
  const checks: GateCheck[] = [];
  const champion = input.champion ?? null;
  for (const [metric, rule] of Object.entries(input.rules)) {
    const direction = metricDirection(metric);
    const label = direction?.label ?? metric;
    const own = readValue(input.challenger[metric]);
    const base = {
      metric,
      label,
      value: own.value,
      champion: null,
      change: null,
      relativeChange: null,
      worsening: null,
    };
    const missing =
      own.value !== null
        ? null
        : !own.present
          ? `${label} was not computed for the challenger, so the rule cannot be checked`
          : `${label} is undefined for the challenger${own.reason ? `: ${own.reason}` : ""}`;

    if (rule.min !== undefined) {
      const bound = rule.min;
      checks.push(
        missing !== null
          ? { ...base, rule: "min", bound, status: "fail", reason: missing }
          : own.value! >= bound - SLACK * Math.max(1, Math.abs(bound))
            ? {
                ...base,
                rule: "min",
                bound,
                status: "pass",
                reason: `${label} ${formatGateNumber(own.value!)} is at least ${formatGateNumber(bound)}`,
              }
            : {
                ...base,
                rule: "min",
                bound,
                status: "fail",
                reason: `${label} ${formatGateNumber(own.value!)} is below the minimum ${formatGateNumber(bound)}`,
              },
      );
    }
    if (rule.max !== undefined) {
      const bound = rule.max;
      checks.push(
        missing !== null
          ? { ...base, rule: "max", bound, status: "fail", reason: missing }
          : within(own.value!, bound)
            ? {
                ...base,
                rule: "max",
                bound,
                status: "pass",
                reason: `${label} ${formatGateNumber(own.value!)} is at most ${formatGateNumber(bound)}`,
              }
            : {
                ...base,
                rule: "max",
                bound,
                status: "fail",
                reason: `${label} ${formatGateNumber(own.value!)} is above the maximum ${formatGateNumber(bound)}`,
              },
      );
    }
    for (const kind of ["maxWorsening", "maxRelativeWorsening"] as const) {
      const bound = rule[kind];
      if (bound === undefined) continue;
      checks.push(checkChange(kind, bound, { ...base }, missing, direction?.higherIsBetter, champion, input));
    }
  }
  const failed = checks.filter((c) => c.status === "fail");
  const passed = failed.length === 0;
  const counts = (["pass", "fail", "not_applicable"] as const)
    .map((s) => [s, checks.filter((c) => c.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s === "not_applicable" ? "not applicable" : s === "pass" ? "passed" : "failed"}`)
    .join(", ");
  const summary =
    checks.length === 0
      ? "passed: the gate has no rules"
      : passed
        ? `passed: ${counts}`
        : `failed: ${failed[0]!.reason}${failed.length > 1 ? ` (and ${failed.length - 1} more)` : ""}; ${counts}`;
  return { passed, checks, summary };
}

function checkChange(
  rule: "maxWorsening" | "maxRelativeWorsening",
  bound: number,
  base: Omit<GateCheck, "rule" | "bound" | "status" | "reason">,
  missing: string | null,
  higherIsBetter: boolean | undefined,
  champion: GateValues | null,
  input: GateInput,
): GateCheck {
  const check = (status: GateCheckStatus, reason: string): GateCheck => ({
    ...base,
    rule,
    bound,
    status,
    reason,
  });
  const { label } = base;
  if (champion === null)
    return check(
      "not_applicable",
      `${input.noChampionReason ?? "there is no champion to compare with"}, so the change in ${label} is not checked`,
    );
  const theirs = readValue(champion[base.metric]);
  if (theirs.value === null)
    return check(
      "not_applicable",
      `the champion has no value for ${label}${theirs.reason ? ` (${theirs.reason})` : ""}, so the change is not checked`,
    );
  base.champion = theirs.value;
  if (missing !== null) return check("fail", missing);
  if (higherIsBetter === undefined)
    return check(
      "fail",
      `it is not known whether a higher ${label} is better, so a change rule cannot apply to it`,
    );

  const own = base.value!;
  const change = own - theirs.value;
  base.change = change;
  base.relativeChange = theirs.value !== 0 ? change / Math.abs(theirs.value) : null;
  const worse = higherIsBetter ? -change : change;
  const verb = change > 0 ? "rose" : "fell";
  const than = `against the champion's ${formatGateNumber(theirs.value)}`;

  if (rule === "maxWorsening") {
    base.worsening = worse;
    if (worse <= 0)
      return check(
        "pass",
        change === 0
          ? `${label} is unchanged ${than}`
          : `${label} ${verb} by ${formatGateNumber(Math.abs(change))} ${than}, an improvement`,
      );
    return within(worse, bound)
      ? check(
          "pass",
          `${label} ${verb} by ${formatGateNumber(Math.abs(change))} ${than}, within the ${formatGateNumber(bound)} allowed`,
        )
      : check(
          "fail",
          `${label} ${verb} by ${formatGateNumber(Math.abs(change))} ${than}, more than the ${formatGateNumber(bound)} allowed`,
        );
  }

  if (worse <= 0) {
    base.worsening =
      base.relativeChange === null ? 0 : higherIsBetter ? -base.relativeChange : base.relativeChange;
    return check(
      "pass",
      change === 0
        ? `${label} is unchanged ${than}`
        : `${label} ${verb} by ${base.relativeChange === null ? formatGateNumber(Math.abs(change)) : percent(Math.abs(base.relativeChange))} ${than}, an improvement`,
    );
  }
  if (base.relativeChange === null) {
    // Unbounded; left null so the check still serialises to JSON.
    base.worsening = null;
    return check(
      "fail",
      `${label} ${verb} by ${formatGateNumber(Math.abs(change))} from the champion's 0, an unbounded relative worsening (at most ${percent(bound)} allowed)`,
    );
  }
  const relWorse = Math.abs(base.relativeChange);
  base.worsening = relWorse;
  return within(relWorse, bound)
    ? check("pass", `${label} ${verb} by ${percent(relWorse)} ${than}, within the ${percent(bound)} allowed`)
    : check(
        "fail",
        `${label} ${verb} by ${percent(relWorse)} ${than}, more than the ${percent(bound)} allowed`,
      );
}
