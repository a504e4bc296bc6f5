/**
 * report.json of `kind: monitor`: drift of new data against the production model's training
 * profile, and its live performance where the data has the target. Strict like the evaluation
 * report (unknown keys, wrong types and oversized strings are refused), and shaped to join
 * `reportSchema` as the `monitor` member of a union discriminated by `kind`.
 */
import { z } from "zod";
import { gateSchema, metricEstimateSchema } from "./report-schema.js";
import { MODEL_NAME_PATTERN } from "../project/schemas.js";
import { count, list, name, num, sha, text } from "./bounded-schema.js";

/** The report format this file describes; the same number as the evaluation report's. */
export const MONITOR_REPORT_SCHEMA_VERSION = 1;

export const verdictSchema = z.enum(["ok", "warn", "alert"]);
export type Verdict = z.output<typeof verdictSchema>;

export const columnTypeSchema = z.enum(["number", "integer", "boolean", "category", "string", "date"]);

/** What one side (training or new data) looked like, for the table and the charts. */
export const sideSummarySchema = z.strictObject({
  /** Values present. */
  count,
  missing: count,
  mean: num.nullable().optional(),
  std: num.nullable().optional(),
  min: num.nullable().optional(),
  max: num.nullable().optional(),
});

export const driftTestSchema = z.strictObject({
  kind: z.enum(["ks", "chi2"]),
  /** KS: D, the largest gap between the two distribution functions; chi2: X². */
  statistic: num,
  pValue: num,
  /** After correction for the number of features (Holm or Bonferroni, see thresholds). */
  adjustedPValue: num,
  significant: z.boolean(),
  method: z.enum(["exact", "asymptotic"]),
  /** chi2 only: degrees of freedom after small cells were merged. */
  df: count.optional(),
  /** chi2 only: categories merged away because their expected counts were below 5. */
  merged: count.optional(),
  /** Values compared on each side (KS: the stored sample and the new one). */
  training: count,
  current: count,
});

/** One bin (numeric) or category: the share of values on each side. */
export const binSchema = z.strictObject({
  label: name,
  training: num,
  current: num,
});

export const columnDriftSchema = z.strictObject({
  name,
  role: z.enum(["feature", "target"]),
  type: columnTypeSchema,
  status: z.enum(["ok", "warn", "alert", "skipped"]),
  /** Population stability index over the stored bins (or categories); null when not computable. */
  psi: num.nullable(),
  /** What PSI reaches from sampling alone at these sizes (its mean under no drift). */
  psiNoise: num.nullable(),
  test: driftTestSchema.nullable(),
  training: sideSummarySchema,
  current: sideSummarySchema,
  bins: list(binSchema, 120),
  /** Category values the production model never saw, with their counts in the new data. */
  unseen: list(z.strictObject({ value: name, count }), 50),
  /** Unseen values beyond the 50 listed. */
  unseenOmitted: count,
  /** One line: why this status. */
  note: text,
});

export const reasonSchema = z.strictObject({
  severity: z.enum(["warn", "alert"]),
  kind: z.enum([
    "drift",
    "missing_column",
    "new_column",
    "unseen_category",
    "type_changed",
    "all_missing",
    "missing_share",
    "performance",
  ]),
  column: name.optional(),
  message: text,
});

export const performanceSchema = z.strictObject({
  /** New rows scored (with a target and every feature the model needs). */
  rows: count,
  /** Rows left out: target missing, or a feature without imputation missing. */
  skipped: count,
  metrics: z.record(name, metricEstimateSchema),
  /** The production version's metrics as the registry recorded them (its test rows). */
  recorded: z.record(name, num.nullable()),
  /**
   * What the gate judged: `interval`, the favourable end of each live metric's bootstrap
   * interval (the live rows are not the recorded rows, so a point value would fail tight rules
   * on noise), or `value` where a metric has no interval.
   */
  gateBasis: z.enum(["interval", "value"]),
  /** The model spec's gate with the live metrics as challenger and the recorded ones as champion. */
  gate: gateSchema,
});

export const monitorModelSchema = z.strictObject({
  name: z.string().regex(MODEL_NAME_PATTERN),
  task: z.enum(["regression", "classification"]),
  production: z.strictObject({
    alias: name,
    version: z.number().int().min(1),
    modelSha256: sha,
    specHash: sha,
    /** Hash of the data the version was trained on. */
    dataHash: sha,
    trainingRows: count,
    createdAt: z.string().max(64).nullable(),
  }),
  data: z.strictObject({
    file: text,
    sha256: sha,
    rows: count,
    format: z.enum(["csv", "json", "jsonl", "parquet"]),
  }),
  thresholds: z.strictObject({
    psiWarn: num,
    psiAlert: num,
    pValue: num,
    correction: z.enum(["holm", "bonferroni"]),
    /** Floor of a bin's share in the PSI. */
    psiEpsilon: num,
    /** Smallest expected count of a chi-square cell; smaller ones are merged. */
    minExpected: num,
    /** Tests the correction counted. */
    tests: count,
  }),
  verdict: verdictSchema,
  reasons: list(reasonSchema, 500),
  columns: list(columnDriftSchema, 500),
  /** Columns of the new data that the data spec does not describe. */
  newColumns: list(name, 500),
  /** Columns the production model uses (features, target) that the new data lacks. */
  missingColumns: list(z.strictObject({ name, role: z.enum(["feature", "target"]) }), 500),
  performance: performanceSchema.nullable(),
  /** Why there is no performance section, when there is none. */
  performanceNote: text.optional(),
  warnings: list(text, 200),
});

export const monitorReportSchema = z.strictObject({
  $schema: z.string().max(500).optional(),
  schemaVersion: z.literal(MONITOR_REPORT_SCHEMA_VERSION),
  kind: z.literal("monitor"),
  tool: z.strictObject({ name: z.literal("modelgate"), version: z.string().max(50) }),
  head: z.strictObject({ sha: sha.nullable(), ref: text.nullable() }),
  base: z.null(),
  /** False when any model's verdict is alert. */
  passed: z.boolean(),
  /** The most severe verdict of the models. */
  verdict: verdictSchema,
  models: list(monitorModelSchema, 100),
});

export type MonitorReport = z.output<typeof monitorReportSchema>;
export type MonitorModelReport = z.output<typeof monitorModelSchema>;
export type ColumnDrift = z.output<typeof columnDriftSchema>;
export type DriftReason = z.output<typeof reasonSchema>;
export type DriftTestJson = z.output<typeof driftTestSchema>;
export type PerformanceJson = z.output<typeof performanceSchema>;

const SEVERITY: Record<Verdict, number> = { ok: 0, warn: 1, alert: 2 };

/** The more severe of verdicts (ok < warn < alert). */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = "ok";
  for (const v of verdicts) if (SEVERITY[v] > SEVERITY[worst]) worst = v;
  return worst;
}
