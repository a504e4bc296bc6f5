/**
 * The three spec files a user keeps in their repository, as zod schemas. These are the single
 * source of truth: the TypeScript types, the validation and the committed JSON Schemas
 * (`schemas/*.schema.json`, written by `npm run schemas`) all come from here.
 */
import { z } from "zod";
import { monitorSpecSchema } from "./monitor-thresholds.js";
import { algorithmSchema, relativePath } from "./algorithm-schema.js";
import { csvDialectFields, missingMarkersSchema } from "./csv-dialect.js";

export {
  algorithmSchema,
  builtinAlgorithm,
  isOnnxAlgorithm,
  parseDuration,
  type AlgorithmSpec,
  type BuiltinAlgorithmSpec,
  type CommandAlgorithmSpec,
  type OnnxAlgorithmSpec,
} from "./algorithm-schema.js";

/** Model names become file paths in registry commits (DESIGN.md, "Contracts"). */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const modelName = z
  .string()
  .regex(MODEL_NAME_PATTERN, {
    message:
      "model names are 1-64 characters of lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
  })
  .describe("Model name: lower-case letters, digits, '.', '_' and '-', at most 64 characters.");

// ---------------------------------------------------------------------------------------------
// modelgate.yml
// ---------------------------------------------------------------------------------------------

export const appConfigSchema = z
  .strictObject({
    labelPrefix: z
      .string()
      .min(1)
      .default("promote:")
      .describe("Labels `<prefix><alias>` ask the app to promote on merge. Default `promote:`."),
    aliases: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/))
      .min(1)
      .default(["staging", "production"])
      .describe("Aliases a label may promote to. Default staging and production."),
    promoters: z
      .enum(["write", "maintain", "admin"])
      .default("write")
      .describe("Least repository permission needed to promote or roll back. Default write."),
    workflow: z
      .string()
      .min(1)
      .default(".github/workflows/modelgate.yml")
      .describe("Path of the workflow that runs the modelgate Action; the app watches its runs."),
    maxOnnxBytes: z
      .number()
      .int()
      .min(1)
      .max(100 * 1024 * 1024)
      .optional()
      .describe(
        "Largest ONNX model, in bytes, the app copies into the registry on merge; a larger one is refused with a check message and nothing is committed. Default and ceiling: the app operator's cap (50 MB unless they set another); this setting can only lower it.",
      ),
    server: z
      .strictObject({
        url: z
          .url()
          .optional()
          .describe(
            "Where the server answers: the URL of the queued status (the server posts its own with success).",
          ),
      })
      .optional()
      .describe(
        "A `modelgate serve --deployments` follows this registry. The app then leaves each deployment `queued`, and the server posts `in_progress`, `success` once the version answers, or `failure` with the reason. Without it the app marks a deployment `success` when the registry commit lands.",
      ),
  })
  .describe("Settings of the modelgate GitHub App, read from the default branch only.");

export const projectSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).default(1).describe("Version of this file's format. Only 1 exists."),
    registry: relativePath
      .default(".modelgate")
      .describe("Folder of the model registry. Default `.modelgate`."),
    models: z
      .record(modelName, relativePath)
      .refine((m) => Object.keys(m).length > 0, { message: "name at least one model" })
      .describe("Model name -> path of its model spec file."),
    app: appConfigSchema.optional(),
  })
  .describe("modelgate.yml: the models of this repository and where their registry lives.");

// ---------------------------------------------------------------------------------------------
// data spec
// ---------------------------------------------------------------------------------------------

/** Most columns a data spec may describe: a model's design grows with the square of its columns. */
export const MAX_DATA_COLUMNS = 1000;
/** Most allowed values of one category column (the data layer's limit on distinct values, too). */
export const MAX_CATEGORY_VALUES = 10000;

const columnBase = {
  name: z.string().min(1).describe("Column name, as in the header (or as you name it when there is none)."),
  nullable: z
    .boolean()
    .default(false)
    .describe("Whether the column may be missing (empty cell, null). Default false."),
  description: z.string().optional(),
  missing: missingMarkersSchema
    .optional()
    .describe(
      "Texts that stand for a missing value in this column; replaces the data spec's `missing` for it.",
    ),
};

export const columnSchema = z.discriminatedUnion("type", [
  z.strictObject({
    ...columnBase,
    type: z.literal("number"),
    min: z.number().optional(),
    max: z.number().optional(),
  }),
  z.strictObject({
    ...columnBase,
    type: z.literal("integer"),
    min: z.number().optional(),
    max: z.number().optional(),
  }),
  z.strictObject({ ...columnBase, type: z.literal("boolean") }),
  z.strictObject({
    ...columnBase,
    type: z.literal("category"),
    values: z
      .array(z.string())
      .min(1)
      .max(MAX_CATEGORY_VALUES)
      .optional()
      .describe(`Allowed values, at most ${MAX_CATEGORY_VALUES}. Without it any value is a category.`),
    labels: z
      .record(z.string(), z.string())
      .optional()
      .describe("Readable names for coded values (code -> label); applied when the data is read."),
  }),
  z.strictObject({ ...columnBase, type: z.literal("string") }),
  z.strictObject({
    ...columnBase,
    type: z.literal("date"),
    min: z.string().optional().describe("Earliest allowed date, ISO 8601."),
    max: z.string().optional().describe("Latest allowed date, ISO 8601."),
  }),
]);

export const splitSchema = z
  .strictObject({
    test: z.number().min(0).max(0.9).default(0.2).describe("Share of rows held out for testing, 0 to 0.9."),
    salt: z.string().default("modelgate").describe("Salt of the split hash; change it to draw a new split."),
  })
  .describe("The stable train/test split: a row's side is a hash of (salt, key or whole row).");

export const dataSpecSchema = z
  .strictObject({
    $schema: z.string().optional(),
    file: relativePath.describe("The data file, relative to this spec."),
    format: z
      .enum(["csv", "json", "jsonl", "parquet"])
      .optional()
      .describe(
        "csv, json (an array of records), jsonl or parquet. Default: from the file's extension. A file named .parquet or .pq is read as Parquet whatever this says.",
      ),
    header: z.boolean().default(true).describe("CSV only: whether the first row names the columns."),
    delimiter: z.string().length(1).default(",").describe("CSV only: the field delimiter."),
    ...csvDialectFields,
    columns: z
      .array(columnSchema)
      .min(1)
      .max(MAX_DATA_COLUMNS)
      .describe(`Every column of the file, in file order (at most ${MAX_DATA_COLUMNS}).`),
    key: z
      .array(z.string())
      .min(1)
      .optional()
      .describe("Columns that identify a row; the split hashes them. Default: the whole row."),
    checks: z
      .strictObject({
        minRows: z.number().int().min(0).optional().describe("Fewest rows the file may have."),
        maxMissingShare: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .describe("Largest share of missing values any one column may have."),
      })
      .default({}),
    split: splitSchema.default({ test: 0.2, salt: "modelgate" }),
    // Data outside git (README "Data outside git"): `file` fetched by a workflow step, pinned.
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, { message: "write the sha256 as 64 hex digits (sha256sum prints it)" })
      .transform((s) => s.toLowerCase())
      .optional()
      .describe(
        "Pins `file` by the sha256 of its bytes: data a workflow step fetched (aws s3 cp, azcopy, dvc pull). Other bytes are refused (exit 2). For a glob of part files: the sha256 of their `sha256sum` lines, sorted (`LC_ALL=C sha256sum <glob> | sha256sum` in this spec's folder).",
      ),
    dvc: relativePath
      .optional()
      .describe(
        "A DVC `.dvc` file (relative to this spec) that pins `file` by md5 and size; `dvc pull` fetches it before modelgate runs. For a glob of part files: a folder output (`md5: ….dir`) that holds them, checked whole as DVC hashes it.",
      ),
  })
  .describe("A data spec: the file, its columns, checks, and the split.");

// ---------------------------------------------------------------------------------------------
// model spec
// ---------------------------------------------------------------------------------------------

export const REGRESSION_METRICS = ["rmse", "mae", "r2", "mape", "max_error"] as const;
export const CLASSIFICATION_METRICS = [
  "auc",
  "log_loss",
  "brier",
  "accuracy",
  "precision",
  "recall",
  "f1",
  "ks",
] as const;
export const METRICS = [...REGRESSION_METRICS, ...CLASSIFICATION_METRICS] as const;
export type MetricName = (typeof METRICS)[number];

/**
 * Parts a date feature may expand to (`features[].expand`), each a number, in UTC: the calendar
 * year (2024), the month (1-12), the ISO day of the week (1 Monday to 7 Sunday), the hour (0-23).
 */
export const DATE_PARTS = ["year", "month", "dayOfWeek", "hour"] as const;
export type DatePart = (typeof DATE_PARTS)[number];

const imputeStrategy = z.enum(["mean", "median", "most_frequent", "constant", "none"]);

export const featureSchema = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1),
    impute: imputeStrategy.optional().describe("Override the default imputation for this feature."),
    fill: z.union([z.number(), z.string()]).optional().describe("The value for `impute: constant`."),
    degree: z.number().int().min(1).max(10).optional().describe("Add polynomial terms x^2 ... x^degree."),
    expand: z
      .array(z.enum(DATE_PARTS))
      .min(1)
      .optional()
      .describe(
        "A date feature as numbers of its parts instead of years since 1970, in UTC: year, month (1-12), dayOfWeek (1 Monday to 7 Sunday), hour (0-23). Terms `name.part`.",
      ),
  }),
]);

/** `0.02` or `"2%"`: a relative change as a fraction. */
const fraction = z.union([
  z.number().min(0),
  z
    .string()
    .regex(/^\d+(\.\d+)?%$/, { message: 'write a percentage like "2%" or a fraction like 0.02' })
    .transform((s) => Number(s.slice(0, -1)) / 100),
]);

export const gateRuleSchema = z
  .strictObject({
    min: z.number().optional().describe("The metric may not be below this."),
    max: z.number().optional().describe("The metric may not be above this."),
    maxWorsening: z
      .number()
      .min(0)
      .optional()
      .describe("Largest change for the worse against the champion, in the metric's units."),
    maxRelativeWorsening: fraction
      .optional()
      .describe('Largest change for the worse against the champion, relative: 0.02 or "2%".'),
  })
  .refine((r) => Object.values(r).some((v) => v !== undefined), {
    message: "a gate rule needs at least one of min, max, maxWorsening, maxRelativeWorsening",
  });

export const sliceSchema = z.union([
  z.string().min(1),
  z.strictObject({
    column: z.string().min(1),
    edges: z
      .array(z.number())
      .min(1)
      .optional()
      .describe("Bin edges for a numeric column: groups (-inf, e1), [e1, e2), ... [en, inf)."),
  }),
]);

export const searchSchema = z
  .strictObject({
    method: z.enum(["grid", "random"]).default("grid"),
    trials: z.number().int().min(1).max(10000).default(20).describe("random: how many draws."),
    folds: z.number().int().min(2).max(20).default(5).describe("k of the k-fold cross-validation."),
    seed: z.number().int().default(1),
    parallel: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe("type command: how many runs (trial x fold) at once. Default: the machine's cores."),
    space: z
      .object({
        alpha: z.array(z.number().min(0)).min(1).optional(),
        degree: z.record(z.string(), z.array(z.number().int().min(1).max(10)).min(1)).optional(),
        features: z
          .array(z.array(z.string()).min(1))
          .min(1)
          .optional()
          .describe("Feature subsets to try (names among `features`)."),
      })
      .catchall(
        z
          .array(z.union([z.number(), z.string(), z.boolean()]))
          .min(1)
          .describe("type command: values of a parameter of your command, passed in MODELGATE_PARAMS."),
      )
      .describe(
        "Values to try. The search optimises `metrics.primary` by cross-validation on the train side.",
      ),
  })
  .describe("Hyperparameter search: k-fold cross-validation inside the train side only.");

export const modelSpecSchema = z
  .strictObject({
    $schema: z.string().optional(),
    description: z.string().optional(),
    data: relativePath.describe("The data spec, relative to this file."),
    task: z.enum(["regression", "classification"]).default("regression"),
    target: z.string().min(1).describe("The column to predict."),
    positiveClass: z
      .union([z.string(), z.number(), z.boolean()])
      .optional()
      .describe("classification: the target value that counts as positive."),
    features: z
      .array(featureSchema)
      .min(1)
      .max(MAX_DATA_COLUMNS)
      .describe("Input columns, by name, optionally with options."),
    preprocessing: z
      .strictObject({
        impute: z
          .strictObject({
            numeric: imputeStrategy.default("mean"),
            category: imputeStrategy.default("most_frequent"),
          })
          .default({ numeric: "mean", category: "most_frequent" }),
        scale: z.enum(["standard", "none"]).default("standard"),
      })
      .default({ impute: { numeric: "mean", category: "most_frequent" }, scale: "standard" }),
    algorithm: algorithmSchema.default({ type: "linear", intercept: true }),
    search: searchSchema.optional(),
    metrics: z
      .strictObject({
        primary: z.enum(METRICS).optional().describe("The metric search optimises and reports lead with."),
        report: z.array(z.enum(METRICS)).min(1).optional(),
        bootstrap: z
          .strictObject({
            samples: z.number().int().min(0).max(100000).default(1000),
            seed: z.number().int().default(7),
            confidence: z.number().gt(0).lt(1).default(0.95),
          })
          .default({ samples: 1000, seed: 7, confidence: 0.95 }),
      })
      .default({ bootstrap: { samples: 1000, seed: 7, confidence: 0.95 } }),
    slices: z.array(sliceSchema).default([]).describe("Columns to report per-group metrics for."),
    minSliceSize: z.number().int().min(1).default(10).describe("Smaller groups are reported as too small."),
    sensitive: z
      .array(sliceSchema)
      .default([])
      .describe(
        "classification: columns for fairness metrics (a name, or {column, edges} to bin a numeric one).",
      ),
    gate: z.record(z.string(), gateRuleSchema).default({}).describe("Metric -> rule a challenger must pass."),
    seed: z.number().int().default(1).describe("Seed of everything random in training."),
    monitor: monitorSpecSchema.optional().describe("Drift monitoring thresholds."),
  })
  .describe("A model spec: its data, target, features, algorithm, search, metrics, slices and gate.");

export type ProjectSpec = z.output<typeof projectSchema>;
export type AppConfig = z.output<typeof appConfigSchema>;
export type DataSpec = z.output<typeof dataSpecSchema>;
export type ColumnSpec = z.output<typeof columnSchema>;
export type ColumnType = ColumnSpec["type"];
export type ModelSpec = z.output<typeof modelSpecSchema>;
export type FeatureSpec = z.output<typeof featureSchema>;
export type GateRule = z.output<typeof gateRuleSchema>;
export type SliceSpec = z.output<typeof sliceSchema>;
export type SearchSpec = z.output<typeof searchSchema>;
