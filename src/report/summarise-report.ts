/**
 * Levels of detail of a rendered report, and the summary of one model at a level: the lists a
 * page shows (warnings, gate rules, slices and their groups, fairness groups, data columns) cut
 * to the level's sizes, with a line for each cut saying what was left out. report.json always
 * keeps everything; a rendered page says so where it leaves something out.
 */
import type { ModelReport } from "./report-schema.js";

/** How much of each list a rendered model shows at most. */
export interface ReportDetail {
  warnings: number;
  /** Gate rules; failed ones are always shown. */
  gateRules: number;
  /** Slice columns charted. */
  slices: number;
  /** Groups per slice chart (the worst is always among them). */
  sliceGroups: number;
  fairnessColumns: number;
  fairnessGroups: number;
  /** Rows of the coefficient table (the largest contributions first). */
  terms: number;
  /** Rows of the data column table. */
  columns: number;
  /** Search trials listed (best first; the chosen one always). */
  trials: number;
  /** Points per series of a scatter chart. */
  points: number;
}

/** Everything: the page as it renders without a size limit. */
export const FULL_DETAIL: ReportDetail = {
  warnings: Infinity,
  gateRules: Infinity,
  slices: Infinity,
  sliceGroups: Infinity,
  fairnessColumns: Infinity,
  fairnessGroups: Infinity,
  terms: Infinity,
  columns: Infinity,
  trials: Infinity,
  points: Infinity,
};

/**
 * The levels a bounded page tries in turn, from everything to the headline of each model (its
 * verdict, metric table, failed rules and a few warnings).
 */
export const DETAIL_LEVELS: readonly ReportDetail[] = [
  FULL_DETAIL,
  {
    warnings: 50,
    gateRules: 100,
    slices: 20,
    sliceGroups: 30,
    fairnessColumns: 10,
    fairnessGroups: 50,
    terms: 100,
    columns: 100,
    trials: 50,
    points: 2000,
  },
  {
    warnings: 20,
    gateRules: 50,
    slices: 10,
    sliceGroups: 20,
    fairnessColumns: 5,
    fairnessGroups: 20,
    terms: 40,
    columns: 40,
    trials: 20,
    points: 500,
  },
  {
    warnings: 10,
    gateRules: 20,
    slices: 4,
    sliceGroups: 12,
    fairnessColumns: 3,
    fairnessGroups: 10,
    terms: 15,
    columns: 15,
    trials: 10,
    points: 200,
  },
  {
    warnings: 5,
    gateRules: 10,
    slices: 0,
    sliceGroups: 0,
    fairnessColumns: 0,
    fairnessGroups: 0,
    terms: 0,
    columns: 0,
    trials: 0,
    points: 0,
  },
];

/** A model cut to a level of detail, and one line per list that was cut. */
export interface SummarisedModel {
  model: ModelReport;
  /** What was cut, with counts ("12 slice columns"). */
  leftOut: string[];
  /** The same without counts ("slice columns"), for a note over several models. */
  kinds: string[];
}

/**
 * Cuts the lists of one model to `detail`. Trials and coefficient terms are not cut here (their
 * renderers cut them, keeping trial numbers and the largest contributions): see `detail.trials`
 * and `detail.terms`. Returns the model itself, unchanged, when nothing is cut.
 */
export function summariseModel(m: ModelReport, detail: ReportDetail): SummarisedModel {
  const leftOut: string[] = [];
  const kinds: string[] = [];
  const cut = (n: number, word: string, kind = `${word}s`, text = count(n, word)) => {
    leftOut.push(text);
    kinds.push(kind);
  };
  const out: ModelReport = { ...m };
  if (m.warnings.length > detail.warnings) {
    out.warnings = m.warnings.slice(0, detail.warnings);
    cut(m.warnings.length - detail.warnings, "warning");
  }
  if (m.gate.checks.length > detail.gateRules) {
    let passing = 0;
    const kept = m.gate.checks.filter((c) => c.status === "fail" || passing++ < detail.gateRules);
    out.gate = { ...m.gate, checks: kept };
    const n = m.gate.checks.length - kept.length;
    cut(n, "gate rule", "gate rules that did not fail", `${count(n, "gate rule")} that did not fail`);
  }
  if (m.slices.length > detail.slices) {
    out.slices = m.slices.slice(0, detail.slices);
    cut(m.slices.length - detail.slices, "slice column");
  }
  let cutGroups = 0;
  out.slices = out.slices.map((s) => {
    if (s.groups.length <= detail.sliceGroups) return s;
    // The worst group, then the largest, as the chart picks them; kept in their order.
    const keep = new Set(
      s.groups
        .map((g, k) => ({ g, k }))
        .sort((x, y) => Number(y.g.worst) - Number(x.g.worst) || y.g.rows - x.g.rows || x.k - y.k)
        .slice(0, detail.sliceGroups)
        .map((x) => x.k),
    );
    cutGroups += s.groups.length - keep.size;
    return {
      ...s,
      groups: s.groups.filter((_, k) => keep.has(k)),
      omittedGroups: s.omittedGroups + s.groups.length - keep.size,
    };
  });
  if (cutGroups > 0)
    cut(
      cutGroups,
      "slice group",
      "slice groups beyond the worst and largest",
      `${count(cutGroups, "slice group")} beyond the worst and largest`,
    );
  if (m.fairness && m.fairness.length > 0) {
    let fairness = m.fairness;
    if (fairness.length > detail.fairnessColumns) {
      cut(fairness.length - detail.fairnessColumns, "fairness column");
      fairness = fairness.slice(0, detail.fairnessColumns);
    }
    let cutGroups = 0;
    fairness = fairness.map((f) => {
      if (f.groups.length <= detail.fairnessGroups) return f;
      cutGroups += f.groups.length - detail.fairnessGroups;
      const keep = new Set(
        f.groups
          .map((g, k) => ({ g, k }))
          .sort((x, y) => y.g.rows - x.g.rows || x.k - y.k)
          .slice(0, detail.fairnessGroups)
          .map((x) => x.k),
      );
      return { ...f, groups: f.groups.filter((_, k) => keep.has(k)) };
    });
    if (cutGroups > 0)
      cut(
        cutGroups,
        "fairness group",
        "fairness groups beyond the largest",
        `${count(cutGroups, "fairness group")} beyond the largest`,
      );
    out.fairness = fairness;
  }
  if (m.data.columns.length > detail.columns) {
    out.data = { ...m.data, columns: m.data.columns.slice(0, detail.columns) };
    const n = m.data.columns.length - detail.columns;
    cut(n, "data column", "data column profiles", `the profile of ${count(n, "data column")}`);
  }
  // What changed in the data: its column table (worst first) is cut like the data columns.
  if (m.dataChange && m.dataChange.columns.length > detail.columns) {
    out.dataChange = { ...m.dataChange, columns: m.dataChange.columns.slice(0, detail.columns) };
    const n = m.dataChange.columns.length - detail.columns;
    cut(n, "changed-data column", "columns of the data change", `the data change of ${count(n, "column")}`);
  }
  if (m.search && m.search.trials.length > detail.trials) {
    cut(m.search.trials.length - detail.trials, "search trial");
    if (detail.trials === 0) out.search = null;
  }
  const terms = m.challenger.coefficients.length;
  if (terms > detail.terms) cut(terms - detail.terms, "coefficient");
  return { model: leftOut.length === 0 ? m : out, leftOut, kinds };
}

function count(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}
