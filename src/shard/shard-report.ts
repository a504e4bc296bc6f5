/**
 * The merge of round two: the shards' sums added up, and the model's part of report.json built
 * from them exactly as evaluate-model.ts builds it from the scored rows (regression metrics are
 * functions of sums and maxima over rows, and so are their bootstrap resamples).
 */
import { canonicalJson } from "../canonical-json.js";
import { decideGate } from "../compare/decide-gate.js";
import {
  pairedDifference,
  percentileInterval,
  type MetricEstimate,
  type PairedDifference,
} from "../evaluate/bootstrap.js";
import { DEFAULT_MAPE_EPSILON } from "../evaluate/metric-types.js";
import { defaultMetrics, metricDefinition } from "../evaluate/metrics.js";
import type { SliceGroup, SliceResult } from "../evaluate/slices.js";
import { InputError } from "../errors.js";
import type { Registry } from "../registry/registry-document.js";
import { renderHtml } from "../report/render-html.js";
import { renderMarkdown } from "../report/render-markdown.js";
import type { ModelReport, Report } from "../report/report-schema.js";
import type { LoadedModel } from "../project/load-project.js";
import type { MetricName } from "../project/schemas.js";
import { MissingFeaturesError } from "../model/pipeline.js";
import { parseModelFile, type ModelFile } from "../model/model-file.js";
import { makeScorer } from "../model/builtin-model.js";
import type { Champion } from "../model/load-model.js";
import { assembleModelReport } from "../run/assemble-report.js";
import { dataChangeOf } from "../run/data-change.js";
import { metricHistory } from "../run/report-files.js";
import { checkPartials, type ScorePlan } from "./shard-fit.js";
import {
  ABS,
  addSums,
  CENTRED,
  CENTRED_SQ,
  CHAMPION,
  CHANNELS,
  KEPT,
  REL,
  SHARD_SCORE_FORMAT,
  SQ,
  type RowSums,
  type ScorePartial,
} from "./shard-score.js";

/** A metric from row sums: `model` 0 the challenger, 1 the champion. NaN where undefined. */
function metricOf(
  name: MetricName,
  s: ArrayLike<number>,
  max: number | null,
  total: number,
  model: 0 | 1,
  c: number,
): number {
  const at = model === 0 ? 0 : CHAMPION;
  switch (name) {
    case "rmse":
      return total > 0 ? Math.sqrt(s[at + SQ]! / total) : NaN;
    case "mae":
      return total > 0 ? s[at + ABS]! / total : NaN;
    case "mape":
      return s[KEPT]! > 0 ? s[at + REL]! / s[KEPT]! : NaN;
    case "max_error":
      return max === null ? NaN : max;
    case "r2": {
      if (total <= 0) return NaN;
      const ssTot = s[CENTRED_SQ]! - (s[CENTRED]! * s[CENTRED]!) / total;
      const sumA2 = s[CENTRED_SQ]! + 2 * c * s[CENTRED]! + c * c * total;
      if (!(ssTot > 1e-24 * sumA2)) return NaN;
      return 1 - s[at + SQ]! / ssTot;
    }
    default:
      throw new InputError({
        file: "",
        message: `metric ${name} is not available in a sharded run (regression metrics are)`,
      });
  }
}

/** The notes evaluate-model's metrics attach (metrics.ts `explain`), from the sums. */
function noteOf(name: MetricName, s: RowSums, value: number): Pick<MetricEstimate, "excluded" | "reason"> {
  if (s.rows === 0) return { reason: "there are no rows to evaluate" };
  if (name === "r2" && Number.isNaN(value))
    return { reason: "every actual value is the same, so there is no variance to explain" };
  if (name === "mape") {
    const excluded = s.rows - s.sums[KEPT]!;
    const note: Pick<MetricEstimate, "excluded" | "reason"> = excluded > 0 ? { excluded } : {};
    if (s.sums[KEPT] === 0)
      note.reason = `every actual value is within ${DEFAULT_MAPE_EPSILON} of zero, so a percentage error is undefined`;
    return note;
  }
  return {};
}

interface Merged {
  point: RowSums;
  sums: Float64Array;
  maxima: (number | null)[];
  totals: Float64Array;
  samples: number;
}

function draws(merged: Merged, name: MetricName, model: 0 | 1, c: number): Float64Array {
  const out = new Float64Array(merged.samples);
  for (let b = 0; b < merged.samples; b++)
    out[b] = metricOf(
      name,
      merged.sums.subarray(b * CHANNELS, (b + 1) * CHANNELS),
      merged.maxima[2 * b + model] ?? null,
      merged.totals[b]!,
      model,
      c,
    );
  return out;
}

function estimates(
  names: readonly MetricName[],
  merged: Merged,
  model: 0 | 1,
  c: number,
  confidence: number,
): Record<string, MetricEstimate> {
  const out: Record<string, MetricEstimate> = {};
  for (const name of names) {
    const value = metricOf(name, merged.point.sums, merged.point.maxima[model], merged.point.rows, model, c);
    const estimate: MetricEstimate = {
      value: Number.isNaN(value) ? null : value,
      ci: null,
      ...noteOf(name, merged.point, value),
    };
    if (estimate.value === null) estimate.reason ??= "the metric is undefined on these rows";
    else
      estimate.ci = merged.samples > 0 ? percentileInterval(draws(merged, name, model, c), confidence) : null;
    out[name] = estimate;
  }
  return out;
}

function differencesOf(
  names: readonly MetricName[],
  merged: Merged,
  c: number,
  confidence: number,
): Record<string, PairedDifference> {
  const out: Record<string, PairedDifference> = {};
  for (const name of names) {
    const c0 = metricOf(name, merged.point.sums, merged.point.maxima[1], merged.point.rows, 1, c);
    const c1 = metricOf(name, merged.point.sums, merged.point.maxima[0], merged.point.rows, 0, c);
    const sampled = merged.samples > 0 && !Number.isNaN(c0) && !Number.isNaN(c1);
    out[name] = pairedDifference(
      c0,
      c1,
      sampled ? { champion: draws(merged, name, 1, c), challenger: draws(merged, name, 0, c) } : undefined,
      confidence,
    );
  }
  return out;
}

/** computeSlice over merged group sums (same order, same worst, same cut at 200 groups). */
function sliceOf(
  column: string,
  groups: { group: string; sums: RowSums }[],
  metrics: readonly MetricName[],
  primary: MetricName,
  minSize: number,
  withChampion: boolean,
  c: number,
): SliceResult {
  const nulls = () => Object.fromEntries(metrics.map((n) => [n, null]));
  const on = (s: RowSums, model: 0 | 1) =>
    Object.fromEntries(
      metrics.map((n) => {
        const v = metricOf(n, s.sums, s.maxima[model], s.rows, model, c);
        return [n, Number.isNaN(v) ? null : v];
      }),
    );
  const list: SliceGroup[] = groups.map(({ group, sums }) => {
    const tooSmall = sums.rows < minSize;
    return {
      group,
      rows: sums.rows,
      tooSmall,
      worst: false,
      metrics: tooSmall ? nulls() : on(sums, 0),
      champion: withChampion ? (tooSmall ? nulls() : on(sums, 1)) : null,
    };
  });
  const higherIsBetter = metricDefinition(primary).higherIsBetter;
  let worst = -1;
  let evaluated = 0;
  list.forEach((g, k) => {
    const v = g.metrics[primary];
    if (v === null || v === undefined) return;
    evaluated++;
    const current = worst < 0 ? null : list[worst]!.metrics[primary]!;
    if (current === null || (higherIsBetter ? v < current : v > current)) worst = k;
  });
  if (evaluated >= 2 && worst >= 0) list[worst]!.worst = true;
  const max = 200;
  if (list.length <= max) return { column, groups: list, omittedGroups: 0 };
  const ranked = list
    .map((g, k) => ({ g, k }))
    .sort((x, y) => Number(y.g.worst) - Number(x.g.worst) || y.g.rows - x.g.rows || x.k - y.k)
    .slice(0, max)
    .sort((x, y) => x.k - y.k);
  return { column, groups: ranked.map((r) => r.g), omittedGroups: list.length - max };
}

/** What the merge of round two gives per model: its report part and its model file. */
export interface MergedModel {
  report: ModelReport;
  model: ModelFile;
  modelText: string;
}

/** Adds up the shards' scoring sums and finishes the evaluation of one model. */
export function mergeScores(
  m: LoadedModel,
  plan: ScorePlan,
  partials: readonly { file: string; value: ScorePartial }[],
  options: { root: string; champion: Champion | null; planFile: string },
): MergedModel {
  const shards = checkPartials(m, partials, SHARD_SCORE_FORMAT);
  if (shards.some((s) => s.modelSha256 !== plan.modelSha256))
    throw new InputError({
      file: options.planFile,
      message: "a shard of round two scored another model than the plan's",
      hint: "give every shard of round two the same plan",
    });
  const given = options.champion
    ? { version: options.champion.version, sha256: options.champion.sha256 }
    : null;
  if (JSON.stringify(given) !== JSON.stringify(plan.champion))
    throw new InputError({
      file: options.planFile,
      message: "the champion differs from the one the shards scored",
      hint: "run every round against the same registry",
    });
  const model = parseModelFile(plan.modelText, options.planFile);
  const samples = m.spec.metrics.bootstrap.samples;
  const merged: Merged = {
    point: { sums: new Array<number>(CHANNELS).fill(0), maxima: [null, null], rows: 0 },
    sums: new Float64Array(samples * CHANNELS),
    maxima: new Array<number | null>(samples * 2).fill(null),
    totals: new Float64Array(samples),
    samples,
  };
  for (const s of shards) {
    addSums(merged.point, s.point);
    s.resamples.sums.forEach((v, k) => (merged.sums[k]! += v));
    s.resamples.totals.forEach((v, k) => (merged.totals[k]! += v));
    s.resamples.maxima.forEach((v, k) => {
      if (v !== null && (merged.maxima[k] === null || v > merged.maxima[k]!)) merged.maxima[k] = v;
    });
  }
  const c = plan.scoring.targetMean;
  const { fit, scan } = plan;
  const warnings = [...fit.warnings];
  const unscorable = shards.reduce((s, p) => s + p.skipped.unscorable, 0);
  const unseen = shards.reduce((s, p) => s + p.unseen, 0);
  if (unscorable > 0)
    warnings.push(
      `${unscorable} test rows could not be scored (a feature with \`impute: none\` was missing)`,
    );
  if (unseen > 0)
    warnings.push(
      `${unseen} test values were categories unseen in training; they were scored as missing (imputed)`,
    );

  const metrics = (m.spec.metrics.report ?? defaultMetrics(m.spec.task)) as MetricName[];
  const primary: MetricName = m.spec.metrics.primary ?? "rmse";
  const allMetrics = metrics.includes(primary) ? metrics : [primary, ...metrics];
  const { confidence } = m.spec.metrics.bootstrap;
  const champion = options.champion;
  let notComparable: string | undefined;
  if (champion)
    try {
      makeScorer(
        champion.model,
        m.data.columns.map((col) => col.name),
      );
    } catch (e) {
      if (!(e instanceof MissingFeaturesError)) throw e;
      notComparable = `it needs ${e.features.length === 1 ? "column" : "columns"} ${e.features.map((f) => `"${f}"`).join(", ")}, which today's data does not have`;
    }
  const championComparable = champion !== null && notComparable === undefined;
  const challengerMetrics = estimates(allMetrics, merged, 0, c, confidence);
  const championMetrics = championComparable ? estimates(allMetrics, merged, 1, c, confidence) : null;
  const differences = championComparable ? differencesOf(allMetrics, merged, c, confidence) : {};
  const gate = decideGate({
    rules: m.spec.gate,
    challenger: challengerMetrics,
    champion: championMetrics,
    ...(notComparable ? { noChampionReason: `the champion is not comparable: ${notComparable}` } : {}),
  });

  const slices = m.spec.slices.map((spec, j) => {
    const column = typeof spec === "string" ? spec : spec.column;
    const byGroup = new Map<string, { group: string; first: number; sums: RowSums }>();
    for (const s of shards)
      for (const g of s.slices[j]?.groups ?? []) {
        const entry = byGroup.get(g.group);
        if (!entry) byGroup.set(g.group, { group: g.group, first: g.first, sums: structuredClone(g) });
        else {
          entry.first = Math.min(entry.first, g.first);
          addSums(entry.sums, g);
        }
      }
    const groups = [...byGroup.values()].sort((a, b) => a.first - b.first);
    return sliceOf(column, groups, allMetrics, primary, m.spec.minSliceSize, championComparable, c);
  });

  const report = assembleModelReport({
    m,
    root: options.root,
    scan,
    fit,
    model,
    modelSha256: plan.modelSha256,
    testRows: merged.point.rows,
    primary,
    metrics: allMetrics,
    bootstrap: { samples, confidence, seed: m.spec.metrics.bootstrap.seed },
    challengerMetrics,
    champion,
    ...(notComparable ? { notComparable } : {}),
    championMetrics,
    dataChange: dataChangeOf(m, champion, scan, plan.binned),
    differences,
    gate,
    slices,
    absContribution: (feature) => shards.reduce((sum, p) => sum + (p.absContribution[feature] ?? 0), 0),
    warnings,
  });
  return { report, model, modelText: plan.modelText };
}

/**
 * The files of a merged run, as `modelgate run` writes them: report.json, report.md,
 * report.html (without the per-row prediction charts, which need the rows) and the models.
 */
export function mergedReportFiles(
  report: Report,
  models: readonly { name: string; modelText: string }[],
  registry: Registry,
): Record<string, string> {
  const history = metricHistory(registry, report);
  const files: Record<string, string> = {
    "report.json": canonicalJson(report),
    "report.md": renderMarkdown(report, { history }),
    "report.html": renderHtml(report, { history }),
  };
  for (const m of models) files[`models/${m.name}.json`] = m.modelText;
  return files;
}
