/**
 * Drift of one data set against another, from their profiles alone: the training profile
 * stored with the production version, and the new data's profile counted into the same bins.
 * Pure: profiles in, per-column findings and reasons out.
 */
import type { ColumnProfile, DataProfile } from "../data/profile-columns.js";
import {
  CHI2_MIN_EXPECTED,
  bonferroniAdjust,
  chiSquareHomogeneity,
  holmAdjust,
  ksTwoSample,
  populationStabilityIndex,
  psiNoiseLevel,
  type TestResult,
} from "./drift-statistics.js";
import type { ColumnDrift, DriftReason } from "../report/monitor-report-schema.js";
import type { MonitorThresholds } from "../project/monitor-thresholds.js";

/** A column the production model depends on, and how. */
export interface MonitoredColumn {
  name: string;
  role: "feature" | "target";
  /** Category levels the model knows (its one-hot levels); values outside are unseen. */
  levels?: readonly string[];
}

export interface CompareInput {
  training: DataProfile;
  /** Counted with the training histogram edges (`ProfileOptions.edges`). */
  current: DataProfile;
  columns: readonly MonitoredColumn[];
  thresholds: MonitorThresholds;
  /** The data spec's `checks.maxMissingShare`, when set: a column above it is a warning. */
  maxMissingShare?: number;
}

export interface ProfileComparison {
  columns: ColumnDrift[];
  reasons: DriftReason[];
  /** Tests counted by the correction. */
  tests: number;
}

/** Unseen category values listed per column; the rest are counted. */
const UNSEEN_LISTED = 50;
/** Unseen values given their own chi-square cell; the rest share one. */
const UNSEEN_CELLS = 20;

interface Pending {
  drift: ColumnDrift;
  test: TestResult | null;
  trainingN: number;
  currentN: number;
  /** Why the column is at least a warning whatever the tests say. */
  floor: DriftReason[];
}

/**
 * Compares every monitored column present in both profiles. A column's status is the PSI
 * level (ok / warn / alert by `psiWarn` and `psiAlert`) when its test (KS for numeric columns,
 * chi-square for categories and booleans) is significant after the correction, and ok
 * otherwise; so under no drift every status is ok except with probability at most `pValue`
 * (see README.md). Unseen categories and a missing share above the data spec's limit make a
 * column at least a warning; a column whose new values are all missing is a warning.
 */
export function compareProfiles(input: CompareInput): ProfileComparison {
  const { thresholds } = input;
  const trainingBy = new Map(input.training.columns.map((c) => [c.name, c] as const));
  const currentBy = new Map(input.current.columns.map((c) => [c.name, c] as const));
  const pending: Pending[] = [];
  for (const col of input.columns) {
    const t = trainingBy.get(col.name);
    const c = currentBy.get(col.name);
    if (t === undefined || c === undefined) continue;
    pending.push(compareColumn(col, t, c, input));
  }
  const raw = pending.map((p) => (p.test ? p.test.pValue : null));
  const adjusted = thresholds.correction === "bonferroni" ? bonferroniAdjust(raw) : holmAdjust(raw);
  const reasons: DriftReason[] = [];
  const columns = pending.map((p, k) => {
    const d = p.drift;
    if (p.test) {
      const adj = adjusted[k]!;
      d.test = {
        kind: p.test.test,
        statistic: p.test.statistic,
        pValue: p.test.pValue,
        adjustedPValue: adj,
        significant: adj < thresholds.pValue,
        method: p.test.method,
        ...(p.test.df !== undefined ? { df: p.test.df } : {}),
        ...("merged" in p.test ? { merged: (p.test as { merged: number }).merged } : {}),
        training: p.trainingN,
        current: p.currentN,
      };
    }
    if (d.status !== "skipped") decideStatus(d, thresholds);
    for (const f of p.floor) {
      if (d.status === "ok" || d.status === "skipped") d.status = "warn";
      reasons.push(f);
    }
    if ((d.status === "warn" || d.status === "alert") && d.psi !== null && d.test?.significant)
      reasons.push({ severity: d.status, kind: "drift", column: d.name, message: `${d.name}: ${d.note}` });
    return d;
  });
  return { columns, reasons, tests: raw.filter((p) => p !== null).length };
}

function psiLevel(psi: number, t: MonitorThresholds): "ok" | "warn" | "alert" {
  return psi >= t.psiAlert ? "alert" : psi >= t.psiWarn ? "warn" : "ok";
}

const fmt = (x: number) => (x === 0 ? "0" : Math.abs(x) >= 0.001 ? x.toFixed(3) : x.toExponential(1));

function decideStatus(d: ColumnDrift, t: MonitorThresholds): void {
  if (d.psi === null) {
    d.status = "skipped";
    return;
  }
  const level = psiLevel(d.psi, t);
  const psiText = `PSI ${fmt(d.psi)}`;
  const test = d.test;
  if (test === null) {
    // Nothing to test (one category on both sides, say): the PSI alone decides.
    d.status = level;
    d.note = `${psiText}; no test possible on these values`;
    return;
  }
  const testText = `${test.kind === "ks" ? `KS D ${fmt(test.statistic)}` : `chi² ${fmt(test.statistic)}`}, adjusted p ${fmt(test.adjustedPValue)}`;
  if (!test.significant) {
    d.status = "ok";
    d.note =
      level === "ok"
        ? `${psiText}, ${testText}: no significant shift`
        : `${psiText} is above the ${level === "alert" ? "alert" : "warning"} level, but with ${test.current} new values the shift is not significant (${testText})`;
    return;
  }
  d.status = level;
  d.note =
    level === "ok"
      ? `${psiText}, ${testText}: a significant but small shift`
      : `${psiText} (${level === "alert" ? `at least ${t.psiAlert}` : `at least ${t.psiWarn}`}), ${testText}`;
}

function summary(p: ColumnProfile): ColumnDrift["training"] {
  return {
    count: p.count,
    missing: p.missing,
    ...(p.stats ? { mean: p.stats.mean, std: p.stats.std, min: p.stats.min, max: p.stats.max } : {}),
  };
}

const NUMERIC = new Set(["number", "integer", "date"]);
const COUNTED = new Set(["category", "boolean"]);

function compareColumn(
  col: MonitoredColumn,
  t: ColumnProfile,
  c: ColumnProfile,
  input: CompareInput,
): Pending {
  const drift: ColumnDrift = {
    name: col.name,
    role: col.role,
    type: c.type,
    status: "ok",
    psi: null,
    psiNoise: null,
    test: null,
    training: summary(t),
    current: summary(c),
    bins: [],
    unseen: [],
    unseenOmitted: 0,
    note: "",
  };
  const pending: Pending = { drift, test: null, trainingN: 0, currentN: 0, floor: [] };
  const skip = (note: string) => {
    drift.status = "skipped";
    drift.note = note;
    return pending;
  };
  const total = c.count + c.missing;
  const share = total > 0 ? c.missing / total : 0;
  if (input.maxMissingShare !== undefined && share > input.maxMissingShare)
    pending.floor.push({
      severity: "warn",
      kind: "missing_share",
      column: col.name,
      message: `${col.name}: ${percent(share)} of the new values are missing, more than the data spec's maxMissingShare (${percent(input.maxMissingShare)}); ${percent(t.missing / Math.max(1, t.count + t.missing))} in training`,
    });
  const family = (type: string) => (NUMERIC.has(type) ? "numeric" : COUNTED.has(type) ? "counted" : type);
  if (family(t.type) !== family(c.type)) {
    pending.floor.push({
      severity: "warn",
      kind: "type_changed",
      column: col.name,
      message: `${col.name} was ${t.type} in training and is ${c.type} in the data spec now; it is not compared`,
    });
    return skip(`type changed from ${t.type} to ${c.type}`);
  }
  if (c.type === "string") return skip("string columns are not compared");
  if (c.count === 0) {
    pending.floor.push({
      severity: "warn",
      kind: "all_missing",
      column: col.name,
      message: `${col.name}: every one of the ${c.missing} new values is missing`,
    });
    return skip("every new value is missing");
  }
  if (t.count === 0) return skip("the training data had no values");
  return NUMERIC.has(c.type) ? compareNumeric(pending, t, c) : compareCounted(pending, col, t, c);
}

function compareNumeric(pending: Pending, t: ColumnProfile, c: ColumnProfile): Pending {
  const drift = pending.drift;
  const th = t.histogram;
  const ch = c.histogram;
  if (!th || !ch || th.edges.length !== ch.edges.length || th.edges.some((e, i) => e !== ch.edges[i])) {
    drift.status = "skipped";
    drift.note = "the new values were not counted into the training bins";
    return pending;
  }
  const psi = populationStabilityIndex(th.counts, ch.counts);
  drift.psi = psi?.value ?? null;
  const occupied = th.counts.filter((n, i) => n + ch.counts[i]! > 0).length;
  drift.psiNoise = psiNoiseLevel(occupied, t.count, c.count);
  drift.bins = binShares(th.counts, ch.counts, numericLabels(th.edges, t.type));
  const a = t.sample?.values ?? [];
  const b = c.sample?.values ?? [];
  pending.test = ksTwoSample(a, b);
  pending.trainingN = a.length;
  pending.currentN = b.length;
  return pending;
}

function compareCounted(pending: Pending, col: MonitoredColumn, t: ColumnProfile, c: ColumnProfile): Pending {
  const drift = pending.drift;
  const tc = t.categories!;
  const cc = c.categories!;
  const listed = new Map(tc.top.map((e) => [e.value, e.count] as const));
  const complete = tc.other === 0 && tc.distinctExact;
  const known = col.levels ? new Set(col.levels) : null;
  const currentCounts = new Map(cc.top.map((e) => [e.value, e.count] as const));

  const labels: string[] = [];
  const trainingCells: number[] = [];
  const currentCells: number[] = [];
  for (const [value, n] of listed) {
    labels.push(value);
    trainingCells.push(n);
    currentCells.push(currentCounts.get(value) ?? 0);
  }
  // New values not listed in training: unseen when we know every value the model saw,
  // otherwise they may hide in training's "other" count.
  let otherCurrent = cc.other;
  const unseen: { value: string; count: number }[] = [];
  for (const [value, n] of currentCounts) {
    if (listed.has(value)) {
      if (known && !known.has(value)) unseen.push({ value, count: n });
      continue;
    }
    if (complete || (known && !known.has(value))) unseen.push({ value, count: n });
    else otherCurrent += n;
  }
  unseen.sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : 1));
  if (tc.other > 0 || otherCurrent > 0) {
    labels.push("(other)");
    trainingCells.push(tc.other);
    currentCells.push(otherCurrent);
  }
  const own = unseen.filter((u) => !listed.has(u.value));
  own.slice(0, UNSEEN_CELLS).forEach((u) => {
    labels.push(u.value);
    trainingCells.push(0);
    currentCells.push(u.count);
  });
  const rest = own.slice(UNSEEN_CELLS).reduce((s, u) => s + u.count, 0);
  if (rest > 0) {
    labels.push("(other unseen)");
    trainingCells.push(0);
    currentCells.push(rest);
  }
  const psi = populationStabilityIndex(trainingCells, currentCells);
  drift.psi = psi?.value ?? null;
  const occupied = trainingCells.filter((n, i) => n + currentCells[i]! > 0).length;
  drift.psiNoise = psiNoiseLevel(occupied, t.count, c.count);
  drift.bins = binShares(trainingCells, currentCells, labels).slice(0, 120);
  pending.test = chiSquareHomogeneity(trainingCells, currentCells, CHI2_MIN_EXPECTED);
  pending.trainingN = t.count;
  pending.currentN = c.count;
  drift.unseen = unseen.slice(0, UNSEEN_LISTED);
  drift.unseenOmitted = Math.max(0, unseen.length - UNSEEN_LISTED);
  if (unseen.length > 0) {
    const n = unseen.reduce((s, u) => s + u.count, 0);
    const shown = unseen
      .slice(0, 5)
      .map((u) => `"${u.value}"`)
      .join(", ");
    pending.floor.push({
      severity: "warn",
      kind: "unseen_category",
      column: col.name,
      message: `${col.name}: ${unseen.length} ${unseen.length === 1 ? "value" : "values"} the production model never saw (${shown}${unseen.length > 5 ? ", …" : ""}) in ${n} of ${c.count} new rows${col.role === "feature" ? "; the model scores them as missing" : ""}`,
    });
  }
  return pending;
}

function binShares(training: readonly number[], current: readonly number[], labels: readonly string[]) {
  const nt = training.reduce((s, n) => s + n, 0);
  const nc = current.reduce((s, n) => s + n, 0);
  return labels.map((label, i) => ({
    label,
    training: nt > 0 ? training[i]! / nt : 0,
    current: nc > 0 ? current[i]! / nc : 0,
  }));
}

/** Labels of the histogram's counts: below the first edge, each bin, above the last edge. */
function numericLabels(edges: readonly number[], type: string): string[] {
  const show = (v: number) =>
    type === "date" ? new Date(v).toISOString().slice(0, 10) : String(Number(v.toPrecision(4)));
  const k = edges.length - 1;
  const labels = [`< ${show(edges[0]!)}`];
  for (let i = 1; i <= k; i++)
    labels.push(`${show(edges[i - 1]!)} to ${i === k ? "≤" : "<"} ${show(edges[i]!)}`);
  labels.push(`> ${show(edges[k]!)}`);
  return labels;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}
