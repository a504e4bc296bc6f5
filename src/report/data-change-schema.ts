/**
 * report.json's `dataChange` of a model: what changed in the data between the champion's
 * training data (the profile its model file stores) and this run's data (src/monitor/compare-data.ts
 * computes it; README "What changed in the data" describes it). Strict and bounded like the rest
 * of the report, since the App reads it from an untrusted artifact.
 */
import { z } from "zod";
import { count, list, name, num, sha, text } from "./bounded-schema.js";

/** Rows added and removed, from the two profiles' row sketches. */
export const rowChangeSchema = z.strictObject({
  /** `key`: rows told apart by the data spec's key columns; `row`: by all their values. */
  by: z.enum(["key", "row"]),
  added: count,
  removed: count,
  /** True when both sketches held every row: the counts are exact. */
  exact: z.boolean(),
  /** Half-width of a 95% interval of `added` and `removed` (0 when exact). */
  addedMargin: count,
  removedMargin: count,
  /** Distinct rows the counts rest on. */
  compared: count,
});

/** One column present in both data sets: the monitor's PSI and test, compactly. */
export const columnChangeSchema = z.strictObject({
  name,
  /** `target`, a `feature` of this model, or `other` (a column of the data spec the model does not use). */
  role: z.enum(["target", "feature", "other"]),
  type: z.enum(["number", "integer", "boolean", "category", "string", "date"]),
  /** As in a monitor report: the PSI grades a shift whose test is significant after correction. */
  status: z.enum(["ok", "warn", "alert", "skipped"]),
  psi: num.nullable(),
  test: z.enum(["ks", "chi2"]).nullable(),
  adjustedPValue: num.nullable(),
  before: z.strictObject({ missing: count, mean: num.nullable().optional() }),
  after: z.strictObject({ missing: count, mean: num.nullable().optional() }),
  note: text,
});

export const newCategorySchema = z.strictObject({
  column: name,
  values: list(z.strictObject({ value: name, count }), 20),
  /** New values beyond those listed. */
  omitted: count,
});

/** The target's distribution before and after: mean and spread, or each class's share. */
export const targetChangeSchema = z.strictObject({
  name,
  before: z.strictObject({ count, mean: num.nullable(), std: num.nullable() }),
  after: z.strictObject({ count, mean: num.nullable(), std: num.nullable() }),
  /** Categorical targets: each value's share of the present values, before and after. */
  shares: list(z.strictObject({ value: name, before: num, after: num }), 50),
});

export const dataChangeSchema = z.strictObject({
  /** The champion whose training data this run's data is compared with. */
  champion: z.strictObject({ version: z.number().int().min(0), dataHash: sha.nullable(), rows: count }),
  /** This run's data. */
  current: z.strictObject({ dataHash: sha, rows: count }),
  /** The data's bytes differ from the champion's training data. */
  changed: z.boolean(),
  /** The model and data specs are the champion's (same spec hash) and the data differs. */
  dataOnly: z.boolean(),
  rows: rowChangeSchema.nullable(),
  /** Why rows added and removed could not be counted, when `rows` is null. */
  rowsNote: text.optional(),
  columnsAdded: list(name, 500),
  columnsDropped: list(name, 500),
  /** Columns of both data sets, worst first. */
  columns: list(columnChangeSchema, 500),
  newCategories: list(newCategorySchema, 100),
  target: targetChangeSchema.nullable(),
});

export type DataChangeJson = z.output<typeof dataChangeSchema>;
export type ColumnChangeJson = z.output<typeof columnChangeSchema>;
export type TargetChangeJson = z.output<typeof targetChangeSchema>;
