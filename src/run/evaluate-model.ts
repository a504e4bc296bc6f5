/**
 * One model, end to end: check the data, train the challenger (with its search), score it and
 * the champion on the same test rows, compare, decide the gate. Returns the model's part of
 * report.json and the model file; writes nothing (the adapters do).
 */
import { stat } from "node:fs/promises";
import { WORKER_MIN_BYTES } from "../data/read-dataset.js";
import type { DatasetScan } from "../data/scan-dataset.js";
import { compareModels } from "../compare/compare-models.js";
import { decideGate } from "../compare/decide-gate.js";
import type { BootstrapOptions } from "../evaluate/bootstrap.js";
import type { BootstrapWorker } from "../evaluate/bootstrap-in-worker.js";
import {
  evaluateWithIntervalsInParallel,
  PARALLEL_BOOTSTRAP_MIN,
  bootstrapWorkerStarter,
  startBootstrapWorker,
} from "../evaluate/bootstrap.js";
import { defaultMetrics } from "../evaluate/metrics.js";
import { scoreTestRows } from "../evaluate/score-test-rows.js";
import { calibrationTable } from "../evaluate/classification.js";
import { computeFairness, fairnessGateValues } from "../evaluate/fairness.js";
import { computeSlice } from "../evaluate/slices.js";
import { targetReader } from "../train/target.js";
import type { ModelReport } from "../report/report-schema.js";
import type { LoadedModel } from "../project/load-project.js";
import { isOnnxAlgorithm, type MetricName } from "../project/schemas.js";
import { MissingFeaturesError } from "../model/pipeline.js";
import type { ModelFile } from "../model/model-file.js";
import { championModel, type Champion } from "../model/load-model.js";
import { assembleModelReport } from "./assemble-report.js";
import { permutationImportance } from "./permutation-importance.js";
import { championEdges, championProfile, dataChangeOf } from "./data-change.js";

/** Bootstrap resamples of each feature's permutation importance interval. */
const PERMUTATION_SAMPLES = 200;
import { progress } from "./progress-stream.js";
import { trainModel, type TrainedModel, type TrainOptions } from "./train-model.js";
import { builtinModel } from "../model/builtin-model.js";
import { onnxFittedModel } from "../model/onnx/onnx-fitted-model.js";
import { onnxModelSpecOf } from "../train/command/fit-command.js";
import type { BatchScorer } from "../model/fitted-model.js";

/** The production model to compare with, as the registry holds it. */
export interface EvaluateOptions extends TrainOptions {
  /** Paths in the report are relative to this folder (the repository root). */
  root: string;
  champion: Champion | null;
}

export interface ModelEvaluation {
  report: ModelReport;
  model: ModelFile;
  /** The model file's bytes (canonical JSON). */
  modelText: string;
  /** An ONNX challenger's bytes, pinned by `model.onnx.sha256`. */
  onnxBytes?: Uint8Array;
  /** A training command's output by run folder (bounded), for the report folder. */
  commandLogs?: Record<string, string>;
  /** Test rows' targets and predictions, for charts. */
  scored: { actual: Float64Array; challenger: Float64Array; champion: Float64Array | null };
  scan: DatasetScan;
}

/** Evaluates one loaded model; throws InputError for invalid data or an impossible fit. */
export async function evaluateModel(m: LoadedModel, options: EvaluateOptions): Promise<ModelEvaluation> {
  // A large regression bootstrap shares its resamples with a worker thread (the same numbers,
  // bit for bit). For a large file the thread starts once the rows flow (not before: the read's
  // own worker starts faster alone), so it is ready when training ends.
  let early: BootstrapWorker | undefined;
  const start =
    m.spec.task === "regression" && m.spec.metrics.bootstrap.samples > 0 && (await isLarge(m))
      ? await bootstrapWorkerStarter()
      : undefined;
  let started = false;
  const onProgress: EvaluateOptions["onProgress"] = (event) => {
    if (start && !started) {
      started = true;
      early = start();
    }
    options.onProgress?.(event);
  };
  try {
    const edges = championEdges(championProfile(options.champion));
    const trained = await trainModel(m, {
      ...options,
      onProgress,
      ...(edges ? { referenceEdges: edges } : {}),
    });
    try {
      return await evaluateTrained(m, trained, options, early);
    } finally {
      trained.release();
    }
  } finally {
    await early?.close();
  }
}

/** Whether the model's data file is one the read goes to a worker thread for. */
async function isLarge(m: LoadedModel): Promise<boolean> {
  if (m.dataParts !== undefined) return false;
  try {
    return (await stat(m.dataFile)).size >= WORKER_MIN_BYTES;
  } catch {
    return false; // the scan says what is wrong with the file
  }
}

async function evaluateTrained(
  m: LoadedModel,
  trained: TrainedModel,
  options: EvaluateOptions,
  early: BootstrapWorker | undefined,
): Promise<ModelEvaluation> {
  const { scan } = trained;
  const columnNames = m.data.columns.map((c) => c.name);
  const challenger = await challengerScorer(m, trained, columnNames);
  let championScorer: BatchScorer | null = null;
  let notComparable: string | undefined;
  if (options.champion) {
    try {
      championScorer = await championModel(options.champion).bind(columnNames);
    } catch (e) {
      if (!(e instanceof MissingFeaturesError)) throw e;
      notComparable = `it needs ${e.features.length === 1 ? "column" : "columns"} ${e.features.map((f) => `"${f}"`).join(", ")}, which today's data does not have`;
    }
  }
  const bootstrap: BootstrapOptions = m.spec.metrics.bootstrap;
  // Started now if not before, the worker loads while the test rows are scored.
  const work = scan.test * bootstrap.samples;
  const helper =
    m.spec.task !== "regression" || !(work >= PARALLEL_BOOTSTRAP_MIN)
      ? undefined
      : (early ?? (await startBootstrapWorker(work)));
  try {
    return await scoreAndReport(m, trained, options, { challenger, championScorer, notComparable, helper });
  } finally {
    if (helper !== early) await helper?.close();
    await challenger.close?.();
  }
}

/** The challenger bound to the data's columns: the model just fitted, or the spec's ONNX file. */
async function challengerScorer(
  m: LoadedModel,
  trained: TrainedModel,
  columnNames: readonly string[],
): Promise<BatchScorer> {
  if (trained.onnx === undefined) return builtinModel(trained.model, trained.modelSha256).bind(columnNames);
  return onnxFittedModel(trained.onnx, onnxModelSpecOf(m)).bind(columnNames);
}

async function scoreAndReport(
  m: LoadedModel,
  trained: TrainedModel,
  options: EvaluateOptions,
  scorers: {
    challenger: BatchScorer;
    championScorer: BatchScorer | null;
    notComparable: string | undefined;
    helper: BootstrapWorker | undefined;
  },
): Promise<ModelEvaluation> {
  const { scan, fit, model, modelText, modelSha256 } = trained;
  const { challenger, championScorer, notComparable, helper } = scorers;
  const warnings = [...fit.warnings];
  const columnNames = m.data.columns.map((c) => c.name);
  const targetIndex = columnNames.indexOf(m.spec.target);
  const sensitive = m.spec.task === "classification" ? m.spec.sensitive : [];
  const scored = await scoreTestRows({
    batches: progress(trained.rows(), m.name, "score", options),
    columnNames,
    target: targetReader(m.spec, m.data.columns[targetIndex]!, targetIndex),
    challenger,
    champion: championScorer,
    slices: [...m.spec.slices, ...sensitive],
    testRows: scan.test,
  });
  const sliceCodes = scored.slices.slice(0, m.spec.slices.length);
  const sensitiveCodes = scored.slices.slice(m.spec.slices.length);
  if (scored.skipped.unscorable > 0)
    warnings.push(
      `${scored.skipped.unscorable} test rows could not be scored (a feature with \`impute: none\` was missing)`,
    );
  if (challenger.unseen > 0)
    warnings.push(
      `${challenger.unseen} test values were categories unseen in training; they were scored as missing (imputed)`,
    );

  const metrics = (m.spec.metrics.report ?? defaultMetrics(m.spec.task)) as MetricName[];
  const primary: MetricName = m.spec.metrics.primary ?? (m.spec.task === "regression" ? "rmse" : "auc");
  const bootstrap: BootstrapOptions = m.spec.metrics.bootstrap;
  const parallel = helper === undefined ? {} : { started: helper };
  const allMetrics = metrics.includes(primary) ? metrics : [primary, ...metrics];
  const algorithm = m.spec.algorithm;
  const threshold =
    algorithm.type === "logistic" || (isOnnxAlgorithm(algorithm) && m.spec.task === "classification")
      ? algorithm.threshold
      : undefined;
  const metricOptions = threshold === undefined ? undefined : { threshold };
  const challengerMetrics = await evaluateWithIntervalsInParallel(
    allMetrics,
    scored.actual,
    scored.challenger,
    bootstrap,
    metricOptions,
    parallel,
  );
  const championMetrics = scored.champion
    ? await evaluateWithIntervalsInParallel(
        allMetrics,
        scored.actual,
        scored.champion,
        bootstrap,
        metricOptions,
        parallel,
      )
    : null;
  const differences = scored.champion
    ? compareModels(allMetrics, scored.actual, scored.champion, scored.challenger, bootstrap, metricOptions)
    : {};
  const fairnessOf = (predicted: Float64Array, samples: number) =>
    sensitiveCodes.map((codes) =>
      computeFairness(codes, scored.actual, predicted, {
        ...(threshold === undefined ? {} : { threshold }),
        minSize: m.spec.minSliceSize,
        bootstrap: { ...bootstrap, samples },
      }),
    );
  const fairness = fairnessOf(scored.challenger, bootstrap.samples);
  const championFairness =
    scored.champion && sensitiveCodes.length > 0 ? fairnessGateValues(fairnessOf(scored.champion, 0)) : {};

  const gate = decideGate({
    rules: m.spec.gate,
    challenger: { ...challengerMetrics, ...(fairness.length > 0 ? fairnessGateValues(fairness) : {}) },
    champion: championMetrics ? { ...championMetrics, ...championFairness } : null,
    ...(notComparable ? { noChampionReason: `the champion is not comparable: ${notComparable}` } : {}),
  });

  const slices = sliceCodes.map((codes) =>
    computeSlice(codes, scored.actual, scored.challenger, scored.champion, {
      metrics: allMetrics,
      primary,
      minSize: m.spec.minSliceSize,
      ...(metricOptions ? { metricOptions } : {}),
    }),
  );

  // An ONNX model cannot report contributions; it is explained by shuffling its features.
  const permutation = trained.onnx
    ? await permutationImportance({
        batches: progress(trained.rows(), m.name, "explain", options),
        columnNames,
        target: targetReader(m.spec, m.data.columns[targetIndex]!, targetIndex),
        scorer: challenger,
        features: m.features,
        metric: primary,
        // Fewer resamples than the metrics': one paired bootstrap per feature.
        bootstrap: { ...bootstrap, samples: Math.min(bootstrap.samples, PERMUTATION_SAMPLES) },
        ...(metricOptions ? { metricOptions } : {}),
        seed: bootstrap.seed,
      })
    : undefined;

  const report = assembleModelReport({
    m,
    root: options.root,
    scan,
    fit,
    model,
    modelSha256,
    testRows: scored.actual.length,
    primary,
    metrics: allMetrics,
    bootstrap: { samples: bootstrap.samples, confidence: bootstrap.confidence, seed: bootstrap.seed },
    challengerMetrics,
    champion: options.champion,
    ...(notComparable ? { notComparable } : {}),
    championMetrics,
    differences,
    gate,
    slices,
    absContribution: (feature) => scored.absContribution.get(feature) ?? 0,
    ...(trained.command ? { command: trained.command.record } : {}),
    ...(m.spec.task === "classification"
      ? {
          classification: {
            threshold: threshold ?? null,
            calibration: calibrationTable(scored.actual, scored.challenger),
            fairness,
          },
        }
      : {}),
    warnings,
    ...(permutation ? { permutationImportance: permutation } : {}),
    dataChange: dataChangeOf(m, options.champion, scan, trained.binned),
  });
  return {
    report,
    model,
    modelText,
    ...(trained.onnx ? { onnxBytes: trained.onnx.bytes } : {}),
    ...(trained.command ? { commandLogs: trained.command.logs } : {}),
    scored: { actual: scored.actual, challenger: scored.challenger, champion: scored.champion },
    scan,
  };
}
