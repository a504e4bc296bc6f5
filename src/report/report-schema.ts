/**
 * report.json: the contract between the Action (which writes it) and the App (which reads it
 * from an untrusted artifact and renders the PR comment from it). Strict: unknown keys, wrong
 * types and oversized strings are refused, so the App can trust the shape of what passed.
 * Bump REPORT_SCHEMA_VERSION on any change a reader could notice; the JSON Schema is
 * `schemas/report.schema.json`, generated from this file.
 */
import { z } from "zod";
import { MODEL_NAME_PATTERN } from "../project/schemas.js";
import { dataPinRecordSchema } from "../project/data-pin.js";
import { dataChangeSchema } from "./data-change-schema.js";
import { list, name, num, sha, text } from "./bounded-schema.js";

/** The version of modelgate that writes report.json (its `tool.version`). */
export const TOOL_VERSION = "0.1.0";

export const REPORT_SCHEMA_VERSION = 1;

const interval = z.strictObject({ lower: num, upper: num });

export const metricEstimateSchema = z.strictObject({
  value: num.nullable(),
  ci: interval.nullable(),
  excluded: z.number().int().min(0).optional(),
  reason: text.optional(),
});

export const differenceSchema = z.strictObject({
  champion: num.nullable(),
  challenger: num.nullable(),
  difference: num.nullable(),
  relativeChange: num.nullable(),
  ci: interval.nullable(),
  relativeCi: interval.nullable(),
  significant: z.boolean().nullable(),
});

export const gateCheckSchema = z.strictObject({
  metric: name,
  label: name,
  rule: z.enum(["min", "max", "maxWorsening", "maxRelativeWorsening"]),
  status: z.enum(["pass", "fail", "not_applicable"]),
  /** The challenger's value. */
  value: num.nullable(),
  /** The rule's bound (a fraction for maxRelativeWorsening). */
  bound: num,
  champion: num.nullable(),
  change: num.nullable(),
  relativeChange: num.nullable(),
  worsening: num.nullable(),
  reason: text,
});

export const gateSchema = z.strictObject({
  passed: z.boolean(),
  checks: list(gateCheckSchema, 200),
  summary: text,
});

export const columnSummarySchema = z.strictObject({
  name,
  type: z.enum(["number", "integer", "boolean", "category", "string", "date"]),
  missing: z.number().int().min(0),
  mean: num.nullable().optional(),
  std: num.nullable().optional(),
  min: num.nullable().optional(),
  max: num.nullable().optional(),
  distinct: z.number().int().min(0).optional(),
});

export const dataSummarySchema = z.strictObject({
  file: text,
  sha256: sha,
  rows: z.number().int().min(0),
  trainRows: z.number().int().min(0),
  testRows: z.number().int().min(0),
  /** Rows left out because the target was missing. */
  missingTarget: z.number().int().min(0),
  split: z.strictObject({ test: num, salt: text }),
  columns: list(columnSummarySchema, 500),
  /** Data fetched by a workflow step, pinned by the data spec (`sha256:` or `dvc:`); absent otherwise. */
  pin: dataPinRecordSchema.optional(),
});

export const termSchema = z.strictObject({
  term: name,
  coefficient: num,
  standardError: num.nullable(),
});

export const explanationSchema = z.strictObject({
  feature: name,
  /** Mean absolute contribution to the predictions on the test rows, in the target's units. */
  meanAbsContribution: num,
  terms: list(termSchema, 500),
});

export const permutationImportanceSchema = z.strictObject({
  feature: name,
  metric: name,
  change: num.nullable(),
  ci: interval.nullable(),
});

export const sliceGroupSchema = z.strictObject({
  group: name,
  rows: z.number().int().min(0),
  tooSmall: z.boolean(),
  worst: z.boolean(),
  metrics: z.record(name, num.nullable()),
  champion: z.record(name, num.nullable()).nullable(),
});

export const sliceSchema = z.strictObject({
  column: name,
  groups: list(sliceGroupSchema, 200),
  /** Groups beyond the first 200, summarised. */
  omittedGroups: z.number().int().min(0),
});

export const trialSchema = z.strictObject({
  params: z.strictObject({
    alpha: num.nullable(),
    features: list(name, 500),
    degree: z.record(name, z.number().int()),
    /** A training command's parameters (MODELGATE_PARAMS). */
    command: z.record(name, z.union([num, name, z.boolean()])).optional(),
  }),
  score: num.nullable(),
  foldScores: list(num.nullable(), 20),
});

export const searchSchema = z.strictObject({
  method: z.enum(["grid", "random", "none"]),
  metric: name,
  folds: z.number().int().min(0),
  trials: list(trialSchema, 500),
  omittedTrials: z.number().int().min(0),
  chosen: z.number().int().min(0),
});

/** One run of a training command (`algorithm: { type: command }`). */
export const commandRunSchema = z.strictObject({
  /** `trial-2-fold-3` or `final`; its log is `runs/<model>/<run>/output.log` in the report folder. */
  run: name,
  trial: z.number().int().min(0),
  fold: z.number().int().min(0).nullable(),
  params: z.record(name, z.union([num, name, z.boolean()])),
  seed: z.number().int(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().min(0),
  rows: z.number().int().min(0),
  /** sha256 of the ONNX model the run wrote. */
  modelSha256: sha,
  /** The held-out fold's primary metric (search runs); null for the final fit. */
  score: num.nullable(),
  /** Points the command appended to MODELGATE_METRICS (at most 200, evenly thinned). */
  curve: list(z.record(name, num), 200),
  /** modelgate's own time around the run: its folder, reading and checking its ONNX, scoring its fold. */
  overheadMs: z.number().min(0),
});

/** How a training command fitted the challenger: the contract's version, the command, every run. */
export const commandSchema = z.strictObject({
  protocol: z.number().int().min(1),
  command: text,
  timeoutSeconds: num,
  parallel: z.number().int().min(1),
  /** Time spent writing the rows files, once for all runs. */
  rowsFileMs: z.number().min(0),
  runs: list(commandRunSchema, 500),
  omittedRuns: z.number().int().min(0),
});

export const calibrationBinSchema = z.strictObject({
  bin: z.number().int().min(0),
  rows: z.number().int().min(0),
  minPredicted: num.nullable(),
  maxPredicted: num.nullable(),
  meanPredicted: num.nullable(),
  observedRate: num.nullable(),
});

export const fairnessGroupSchema = z.strictObject({
  group: name,
  rows: z.number().int().min(0),
  positives: z.number().int().min(0),
  tooSmall: z.boolean(),
  /** Share of the group's rows predicted positive. */
  positiveRate: num.nullable(),
  truePositiveRate: num.nullable(),
  metrics: z.record(name, num.nullable()),
});

export const fairnessSchema = z.strictObject({
  column: name,
  groups: list(fairnessGroupSchema, 200),
  parityDifference: metricEstimateSchema,
  equalOpportunityDifference: metricEstimateSchema,
});

export const championSchema = z.strictObject({
  alias: name,
  /** The registry version; 0 for a model retrained from an earlier spec (`modelgate diff --retrain-base`). */
  version: z.number().int().min(0),
  modelSha256: sha,
  specHash: sha.nullable(),
  dataHash: sha.nullable(),
  /** False when the champion cannot be scored on today's data (see `reason`). */
  comparable: z.boolean(),
  reason: text.optional(),
  metrics: z.record(name, metricEstimateSchema),
  coefficients: list(termSchema, 500),
  intercept: num.nullable(),
});

export const modelReportSchema = z.strictObject({
  name: z.string().regex(MODEL_NAME_PATTERN),
  task: z.enum(["regression", "classification"]),
  description: text.optional(),
  specHash: sha,
  primaryMetric: name,
  /** How the intervals were drawn. */
  bootstrap: z
    .strictObject({ samples: z.number().int().min(0), confidence: num, seed: z.number().int() })
    .optional(),
  /** The metrics in the order the spec lists them (the primary first); the maps below are keyed by name. */
  metricOrder: list(name, 50).optional(),
  /** Whether the gate passed; false also when the model could not be evaluated. */
  passed: z.boolean(),
  data: dataSummarySchema,
  challenger: z.strictObject({
    modelSha256: sha,
    /** Path of the model file inside the report folder or artifact. */
    file: text,
    algorithm: z.strictObject({ type: name, intercept: z.boolean(), alpha: num.nullable() }),
    metrics: z.record(name, metricEstimateSchema),
    coefficients: list(termSchema, 500),
    intercept: num.nullable(),
    /**
     * Numerical conditioning of the final fit: the 2-norm condition number estimate of the
     * design with its columns scaled to unit length, and the significant digits (0-16) to
     * expect in the coefficients. A warning accompanies it when fewer than about 6 are left.
     */
    conditioning: z
      .strictObject({ scaledConditionNumber: num, expectedDigits: z.number().min(0).max(16) })
      .optional(),
  }),
  champion: championSchema.nullable(),
  /** Challenger - champion per metric, with paired intervals; empty without a comparable champion. */
  differences: z.record(name, differenceSchema),
  gate: gateSchema,
  slices: list(sliceSchema, 50),
  explanations: list(explanationSchema, 500),
  /**
   * Any model: the primary metric's change on the test rows when each feature is shuffled among
   * them (shuffled minus intact, with a paired bootstrap interval). Present for ONNX models.
   */
  permutationImportance: list(permutationImportanceSchema, 500).optional(),
  search: searchSchema.nullable(),
  /** A training command's runs (`algorithm: { type: command }`). */
  command: commandSchema.optional(),
  /** classification: the threshold at or above which a row is predicted positive. */
  threshold: num.nullable().optional(),
  /** classification: the challenger's calibration by decile of predicted probability. */
  calibration: list(calibrationBinSchema, 20).optional(),
  /** classification: per sensitive column, group rates and the differences between groups. */
  fairness: list(fairnessSchema, 20).optional(),
  /** The registry folder was changed by the pull request (its edits are ignored). */
  registryChanged: z.boolean().optional(),
  /** What changed in the data since the champion's training data (data-change-schema.ts). */
  dataChange: dataChangeSchema.optional(),
  warnings: list(text, 200),
});

export const reportSchema = z.strictObject({
  $schema: z.string().max(500).optional(),
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  kind: z.enum(["evaluation", "monitor"]),
  tool: z.strictObject({ name: z.literal("modelgate"), version: z.string().max(50) }),
  head: z.strictObject({ sha: sha.nullable(), ref: text.nullable() }),
  base: z.strictObject({ sha: sha.nullable(), ref: text.nullable() }).nullable(),
  passed: z.boolean(),
  models: list(modelReportSchema, 100),
});

export type Report = z.output<typeof reportSchema>;

/**
 * The evaluation report of a run (single or sharded) around its models' reports: it passes when
 * every model was evaluated (`allEvaluated`, default true) and passed.
 */
export function evaluationReport(
  models: ModelReport[],
  options: {
    head?: Report["head"];
    base?: Report["base"];
    allEvaluated?: boolean;
  },
): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: "evaluation",
    tool: { name: "modelgate", version: TOOL_VERSION },
    head: options.head ?? { sha: null, ref: null },
    base: options.base ?? null,
    passed: (options.allEvaluated ?? true) && models.every((m) => m.passed),
    models,
  };
}

/** A model's metric names in report order: `metricOrder`, else the primary first, then by name. */
export function metricNamesOf(m: {
  primaryMetric: string;
  metricOrder?: string[];
  challenger: { metrics: object };
}): string[] {
  const names = Object.keys(m.challenger.metrics);
  if (m.metricOrder)
    return [
      ...m.metricOrder.filter((n) => names.includes(n)),
      ...names.filter((n) => !m.metricOrder!.includes(n)),
    ];
  return [...names.filter((n) => n === m.primaryMetric), ...names.filter((n) => n !== m.primaryMetric)];
}
export type ModelReport = z.output<typeof modelReportSchema>;
export type MetricEstimateJson = z.output<typeof metricEstimateSchema>;
export type DifferenceJson = z.output<typeof differenceSchema>;
export type GateJson = z.output<typeof gateSchema>;
export type GateCheckJson = z.output<typeof gateCheckSchema>;
export type DataSummaryJson = z.output<typeof dataSummarySchema>;
export type SliceJson = z.output<typeof sliceSchema>;
export type SearchJson = z.output<typeof searchSchema>;
export type CommandJson = z.output<typeof commandSchema>;
export type ChampionJson = z.output<typeof championSchema>;
export type ExplanationJson = z.output<typeof explanationSchema>;
export type FairnessJson = z.output<typeof fairnessSchema>;
export type CalibrationBinJson = z.output<typeof calibrationBinSchema>;
