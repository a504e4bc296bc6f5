/**
 * Fairness of a binary classifier across the groups of a sensitive column: per group the
 * positive rate (the share predicted positive: the approval rate when the positive class is
 * "approve", the decline rate when it is "bad risk") and the true-positive rate, and the spread
 * between groups:
 *
 * - demographic parity difference = max - min positive rate over groups;
 * - equal opportunity difference = max - min true-positive rate over groups.
 *
 * Only groups with at least `minSize` rows take part (and, for equal opportunity, at least one
 * positive row); smaller ones are listed as too small. Both differences get a bootstrap
 * interval over resampled rows; a resample where a taking-part group has no rows (or no
 * positive rows) is left out. In gate rules they are `parity_difference` and
 * `equal_opportunity_difference` (lower is better; see `fairnessGateValues`).
 */
import type { MetricName } from "../project/schemas.js";
import type { BootstrapOptions, MetricEstimate } from "./bootstrap.js";
import { DEFAULT_BOOTSTRAP, forEachResample, percentileInterval } from "./bootstrap.js";
import { DEFAULT_THRESHOLD, checkBinaryTargets } from "./classification.js";
import type { MetricOptions, RowWeights } from "./metric-types.js";
import { checkLengths } from "./metric-types.js";
import type { FairnessMetricName } from "./metrics.js";
import type { GroupCodes } from "./slices.js";
import { computeSlice } from "./slices.js";

export interface FairnessOptions {
  /** Probability at or above which a row is predicted positive. Default 0.5. */
  threshold?: number;
  /** Groups with fewer rows are too small to take part. */
  minSize: number;
  bootstrap?: BootstrapOptions;
  /** Metrics to report per group (besides the rates). Default none. */
  metrics?: readonly MetricName[];
}

export interface FairnessGroup {
  group: string;
  rows: number;
  /** Rows whose actual class is positive. */
  positives: number;
  tooSmall: boolean;
  /** Share of the group's rows predicted positive; null when too small. */
  positiveRate: number | null;
  /** Share of the group's positive rows predicted positive; null when too small or without positives. */
  truePositiveRate: number | null;
  /** The requested metrics on the group's rows; null when too small or undefined. */
  metrics: Record<string, number | null>;
}

export interface FairnessResult {
  column: string;
  groups: FairnessGroup[];
  /** max - min positive rate over the groups taking part. */
  parityDifference: MetricEstimate;
  /** max - min true-positive rate over the groups taking part. */
  equalOpportunityDifference: MetricEstimate;
}

/** Weighted per-group counts, in one pass. */
function groupCounts(
  codes: Int32Array,
  groups: number,
  actual: Float64Array,
  predictedPositive: Uint8Array,
  w: RowWeights,
): { rows: Float64Array; selected: Float64Array; positives: Float64Array; truePositives: Float64Array } {
  const rows = new Float64Array(groups);
  const selected = new Float64Array(groups);
  const positives = new Float64Array(groups);
  const truePositives = new Float64Array(groups);
  for (let i = 0; i < codes.length; i++) {
    const g = codes[i]!;
    if (g < 0) continue;
    const wi = w === undefined ? 1 : w[i]!;
    const y = actual[i]!;
    const s = predictedPositive[i]!;
    rows[g]! += wi;
    selected[g]! += wi * s;
    positives[g]! += wi * y;
    truePositives[g]! += wi * y * s;
  }
  return { rows, selected, positives, truePositives };
}

/** max - min of num/den over the listed groups; NaN if any has den 0 or fewer than 2 groups. */
function spread(members: readonly number[], num: Float64Array, den: Float64Array): number {
  if (members.length < 2) return NaN;
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of members) {
    const d = den[g]!;
    if (d <= 0) return NaN;
    const r = num[g]! / d;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  return hi - lo;
}

/** Fairness across the groups of one sensitive column. */
export function computeFairness(
  codes: GroupCodes,
  actual: Float64Array,
  predicted: Float64Array,
  options: FairnessOptions,
): FairnessResult {
  checkLengths(actual, predicted);
  checkBinaryTargets(actual);
  if (codes.codes.length !== actual.length)
    throw new Error(
      `sensitive column ${codes.column} has ${codes.codes.length} group codes for ${actual.length} rows`,
    );
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const bootstrap = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  const k = codes.groups.length;
  const predictedPositive = Uint8Array.from(predicted, (p) => (p >= threshold ? 1 : 0));
  const full = groupCounts(codes.codes, k, actual, predictedPositive, undefined);

  const parityMembers: number[] = [];
  const opportunityMembers: number[] = [];
  for (let g = 0; g < k; g++) {
    if (full.rows[g]! < options.minSize) continue;
    parityMembers.push(g);
    if (full.positives[g]! > 0) opportunityMembers.push(g);
  }

  const metricNames = options.metrics ?? [];
  const metricOptions: MetricOptions = { threshold };
  const perGroup =
    metricNames.length > 0
      ? computeSlice(codes, actual, predicted, null, {
          metrics: metricNames,
          primary: metricNames[0]!,
          minSize: options.minSize,
          metricOptions,
          maxGroups: Infinity,
        }).groups
      : null;

  const groups: FairnessGroup[] = codes.groups.map((group, g) => {
    const rows = full.rows[g]!;
    const positives = full.positives[g]!;
    const tooSmall = rows < options.minSize;
    return {
      group,
      rows,
      positives,
      tooSmall,
      positiveRate: tooSmall || rows === 0 ? null : full.selected[g]! / rows,
      truePositiveRate: tooSmall || positives === 0 ? null : full.truePositives[g]! / positives,
      metrics: perGroup?.[g]?.metrics ?? {},
    };
  });

  const parity = spread(parityMembers, full.selected, full.rows);
  const opportunity = spread(opportunityMembers, full.truePositives, full.positives);
  const parityDraws = new Float64Array(bootstrap.samples);
  const opportunityDraws = new Float64Array(bootstrap.samples);
  if (!Number.isNaN(parity) || !Number.isNaN(opportunity))
    forEachResample(actual.length, bootstrap, (w, b) => {
      const c = groupCounts(codes.codes, k, actual, predictedPositive, w);
      parityDraws[b] = spread(parityMembers, c.selected, c.rows);
      opportunityDraws[b] = spread(opportunityMembers, c.truePositives, c.positives);
    });

  const estimate = (value: number, draws: Float64Array, why: string): MetricEstimate =>
    Number.isNaN(value)
      ? { value: null, ci: null, reason: why }
      : { value, ci: bootstrap.samples > 0 ? percentileInterval(draws, bootstrap.confidence) : null };
  const few = (n: number, what: string) =>
    `${n === 0 ? "no group" : "only one group"} of ${codes.column} has at least ${options.minSize} rows${what}, so there is nothing to compare`;
  return {
    column: codes.column,
    groups,
    parityDifference: estimate(parity, parityDraws, few(parityMembers.length, "")),
    equalOpportunityDifference: estimate(
      opportunity,
      opportunityDraws,
      few(opportunityMembers.length, " and a positive row"),
    ),
  };
}

/**
 * The fairness differences as gate values: `parity_difference:<column>` and
 * `equal_opportunity_difference:<column>` per sensitive column, and without a column the
 * largest over all columns (the worst), so "parity difference at most 0.1" holds for each.
 */
export function fairnessGateValues(
  results: readonly FairnessResult[],
): Record<string, { value: number | null; reason?: string }> {
  const out: Record<string, { value: number | null; reason?: string }> = {};
  const pairs: [FairnessMetricName, "parityDifference" | "equalOpportunityDifference"][] = [
    ["parity_difference", "parityDifference"],
    ["equal_opportunity_difference", "equalOpportunityDifference"],
  ];
  for (const [name, key] of pairs) {
    let worst: number | null = null;
    const reasons: string[] = [];
    for (const r of results) {
      const e = r[key];
      out[`${name}:${r.column}`] =
        e.reason === undefined ? { value: e.value } : { value: e.value, reason: e.reason };
      if (e.value === null) reasons.push(e.reason ?? `undefined for ${r.column}`);
      else if (worst === null || e.value > worst) worst = e.value;
    }
    out[name] =
      worst !== null
        ? { value: worst }
        : {
            value: null,
            reason: reasons.length > 0 ? reasons.join("; ") : "no sensitive column is named in the spec",
          };
  }
  return out;
}
