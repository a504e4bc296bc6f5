/**
 * ONNX models that come without a model spec: a registered version (its model file pins the
 * bytes and records the signature the run checked) and a bare `.onnx` file given to `predict`.
 * Both are checked again from their bytes before they score (never trusted from the record).
 */
import { createHash } from "node:crypto";
import type { ColumnType } from "../../project/schemas.js";
import { InputError } from "../../errors.js";
import type { ModelTask } from "../fitted-model.js";
import type { ModelFile } from "../model-file.js";
import type { OnnxCheckRequest, OnnxFeature } from "./check-onnx.js";
import { featureKind } from "./onnx-spec.js";
import { checkOnnxBytes } from "./open-onnx-model.js";
import { onnxFittedModel, type OnnxFittedModel } from "./onnx-fitted-model.js";
import { ElementType, OnnxFormatError, readOnnxModel } from "./read-onnx.js";

interface ProfileColumn {
  name: string;
  type: ColumnType;
}

/** The column types of the training data profile a model file carries, by name. */
function profileTypes(profile: unknown): Map<string, ColumnType> {
  const columns = (profile as { columns?: unknown } | null)?.columns;
  const out = new Map<string, ColumnType>();
  if (!Array.isArray(columns)) return out;
  for (const c of columns as Partial<ProfileColumn>[])
    if (typeof c?.name === "string" && typeof c.type === "string") out.set(c.name, c.type);
  return out;
}

/**
 * A registered (or run's) ONNX model: the model file that pins it and the bytes it pins.
 *
 * @param shown how messages name the .onnx file.
 * @throws InputError when the bytes are not the ones the model file pins, or no longer pass the
 *   checks against the signature it records.
 */
export function onnxModelOfFile(file: ModelFile, bytes: Uint8Array, shown: string): OnnxFittedModel {
  const pin = file.onnx;
  if (pin === undefined) throw new Error(`${file.model}'s model file pins no ONNX model`);
  const types = profileTypes(file.profile);
  const features: { name: string; type: ColumnType }[] = [];
  for (const input of pin.inputs) {
    if (features.some((f) => f.name === input.feature)) continue;
    features.push({
      name: input.feature,
      type: types.get(input.feature) ?? (input.elementType === "string" ? "category" : "number"),
    });
  }
  // The pin first: bytes that are not the ones pinned are refused for that, whatever they hold.
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== pin.sha256)
    throw new InputError({
      file: shown,
      message: `the ONNX file's sha256 is ${sha256.slice(0, 12)}…, but its model file pins ${pin.sha256.slice(0, 12)}…`,
      hint: "ONNX files in the registry must not be edited; restore it from git history",
    });
  const checked = checkOnnxBytes(bytes, {
    file: shown,
    features: features.map((f) => ({ name: f.name, kind: featureKind(f.type) })),
    task: file.task,
    output: pin.output.name,
    outputColumn: pin.output.column,
  });
  return onnxFittedModel(checked, {
    model: file.model,
    task: file.task,
    target: file.target,
    positiveClass: file.positiveClass,
    specHash: file.specHash,
    dataHash: file.dataHash,
    trainingRows: file.trainingRows,
    features,
  });
}

/** What `predict` knows of a bare .onnx file besides its bytes. */
export interface BareOnnxOptions {
  /** How messages name the file. */
  file: string;
  /** The columns fed to a single 2-D input, in order; not needed for one input per column. */
  features?: readonly string[];
  /** The prediction's output, when the default pick is not it. */
  output?: string;
  outputColumn?: number;
  /** regression or classification; by default classification when an output is named like probabilities. */
  task?: ModelTask;
}

/**
 * A bare ONNX model file as a model: its inputs are the data's columns (one input per column,
 * named like it: text inputs take category columns, the others numbers), or, for one 2-D input,
 * the columns `features` names in order.
 *
 * @throws InputError (exit 2) when the file is not ONNX, or its inputs cannot be told from it.
 */
export function bareOnnxModel(bytes: Uint8Array, options: BareOnnxOptions): OnnxFittedModel {
  let inputs;
  let outputs;
  try {
    ({ inputs, outputs } = readOnnxModel(bytes));
  } catch (error) {
    if (!(error instanceof OnnxFormatError)) throw error;
    // checkOnnxBytes words the refusal (truncated file, Git LFS pointer, empty file).
    checkOnnxBytes(bytes, { file: options.file, features: [], task: "regression" });
    throw error;
  }
  const task: ModelTask =
    options.task ?? (outputs.some((o) => /prob/i.test(o.name)) ? "classification" : "regression");
  let features: { name: string; type: ColumnType }[];
  const only = inputs.length === 1 ? inputs[0]! : undefined;
  const matrix =
    only?.type.kind === "tensor" &&
    only.type.shape?.length === 2 &&
    !(only.type.shape[1] === 1 && options.features === undefined);
  if (matrix) {
    if (options.features === undefined || options.features.length === 0)
      throw new InputError({
        file: options.file,
        message: `has one input ${only!.name} fed with all features, and does not say which columns they are`,
        hint: "name them with --features col1,col2,... in the order the model was trained on",
      });
    features = options.features.map((name) => ({ name, type: "number" }));
  } else {
    features = inputs.map((v) => ({
      name: v.name,
      type: v.type.kind === "tensor" && v.type.elementType === ElementType.string ? "category" : "number",
    }));
  }
  const request: OnnxCheckRequest = {
    file: options.file,
    features: features.map((f): OnnxFeature => ({ name: f.name, kind: featureKind(f.type) })),
    task,
    ...(options.output === undefined ? {} : { output: options.output }),
    ...(options.outputColumn === undefined ? {} : { outputColumn: options.outputColumn }),
  };
  const checked = checkOnnxBytes(bytes, request);
  const name = options.file.replace(/^.*[\\/]/, "").replace(/\.onnx$/i, "");
  return onnxFittedModel(checked, {
    model: name,
    task,
    target: "prediction",
    positiveClass: null,
    specHash: null,
    features,
  });
}
