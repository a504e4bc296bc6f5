/**
 * What changed in the data between the champion's training data and a pull request's: rows added
 * and removed (from the profiles' row sketches), columns added and dropped, each shared column's
 * drift (the monitor's PSI and tests, `compareProfiles`), new category values, and the target's
 * distribution before and after. Pure: profiles in, report.json's `dataChange` out.
 */
import type { ColumnProfile, DataProfile } from "../data/profile-columns.js";
import { basisDiffers, compareRowHashes } from "../data/row-hash-sketch.js";
import type { MonitorThresholds } from "../project/monitor-thresholds.js";
import type { ColumnChangeJson, DataChangeJson, TargetChangeJson } from "../report/data-change-schema.js";
import type { ColumnDrift } from "../report/monitor-report-schema.js";
import { compareProfiles } from "./compare-profiles.js";

export interface DataChangeInput {
  /** The profile stored in the champion's model file. */
  training: DataProfile;
  /** This run's profile of its data. */
  current: DataProfile;
  /**
   * This run's numeric columns counted into the training histogram's edges (a profile of those
   * columns; others may be absent). Without it a numeric column is compared only when the two
   * profiles' edges agree (edges from the spec's min and max).
   */
  binned?: DataProfile;
  target: string;
  /** The model's features. */
  features: readonly string[];
  thresholds: MonitorThresholds;
  champion: { version: number; specHash: string | null; dataHash: string | null };
  /** This run's spec hash and data hash. */
  specHash: string;
  dataHash: string;
}

/** New values listed per column. */
const NEW_VALUES_LISTED = 20;
const STATUS_ORDER = { alert: 0, warn: 1, ok: 2, skipped: 3 } as const;

/**
 * Compares this run's data with the champion's training data, from their profiles alone.
 * A column's status follows the monitor's rule (README.md): graded by PSI when its test is
 * significant after Holm's (or Bonferroni's) correction over all compared columns.
 */
export function compareData(input: DataChangeInput): DataChangeJson {
  const { training, current, target } = input;
  const trainingNames = new Set(training.columns.map((c) => c.name));
  const currentNames = new Set(current.columns.map((c) => c.name));
  const shared = current.columns.filter((c) => trainingNames.has(c.name));
  const features = new Set(input.features);

  const comparison = compareProfiles({
    training,
    current: withTrainingBins(current, training, input.binned),
    columns: shared.map((c) => ({ name: c.name, role: c.name === target ? "target" : "feature" })),
    thresholds: input.thresholds,
  });
  const columns: ColumnChangeJson[] = comparison.columns
    .map((d) => columnChange(d, d.name === target ? "target" : features.has(d.name) ? "feature" : "other"))
    .sort(
      (a, b) =>
        STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
        (b.psi ?? -1) - (a.psi ?? -1) ||
        (a.name < b.name ? -1 : 1),
    );
  const newCategories = comparison.columns
    .filter((d) => d.unseen.length > 0)
    .map((d) => ({
      column: d.name,
      values: d.unseen.slice(0, NEW_VALUES_LISTED),
      omitted: d.unseenOmitted + Math.max(0, d.unseen.length - NEW_VALUES_LISTED),
    }));

  const rows = rowChange(training, current);
  const changed = input.champion.dataHash !== input.dataHash;
  return {
    champion: { version: input.champion.version, dataHash: input.champion.dataHash, rows: training.rows },
    current: { dataHash: input.dataHash, rows: current.rows },
    changed,
    dataOnly: changed && input.champion.specHash === input.specHash,
    ...rows,
    columnsAdded: current.columns.filter((c) => !trainingNames.has(c.name)).map((c) => c.name),
    columnsDropped: training.columns.filter((c) => !currentNames.has(c.name)).map((c) => c.name),
    columns,
    newCategories: newCategories.slice(0, 100),
    target: targetChange(
      training.columns.find((c) => c.name === target),
      current.columns.find((c) => c.name === target),
    ),
  };
}

/** `current` with each numeric column's histogram taken from `binned` where its edges are training's. */
function withTrainingBins(current: DataProfile, training: DataProfile, binned?: DataProfile): DataProfile {
  if (binned === undefined) return current;
  const edgesOf = new Map(training.columns.map((c) => [c.name, c.histogram?.edges] as const));
  const binnedOf = new Map(binned.columns.map((c) => [c.name, c.histogram] as const));
  return {
    ...current,
    columns: current.columns.map((c) => {
      const edges = edgesOf.get(c.name);
      const h = binnedOf.get(c.name);
      if (edges === undefined || h === undefined) return c;
      const same = h.edges.length === edges.length && h.edges.every((e, i) => e === edges[i]);
      return same ? { ...c, histogram: h } : c;
    }),
  };
}

function columnChange(d: ColumnDrift, role: ColumnChangeJson["role"]): ColumnChangeJson {
  const side = (s: ColumnDrift["training"]) => ({
    missing: s.missing,
    ...(s.mean !== undefined ? { mean: s.mean } : {}),
  });
  return {
    name: d.name,
    role,
    type: d.type,
    status: d.status,
    psi: d.psi,
    test: d.test?.kind ?? null,
    adjustedPValue: d.test?.adjustedPValue ?? null,
    before: side(d.training),
    after: side(d.current),
    note: d.note,
  };
}

function rowChange(training: DataProfile, current: DataProfile): Pick<DataChangeJson, "rows" | "rowsNote"> {
  const a = training.rowHashes;
  const b = current.rowHashes;
  if (a === undefined)
    return {
      rows: null,
      rowsNote: "the champion's model file keeps no row sketch (it was trained by an earlier modelgate)",
    };
  if (b === undefined) return { rows: null, rowsNote: "this run's data has no row sketch" };
  const differs = basisDiffers(a, b);
  if (differs !== null) return { rows: null, rowsNote: `rows cannot be matched: ${differs}` };
  const change = compareRowHashes({ sketch: a, rows: training.rows }, { sketch: b, rows: current.rows });
  return { rows: { by: b.by, ...change } };
}

function targetChange(t: ColumnProfile | undefined, c: ColumnProfile | undefined): TargetChangeJson | null {
  if (t === undefined || c === undefined) return null;
  const side = (p: ColumnProfile) => ({
    count: p.count,
    mean: p.type === "boolean" || p.stats === undefined ? null : p.stats.mean,
    std: p.type === "boolean" || p.stats === undefined ? null : p.stats.std,
  });
  const shares: TargetChangeJson["shares"] = [];
  if (t.categories && c.categories) {
    const before = new Map(t.categories.top.map((e) => [e.value, e.count] as const));
    const after = new Map(c.categories.top.map((e) => [e.value, e.count] as const));
    const values = [...new Set([...before.keys(), ...after.keys()])];
    for (const value of values.slice(0, 50))
      shares.push({
        value,
        before: t.count > 0 ? (before.get(value) ?? 0) / t.count : 0,
        after: c.count > 0 ? (after.get(value) ?? 0) / c.count : 0,
      });
  }
  return { name: c.name, before: side(t), after: side(c), shares };
}
