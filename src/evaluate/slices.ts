/**
 * Per-slice metrics: the test rows cut by the groups of one column (a category, or numeric bins
 * the spec gives), each group evaluated on its own, the worst group flagged by the primary
 * metric's direction. Groups smaller than the spec's `minSliceSize` are reported as too small,
 * without metric values, rather than as noise.
 */
import type { MetricName } from "../project/schemas.js";
import type { MetricOptions } from "./metric-types.js";
import { checkLengths } from "./metric-types.js";
import { metricDefinition } from "./metrics.js";

/** Each test row's group in one column, as an index into `groups`; a negative code is no group. */
export interface GroupCodes {
  column: string;
  groups: readonly string[];
  codes: Int32Array;
}

export interface SliceOptions {
  metrics: readonly MetricName[];
  /** The metric that decides which group is worst. */
  primary: MetricName;
  /** Groups with fewer rows are too small: counted, not evaluated. */
  minSize: number;
  metricOptions?: MetricOptions;
  /** At most this many groups are listed (the largest, and always the worst); default 200. */
  maxGroups?: number;
}

export interface SliceGroup {
  group: string;
  rows: number;
  tooSmall: boolean;
  /** The group with the worst primary metric, among at least two evaluated groups. */
  worst: boolean;
  /** The challenger's metrics on the group's rows; null when too small or undefined. */
  metrics: Record<string, number | null>;
  /** The champion's metrics on the same rows; null without a champion. */
  champion: Record<string, number | null> | null;
}

/** The groups of one slice column; shaped like report.json's `slices[]`. */
export interface SliceResult {
  column: string;
  groups: SliceGroup[];
  /** Groups left out of `groups` by `maxGroups`. */
  omittedGroups: number;
}

/** Row indices of each group (counting sort: one pass to count, one to place). */
export function rowsByGroup(codes: Int32Array, groups: number): Uint32Array[] {
  const counts = new Uint32Array(groups);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c >= groups) throw new Error(`group code ${c} of row ${i} has no group (there are ${groups})`);
    if (c >= 0) counts[c]! += 1;
  }
  const out = Array.from(counts, (n) => new Uint32Array(n));
  const fill = new Uint32Array(groups);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c >= 0) out[c]![fill[c]!++] = i;
  }
  return out;
}

/** The values at `rows`, copied (slices are evaluated once, so copying is cheaper than weights). */
export function pick(values: Float64Array, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = values[rows[k]!]!;
  return out;
}

function metricsOn(
  names: readonly MetricName[],
  actual: Float64Array,
  predicted: Float64Array,
  options?: MetricOptions,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const name of names) {
    const v = metricDefinition(name).prepare(actual, predicted, options)();
    out[name] = Number.isNaN(v) ? null : v;
  }
  return out;
}

const nulls = (names: readonly MetricName[]) => Object.fromEntries(names.map((n) => [n, null]));

/**
 * Metrics per group of one slice column, for the challenger and (when given, on the same rows)
 * the champion. Groups keep the order of `codes.groups`.
 */
export function computeSlice(
  codes: GroupCodes,
  actual: Float64Array,
  challenger: Float64Array,
  champion: Float64Array | null,
  options: SliceOptions,
): SliceResult {
  checkLengths(actual, challenger);
  if (champion) checkLengths(actual, champion);
  if (codes.codes.length !== actual.length)
    throw new Error(`slice ${codes.column} has ${codes.codes.length} group codes for ${actual.length} rows`);
  const metrics = options.metrics.includes(options.primary)
    ? options.metrics
    : [options.primary, ...options.metrics];
  const members = rowsByGroup(codes.codes, codes.groups.length);
  const groups: SliceGroup[] = codes.groups.map((group, g) => {
    const rows = members[g]!;
    const tooSmall = rows.length < options.minSize;
    if (tooSmall)
      return {
        group,
        rows: rows.length,
        tooSmall,
        worst: false,
        metrics: nulls(metrics),
        champion: champion ? nulls(metrics) : null,
      };
    const a = pick(actual, rows);
    return {
      group,
      rows: rows.length,
      tooSmall,
      worst: false,
      metrics: metricsOn(metrics, a, pick(challenger, rows), options.metricOptions),
      champion: champion ? metricsOn(metrics, a, pick(champion, rows), options.metricOptions) : null,
    };
  });

  const higherIsBetter = metricDefinition(options.primary).higherIsBetter;
  let worst = -1;
  let evaluated = 0;
  groups.forEach((g, k) => {
    const v = g.metrics[options.primary];
    if (v === null || v === undefined) return;
    evaluated++;
    const current = worst < 0 ? null : groups[worst]!.metrics[options.primary]!;
    if (current === null || (higherIsBetter ? v < current : v > current)) worst = k;
  });
  if (evaluated >= 2 && worst >= 0) groups[worst]!.worst = true;

  const max = options.maxGroups ?? 200;
  if (groups.length <= max) return { column: codes.column, groups, omittedGroups: 0 };
  // Keep the worst and the largest others, in their original order.
  const ranked = groups
    .map((g, k) => ({ g, k }))
    .sort((x, y) => Number(y.g.worst) - Number(x.g.worst) || y.g.rows - x.g.rows || x.k - y.k)
    .slice(0, max)
    .sort((x, y) => x.k - y.k);
  return { column: codes.column, groups: ranked.map((r) => r.g), omittedGroups: groups.length - max };
}
