/**
 * A model's part of report.json from what an evaluation computed. One assembly for a single run
 * (evaluate-model.ts) and a sharded one (src/shard/shard-report.ts), so the two cannot drift apart.
 */
import type { FeatureImportance } from "./permutation-importance.js";
import type { ColumnProfile } from "../data/profile-columns.js";
import type { MetricEstimate, PairedDifference } from "../evaluate/bootstrap.js";
import type { CalibrationBin } from "../evaluate/classification.js";
import type { FairnessResult } from "../evaluate/fairness.js";
import type { SliceResult } from "../evaluate/slices.js";
import type { GateDecision } from "../compare/decide-gate.js";
import type { ModelReport } from "../report/report-schema.js";
import type { DataChangeJson } from "../report/data-change-schema.js";
import { displayPath, type LoadedModel } from "../project/load-project.js";
import { builtinAlgorithm, isOnnxAlgorithm, type MetricName } from "../project/schemas.js";
import type { ModelFit } from "../train/fit-common.js";
import type { DataPinRecord } from "../project/data-pin.js";
import type { CommandRecord } from "../train/command/fit-command.js";
import { termNames } from "../model/pipeline.js";
import type { ModelFile } from "../model/model-file.js";
import type { Champion } from "../model/load-model.js";

export interface ReportParts {
  m: LoadedModel;
  /** Paths in the report are relative to this folder (the repository root). */
  root: string;
  scan: {
    sha256: string;
    rows: number;
    missing: Record<string, number>;
    profile: { columns: ColumnProfile[] };
    pin?: DataPinRecord;
  };
  fit: ModelFit;
  model: ModelFile;
  modelSha256: string;
  testRows: number;
  primary: MetricName;
  metrics: MetricName[];
  bootstrap: { samples: number; confidence: number; seed: number };
  challengerMetrics: Record<string, MetricEstimate>;
  champion: Champion | null;
  /** Why the champion cannot be scored on today's data, when it cannot. */
  notComparable?: string;
  championMetrics: Record<string, MetricEstimate> | null;
  differences: Record<string, PairedDifference>;
  gate: GateDecision;
  slices: SliceResult[];
  /** Sum over the test rows of each feature's |contribution| to the challenger's predictions. */
  absContribution: (feature: string) => number;
  /** A training command's runs. */
  command?: CommandRecord;
  classification?: { threshold: number | null; calibration: CalibrationBin[]; fairness: FairnessResult[] };
  warnings: string[];
  /** Permutation importance of the challenger's features, when computed (ONNX models). */
  permutationImportance?: FeatureImportance[];
  /** What changed in the data since the champion was trained (data-change.ts). */
  dataChange?: DataChangeJson | undefined;
}

/** The model's entry of report.json. */
export function assembleModelReport(p: ReportParts): ModelReport {
  const { m, fit, model, champion, notComparable, testRows } = p;
  return {
    name: m.name,
    task: m.spec.task,
    ...(m.spec.description ? { description: m.spec.description } : {}),
    specHash: m.specHash,
    primaryMetric: p.primary,
    metricOrder: p.metrics,
    bootstrap: p.bootstrap,
    passed: p.gate.passed,
    data: {
      file: displayPath(p.root, m.dataFile),
      sha256: p.scan.sha256,
      rows: p.scan.rows,
      trainRows: fit.trainingRows,
      testRows,
      missingTarget: p.scan.missing[m.spec.target] ?? 0,
      split: m.data.split,
      columns: p.scan.profile.columns.map(summariseColumn),
      ...(p.scan.pin ? { pin: p.scan.pin } : {}),
    },
    challenger: {
      modelSha256: p.modelSha256,
      file: `models/${m.name}.json`,
      algorithm: {
        type: m.spec.algorithm.type,
        intercept: isOnnxAlgorithm(m.spec.algorithm) ? false : builtinAlgorithm(m.spec).intercept,
        alpha: fit.alpha,
      },
      metrics: pick(p.challengerMetrics, p.metrics),
      coefficients: termsOf(model),
      intercept: model.intercept,
      ...(fit.conditioning ? { conditioning: fit.conditioning } : {}),
    },
    champion: champion
      ? {
          alias: champion.alias,
          version: champion.version,
          modelSha256: champion.sha256,
          specHash: champion.model.specHash,
          dataHash: champion.model.dataHash,
          comparable: !notComparable,
          ...(notComparable ? { reason: notComparable } : {}),
          metrics: p.championMetrics ? pick(p.championMetrics, p.metrics) : {},
          coefficients: termsOf(champion.model),
          intercept: champion.model.intercept,
        }
      : null,
    differences: p.differences,
    gate: { passed: p.gate.passed, checks: p.gate.checks, summary: p.gate.summary },
    slices: p.slices,
    explanations: featureNamesOf(model).map((name) => {
      const terms = model.pipeline.features.filter((f) => f.name === name).flatMap((f) => f.terms);
      return {
        feature: name,
        meanAbsContribution: testRows > 0 ? p.absContribution(name) / testRows : 0,
        terms: termsOf(model).filter((t) => terms.includes(t.term)),
      };
    }),
    search:
      fit.trials.length > 1
        ? {
            method: m.spec.search?.method ?? "grid",
            metric: fit.searchMetric,
            folds: fit.folds,
            trials: fit.trials.slice(0, 500),
            omittedTrials: Math.max(0, fit.trials.length - 500),
            chosen: fit.chosen,
          }
        : null,
    ...(p.command ? { command: commandJson(p.command) } : {}),
    ...(p.classification
      ? {
          threshold: p.classification.threshold,
          calibration: p.classification.calibration,
          fairness: p.classification.fairness.map((f) => ({
            column: f.column,
            groups: f.groups.slice(0, 200),
            parityDifference: f.parityDifference,
            equalOpportunityDifference: f.equalOpportunityDifference,
          })),
        }
      : {}),
    ...(p.permutationImportance ? { permutationImportance: p.permutationImportance } : {}),
    ...(p.dataChange ? { dataChange: p.dataChange } : {}),
    warnings: p.warnings,
  };
}

/** The features of a model's pipeline, each once (an expanded date has a step per part). */
function featureNamesOf(model: ModelFile): string[] {
  return [...new Set(model.pipeline.features.map((f) => f.name))];
}

/** Coefficients with standard errors, in the pipeline's term order. */
function termsOf(model: ModelFile) {
  return termNames(model.pipeline).map((term) => ({
    term,
    coefficient: model.coefficients[term]!,
    standardError: model.standardErrors[term] ?? null,
  }));
}

function pick<T>(record: Record<string, T>, names: readonly string[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const n of names) if (record[n] !== undefined) out[n] = record[n]!;
  return out;
}

function summariseColumn(c: ColumnProfile) {
  return {
    name: c.name,
    type: c.type,
    missing: c.missing,
    ...(c.stats ? { mean: c.stats.mean, std: c.stats.std, min: c.stats.min, max: c.stats.max } : {}),
    ...(c.categories ? { distinct: c.categories.distinct } : {}),
  };
}

/** A command's record within report.json's bounds: 500 runs (the final one kept), 200 points each. */
function commandJson(c: CommandRecord) {
  const final = c.runs.filter((r) => r.fold === null);
  const search = c.runs.filter((r) => r.fold !== null).slice(0, 500 - final.length);
  return {
    protocol: c.protocol,
    command: c.command.slice(0, 2000),
    timeoutSeconds: c.timeoutSeconds,
    parallel: c.parallel,
    rowsFileMs: c.rowsFileMs,
    runs: [...search, ...final].map((r) => ({ ...r, curve: thin(r.curve, 200) })),
    omittedRuns: c.runs.length - search.length - final.length,
  };
}

/** At most `max` items, evenly spread, the first and last kept. */
function thin<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, k) => items[Math.round((k * (items.length - 1)) / (max - 1))]!);
}
