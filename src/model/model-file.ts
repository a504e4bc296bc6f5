/**
 * The model file: everything needed to score rows again, and to explain and monitor the model.
 * Written as canonical JSON, so the same spec, data and seed give the same bytes (no time
 * stamps inside; the registry records when a version was created). Read back strictly: a
 * champion's file may come from a branch a pull request touched.
 */
import { z } from "zod";
import { canonicalJson, sha256Hex } from "../canonical-json.js";
import { InputError } from "../errors.js";
import { DATE_PARTS, MODEL_NAME_PATTERN } from "../project/schemas.js";

export const MODEL_FILE_FORMAT = "modelgate.model/1";

const num = z.number();
const name = z.string().max(200);

const numericStep = z.strictObject({
  kind: z.literal("numeric"),
  name,
  type: z.enum(["number", "integer", "boolean", "date"]),
  /** An expanded date's part (`features[].expand`); the column is `name`. */
  part: z.enum(DATE_PARTS).optional(),
  impute: z.enum(["mean", "median", "most_frequent", "constant", "none"]),
  fill: num.nullable(),
  degree: z.number().int().min(1).max(10),
  terms: z.array(name),
  mean: z.array(num),
  std: z.array(num),
});

const categoryStep = z.strictObject({
  kind: z.literal("category"),
  name,
  impute: z.enum(["mean", "median", "most_frequent", "constant", "none"]),
  fill: name.nullable(),
  levels: z.array(name).max(10000),
  reference: name.nullable(),
  terms: z.array(name),
});

export const pipelineSchema = z.strictObject({
  features: z.array(z.discriminatedUnion("kind", [numericStep, categoryStep])).max(1000),
  intercept: z.boolean(),
  standardise: z.boolean(),
});

export const modelFileSchema = z.strictObject({
  format: z.literal(MODEL_FILE_FORMAT),
  model: z.string().regex(MODEL_NAME_PATTERN),
  task: z.enum(["regression", "classification"]),
  target: name,
  /** classification: the target value counted as positive (as text). */
  positiveClass: name.nullable(),
  specHash: z.string().regex(/^[0-9a-f]{64}$/),
  dataHash: z.string().regex(/^[0-9a-f]{64}$/),
  trainingRows: z.number().int().min(0),
  algorithm: z.strictObject({
    type: z.enum(["linear", "ridge", "logistic", "onnx"]),
    intercept: z.boolean(),
    alpha: num.nullable(),
    threshold: num.nullable(),
  }),
  pipeline: pipelineSchema,
  /** Term -> coefficient in the units of the original features (one-hot terms as `Origin=Japan`). */
  coefficients: z.record(name, num),
  intercept: num.nullable(),
  /** Term -> standard error, same units; null where it is undefined (e.g. no residual degrees of freedom). */
  standardErrors: z.record(name, num.nullable()),
  interceptStandardError: num.nullable(),
  /** Training data profile (from the data layer), used for drift monitoring. */
  profile: z.unknown(),
  warnings: z.array(z.string().max(2000)).max(200),
  /**
   * An ONNX model (algorithm `onnx`): its file's bytes pinned by sha256, with the signature,
   * opsets and producer read from them. Pipeline and coefficients are then empty: the ONNX file
   * holds the model.
   */
  onnx: z
    .strictObject({
      file: z.string().max(300),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().min(0),
      producer: z.string().max(300),
      opsets: z.record(z.string().max(200), z.number().int()),
      inputs: z.array(z.strictObject({ name, elementType: z.string().max(20), feature: name })).max(1000),
      output: z.strictObject({ name, elementType: z.string().max(20), column: z.number().int().min(0) }),
    })
    .optional(),
});

export type ModelFile = z.output<typeof modelFileSchema>;

/** The bytes of a model file (canonical JSON) and their sha256. */
export function serialiseModel(model: ModelFile): { text: string; sha256: string } {
  const text = canonicalJson(model);
  return { text, sha256: sha256Hex(text) };
}

/** Parses a model file strictly; `file` names it in errors. */
export function parseModelFile(text: string, file: string): ModelFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError({
      file,
      message: `not valid JSON: ${(e as Error).message}`,
      hint: "is this a modelgate model file?",
    });
  }
  const parsed = modelFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError({
      file,
      message: `not a valid model file: ${issue.path.join(".") || "(top level)"}: ${issue.message}`,
      hint: `model files are written by modelgate train or run (format ${MODEL_FILE_FORMAT})`,
    });
  }
  return parsed.data;
}
