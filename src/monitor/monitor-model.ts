/**
 * Monitoring one model: new data against the production version's training profile, and the
 * production model's live performance where the new data has the target. Reads the data file
 * twice at most (a probe for its columns, then one pass that checks, profiles and scores) and
 * returns the model's part of a monitor report; writes nothing.
 */
import { z } from "zod";
import { decideGate } from "../compare/decide-gate.js";
import type { DataProfile } from "../data/profile-columns.js";
import type { RowBatch } from "../data/row-batch.js";
import { scanDataset } from "../data/scan-dataset.js";
import { InputError } from "../errors.js";
import { evaluateWithIntervals } from "../evaluate/bootstrap.js";
import { defaultMetrics, metricDirection } from "../evaluate/metrics.js";
import { NumberColumn } from "../evaluate/score-test-rows.js";
import type { ModelVersion } from "../registry/registry-document.js";
import { championModel, type Champion } from "../model/load-model.js";
import { displayPath, type LoadedModel } from "../project/load-project.js";
import type { ColumnSpec, MetricName } from "../project/schemas.js";
import { MissingFeaturesError } from "../model/pipeline.js";
import type { ModelFile } from "../model/model-file.js";
import type { BatchScorer } from "../model/fitted-model.js";
import type { DataSpec } from "../project/schemas.js";
import { compareProfiles, type MonitoredColumn } from "./compare-profiles.js";
import { CHI2_MIN_EXPECTED, PSI_EPSILON } from "./drift-statistics.js";
import {
  worstVerdict,
  type DriftReason,
  type MonitorModelReport,
  type PerformanceJson,
} from "../report/monitor-report-schema.js";
import type { MonitorThresholds } from "../project/monitor-thresholds.js";
import { resolveNewColumns } from "./resolve-new-columns.js";

/** Values kept per numeric column of the new data for the KS test (a seeded uniform sample). */
export const CURRENT_SAMPLE_SIZE = 5000;

export interface MonitorModelInput {
  /** The model as the project's specs describe it today (its data spec reads the new file). */
  model: LoadedModel;
  /** The production version, loaded and verified. */
  production: Champion;
  /** The production version's registry entry (its recorded metrics), when there is one. */
  recorded: ModelVersion | null;
  /** The new data file (absolute, or relative to the working directory). */
  dataFile: string;
  thresholds: MonitorThresholds;
  /** Paths in the report are relative to this folder (the repository root). */
  root: string;
  /** Paths in problems are relative to this folder (the working directory). */
  displayBase: string;
}

/**
 * Monitors one model. Drift findings, missing columns and a failed gate are results (the
 * verdict), not errors.
 *
 * @throws InputError when the new data is invalid for the data spec (types, nullability,
 *   min/max, allowed values) or the production model file has no usable training profile.
 */
export async function monitorModel(input: MonitorModelInput): Promise<MonitorModelReport> {
  const { model: m, production } = input;
  const shown = displayPath(input.displayBase, input.dataFile);
  const specFile = displayPath(input.displayBase, m.dataSpecFile);
  const training = readTrainingProfile(production.model, `${m.name} v${production.version}`);

  const resolved = await resolveNewColumns(m.data, input.dataFile, { file: shown, specFile });
  const columnNames = resolved.spec.columns.map((c) => c.name);
  const present = new Set(columnNames);
  const target = production.model.target;
  // A built-in model knows its category levels; an ONNX model is known by its inputs.
  const features: MonitoredColumn[] = production.onnx
    ? production.onnx.inputs.map((f) => ({ name: f.name, role: "feature" }))
    : production.model.pipeline.features
        .filter((f, k, all) => all.findIndex((g) => g.name === f.name) === k)
        .map((f) => ({
          name: f.name,
          role: "feature",
          ...(f.kind === "category" ? { levels: f.levels } : {}),
        }));

  const monitored: MonitoredColumn[] = [
    ...features,
    ...(features.some((f) => f.name === target) ? [] : [{ name: target, role: "target" as const }]),
  ];
  const reasons: DriftReason[] = [];
  const warnings: string[] = [];
  const missingColumns = monitored
    .filter((c) => !present.has(c.name))
    .map((c) => ({ name: c.name, role: c.role }));
  for (const c of missingColumns) {
    if (c.role === "feature")
      reasons.push({
        severity: "alert",
        kind: "missing_column",
        column: c.name,
        message: `feature ${c.name} is missing from the new data: the production model cannot score it`,
      });
  }
  for (const name of resolved.added)
    reasons.push({
      severity: "warn",
      kind: "new_column",
      column: name,
      message: `column ${name} is in the new data but not in the data spec`,
    });
  const otherAbsent = resolved.absent.filter((n) => !monitored.some((c) => c.name === n));
  if (otherAbsent.length > 0)
    warnings.push(
      `columns of the data spec that the model does not use are missing from the new data: ${otherAbsent.join(", ")}`,
    );

  // Numeric columns are counted into the training bins, so the two histograms line up.
  const edges: Record<string, number[]> = {};
  for (const c of training.columns) if (c.histogram && present.has(c.name)) edges[c.name] = c.histogram.edges;

  const scoring = await makeScoring(production, resolved.spec, present);
  try {
    return await monitorScored(input, {
      shown,
      specFile,
      training,
      resolved,
      present,
      monitored,
      reasons,
      warnings,
      missingColumns,
      edges,
      scoring,
    });
  } finally {
    await scoring.close?.();
  }
}

async function monitorScored(
  input: MonitorModelInput,
  c: {
    shown: string;
    specFile: string;
    training: DataProfile;
    resolved: Awaited<ReturnType<typeof resolveNewColumns>>;
    present: Set<string>;
    monitored: MonitoredColumn[];
    reasons: DriftReason[];
    warnings: string[];
    missingColumns: { name: string; role: MonitoredColumn["role"] }[];
    edges: Record<string, number[]>;
    scoring: Scoring;
  },
): Promise<MonitorModelReport> {
  const { model: m, production } = input;
  const {
    shown,
    specFile,
    training,
    resolved,
    present,
    monitored,
    reasons,
    warnings,
    missingColumns,
    edges,
    scoring,
  } = c;
  const scan = await scanDataset(resolved.spec, input.dataFile, {
    file: shown,
    specFile,
    edges,
    sampleSize: CURRENT_SAMPLE_SIZE,
    topCategories: 1000,
    seed: 1,
    // The scoring keeps numbers, not batches: the reader may reuse their arrays.
    recycle: true,
    ...(scoring.onBatch ? { onBatch: scoring.onBatch } : {}),
  });

  const comparison = compareProfiles({
    training,
    current: scan.profile,
    columns: monitored.filter((c) => present.has(c.name)),
    thresholds: input.thresholds,
    ...(m.data.checks.maxMissingShare !== undefined
      ? { maxMissingShare: m.data.checks.maxMissingShare }
      : {}),
  });
  reasons.push(...comparison.reasons);

  let performance: PerformanceJson | null = null;
  let performanceNote: string | undefined = scoring.note;
  if (scoring.actual && scoring.predicted) {
    const actual = scoring.actual.values();
    const predicted = scoring.predicted.values();
    if (actual.length === 0)
      performanceNote = "no new row has both the target and every feature the model needs";
    else {
      performance = livePerformance(m, input.recorded, actual, predicted, scoring.skipped());
      if (!performance.gate.passed)
        reasons.push({
          severity: "alert",
          kind: "performance",
          message: `live performance fails the gate against v${production.version}'s recorded metrics, even at the favourable end of its interval: ${performance.gate.summary.replace(/^failed: /, "")}`,
        });
    }
  }
  if (scoring.unseen() > 0)
    warnings.push(
      `${scoring.unseen()} values were categories the model never saw; it scored them as missing`,
    );

  const created = input.recorded?.createdAt ?? null;
  return {
    name: m.name,
    task: production.model.task,
    production: {
      alias: production.alias,
      version: production.version,
      modelSha256: production.sha256,
      specHash: production.model.specHash,
      dataHash: production.model.dataHash,
      trainingRows: production.model.trainingRows,
      createdAt: created,
    },
    data: {
      file: displayPath(input.root, input.dataFile),
      sha256: scan.sha256,
      rows: scan.rows,
      format: scan.format,
    },
    thresholds: {
      psiWarn: input.thresholds.psiWarn,
      psiAlert: input.thresholds.psiAlert,
      pValue: input.thresholds.pValue,
      correction: input.thresholds.correction,
      psiEpsilon: PSI_EPSILON,
      minExpected: CHI2_MIN_EXPECTED,
      tests: comparison.tests,
    },
    verdict: worstVerdict(reasons.map((r) => r.severity)),
    reasons: reasons.slice(0, 500),
    columns: comparison.columns,
    newColumns: resolved.added.slice(0, 500),
    missingColumns,
    performance,
    ...(performance === null && performanceNote ? { performanceNote } : {}),
    warnings,
  };
}

interface Scoring {
  /** Scores a batch of the checking pass; a runtime's promise is awaited before the next batch. */
  onBatch?: (batch: RowBatch) => void | Promise<void>;
  actual?: NumberColumn;
  predicted?: NumberColumn;
  skipped(): number;
  unseen(): number;
  note?: string;
  close?(): Promise<void>;
}

/**
 * Scores the production model on every new row with a target, during the checking pass: a
 * built-in model (whose scorer never returns a promise) inline; an ONNX model through a runtime
 * that answers with a promise, which the pass awaits before it reuses the batch's arrays.
 */
async function makeScoring(production: Champion, spec: DataSpec, present: Set<string>): Promise<Scoring> {
  const model = production.model;
  const columns = spec.columns;
  const none = (note: string): Scoring => ({ skipped: () => 0, unseen: () => 0, note });
  if (!present.has(model.target)) return none(`the new data has no target column (${model.target})`);
  let scorer: BatchScorer;
  try {
    scorer = await championModel(production).bind(columns.map((c) => c.name));
  } catch (e) {
    if (e instanceof MissingFeaturesError)
      return none(`the production model cannot score the new data: ${e.message}`);
    throw e;
  }
  const targetIndex = columns.findIndex((c) => c.name === model.target);
  const read = targetReader(model, columns[targetIndex]!, targetIndex);
  const actual = new NumberColumn();
  const predicted = new NumberColumn();
  let skipped = 0;
  let rows = new Int32Array(0);
  let targets = new Float64Array(0);
  let predictions = new Float64Array(0);
  const gather = (batch: RowBatch): number => {
    if (rows.length < batch.length) {
      rows = new Int32Array(batch.length);
      targets = new Float64Array(batch.length);
      predictions = new Float64Array(batch.length);
    }
    let count = 0;
    for (let i = 0; i < batch.length; i++) {
      const y = read(batch, i);
      if (Number.isNaN(y)) skipped++;
      else {
        rows[count] = i;
        targets[count++] = y;
      }
    }
    return count;
  };
  const keep = (count: number) => {
    for (let t = 0; t < count; t++) {
      const p = predictions[t]!;
      if (Number.isNaN(p)) skipped++;
      else {
        actual.push(targets[t]!);
        predicted.push(p);
      }
    }
  };
  const base = {
    actual,
    predicted,
    skipped: () => skipped,
    unseen: () => scorer.unseen,
    ...(scorer.close ? { close: () => scorer.close!() } : {}),
  };
  return {
    ...base,
    onBatch(batch) {
      const count = gather(batch);
      const pending = scorer.scoreBatch(batch, rows, count, predictions);
      if (pending === undefined) return keep(count);
      return pending.then(() => keep(count));
    },
  };
}

/**
 * The target as a number: its value for regression; for classification 1 when it is the
 * model's positive class (compared as text: category labels, `true`/`false` for booleans,
 * numbers by value), else 0. NaN when missing.
 */
function targetReader(
  model: ModelFile,
  column: ColumnSpec,
  index: number,
): (batch: RowBatch, i: number) => number {
  const positive = model.positiveClass;
  if (model.task === "regression" || positive === null)
    return (batch, i) => {
      const col = batch.columns[index]!;
      return col.kind === "numeric" ? col.values[i]! : NaN;
    };
  if (column.type === "boolean") {
    const wanted = /^(true|yes|1)$/i.test(positive) ? 1 : 0;
    return (batch, i) => {
      const col = batch.columns[index]!;
      const v = col.kind === "numeric" ? col.values[i]! : NaN;
      return Number.isNaN(v) ? NaN : v === wanted ? 1 : 0;
    };
  }
  if (column.type === "number" || column.type === "integer") {
    const wanted = Number(positive);
    return (batch, i) => {
      const col = batch.columns[index]!;
      const v = col.kind === "numeric" ? col.values[i]! : NaN;
      return Number.isNaN(v) ? NaN : v === wanted ? 1 : 0;
    };
  }
  return (batch, i) => {
    const col = batch.columns[index]!;
    if (col.kind === "category") {
      const code = col.codes[i]!;
      return code < 0 ? NaN : col.levels[code] === positive ? 1 : 0;
    }
    if (col.kind === "string") {
      const v = col.values[i];
      return v === null || v === undefined ? NaN : v === positive ? 1 : 0;
    }
    return NaN;
  };
}

/** Live metrics with intervals, and the gate with the recorded metrics as the champion's. */
function livePerformance(
  m: LoadedModel,
  recorded: ModelVersion | null,
  actual: Float64Array,
  predicted: Float64Array,
  skipped: number,
): PerformanceJson {
  const reported = (m.spec.metrics.report ?? defaultMetrics(m.spec.task)) as MetricName[];
  const known = new Set<string>(defaultMetrics(m.spec.task));
  const gated = Object.keys(m.spec.gate).filter((g): g is MetricName => known.has(g));
  const names = [...new Set<MetricName>([...reported, ...gated])];
  const metrics = evaluateWithIntervals(names, actual, predicted, m.spec.metrics.bootstrap);
  const recordedMetrics = recorded?.metrics ?? {};
  // The live rows are not the rows the recorded metrics came from, so a point value would fail
  // a tight rule (rmse +2%) on sampling noise alone. The gate judges the favourable end of the
  // live interval instead: it fails only when the whole interval is beyond the rule.
  const favourable: Record<string, { value: number | null; reason?: string }> = {};
  for (const [name, e] of Object.entries(metrics)) {
    const higher = metricDirection(name)?.higherIsBetter;
    const value = e.ci && higher !== undefined ? (higher ? e.ci.upper : e.ci.lower) : e.value;
    favourable[name] = e.reason === undefined ? { value } : { value, reason: e.reason };
  }
  const gate = decideGate({
    rules: m.spec.gate,
    challenger: favourable,
    champion: recorded ? recordedMetrics : null,
    ...(recorded ? {} : { noChampionReason: "the registry recorded no metrics for the production version" }),
  });
  return {
    rows: actual.length,
    skipped,
    metrics,
    recorded: recordedMetrics,
    gateBasis: "interval",
    gate: { passed: gate.passed, checks: gate.checks, summary: gate.summary },
  };
}

const storedColumn = z.looseObject({
  name: z.string(),
  type: z.enum(["number", "integer", "boolean", "category", "string", "date"]),
  count: z.number(),
  missing: z.number(),
  histogram: z
    .looseObject({ edges: z.array(z.number()).min(1), counts: z.array(z.number()) })
    .refine((h) => h.counts.length === h.edges.length + 1, { message: "counts must have edges + 1 entries" })
    .optional(),
  sample: z.looseObject({ values: z.array(z.number()) }).optional(),
  categories: z
    .looseObject({
      top: z.array(z.object({ value: z.string(), count: z.number() })),
      other: z.number(),
      distinctExact: z.boolean(),
    })
    .optional(),
});
/** What drift needs of a stored training profile (a model file's `profile`). */
export const storedProfile = z.looseObject({
  version: z.literal(1),
  rows: z.number(),
  columns: z.array(storedColumn),
});

/** The training profile a model file holds, checked for what drift needs. */
function readTrainingProfile(model: ModelFile, what: string): DataProfile {
  const parsed = storedProfile.safeParse(model.profile);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError({
      file: `${what}'s model file`,
      message: `the model file holds no usable training profile (${issue.path.join(".") || "profile"}: ${issue.message})`,
      hint: "train the model again with this version of modelgate, and promote it",
    });
  }
  return parsed.data as unknown as DataProfile;
}
