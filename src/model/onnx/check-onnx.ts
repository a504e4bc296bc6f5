/**
 * Checks an ONNX model against the columns a model spec feeds it and decides how they reach its
 * inputs and which output is the prediction. Pure: it reads the {@link OnnxModelInfo} of
 * read-onnx.ts and returns an {@link OnnxBinding}, or every problem found.
 *
 * Two ways in, as exporters write them:
 * - one 2-D tensor input `[N, F]` fed with the spec's features in order (numbers only);
 * - one input per feature column, named like the column, `[N]` or `[N, 1]` (skl2onnx writes a
 *   pipeline with a ColumnTransformer this way): numbers into float, double or integer inputs,
 *   category and string columns into string inputs.
 */
import type { Problem } from "../../errors.js";
import { elementTypeName, ElementType, type OnnxModelInfo, type ValueInfo } from "./read-onnx.js";

/** The kinds of spec column a model can be fed with. */
export type FeatureKind = "numeric" | "category" | "string";

/** One feature column as the spec declares it, in the spec's order. */
export interface OnnxFeature {
  name: string;
  kind: FeatureKind;
}

/** An input fed with one feature column. */
export interface ColumnInput {
  name: string;
  /** Index of the feature in the spec's feature list. */
  feature: number;
  elementType: number;
  /** 1 for `[N]`, 2 for `[N, 1]`. */
  rank: 1 | 2;
}

/** How the spec's columns reach the model's inputs, and where the prediction comes from. */
export interface OnnxBinding {
  input:
    | { kind: "matrix"; name: string; elementType: number; width: number }
    | { kind: "columns"; columns: ColumnInput[] };
  output: {
    name: string;
    elementType: number;
    /** The column of the output read as the prediction (0 for `[N]` and `[N, 1]`). */
    column: number;
    /** Values per row in that output (1 for `[N]`). */
    width: number;
  };
}

/** What the spec asks of the model. */
export interface OnnxCheckRequest {
  /** The model file, as the user names it in messages. */
  file: string;
  features: OnnxFeature[];
  task: "regression" | "classification";
  /** The output to read, when the spec names one. */
  output?: string;
  /** The column of that output to read, when the spec names one. */
  outputColumn?: number;
}

/** Domains ONNX Runtime implements; any other operator domain is a custom operator. */
export const KNOWN_DOMAINS = new Set(["", "ai.onnx.ml", "com.microsoft", "ai.onnx.preview.training"]);

/** Element types a numeric column may feed, each cast from float64 when the batch is built. */
export const NUMERIC_INPUTS = new Set<number>([
  ElementType.float,
  ElementType.double,
  ElementType.int64,
  ElementType.int32,
]);
const SCORE_OUTPUTS = new Set<number>([ElementType.float, ElementType.double]);

const ZIPMAP_HINT =
  "the output is a ZipMap (a list of maps), which modelgate does not read: convert with " +
  "skl2onnx's option zipmap=False (to_onnx(model, X, options={'zipmap': False})) so that " +
  "`probabilities` is a [N, 2] tensor";

/** `[N, 4]`, `[batch, ?]`: a shape as people read it. */
function shapeText(v: ValueInfo): string {
  if (v.type.kind !== "tensor") return v.type.kind;
  const shape = v.type.shape;
  const dims =
    shape === null ? "unknown shape" : `[${shape.map((d) => (d === null ? "?" : String(d))).join(", ")}]`;
  return `${elementTypeName(v.type.elementType)} ${dims}`;
}

function listNames(values: readonly ValueInfo[]): string {
  return values.map((v) => `${v.name} (${shapeText(v)})`).join(", ");
}

function checkStructure(req: OnnxCheckRequest, info: OnnxModelInfo, problems: Problem[]): void {
  const file = req.file;
  if (!info.hasGraph) {
    problems.push({
      file,
      message: "the file holds no graph",
      hint: "save the whole ModelProto, e.g. onnx.save(model, path)",
    });
    return;
  }
  if (info.externalTensors.length > 0) {
    problems.push({
      file,
      message: `tensor ${info.externalTensors.slice(0, 3).join(", ")} keeps its data in another file (external data), which modelgate does not read`,
      hint: "save the model as one file: onnx.save_model(model, path, save_as_external_data=False)",
    });
  }
  const custom = [...info.operators].filter((op) => {
    const domain = op.slice(0, op.lastIndexOf(":"));
    return !KNOWN_DOMAINS.has(domain) && !info.functionDomains.has(domain);
  });
  if (custom.length > 0) {
    problems.push({
      file,
      message: `uses custom operator ${custom.slice(0, 3).join(", ")}, which ONNX Runtime does not implement`,
      hint: "export with standard ONNX operators (domains ai.onnx and ai.onnx.ml), or define the operator as an ONNX function in the file",
    });
  }
  const opset = info.opsets.get("");
  if (opset !== undefined && opset < 7) {
    problems.push({
      file,
      message: `declares ai.onnx opset ${opset}; ONNX Runtime runs opset 7 and later`,
      hint: "re-export with a newer opset (target_opset / opset_version 13 or later), or convert it with onnx.version_converter",
    });
  }
  const undeclared = new Set(
    [...info.operators]
      .map((op) => op.slice(0, op.lastIndexOf(":")))
      .filter((domain) => !info.opsets.has(domain) && !info.functionDomains.has(domain)),
  );
  if (undeclared.size > 0) {
    problems.push({
      file,
      message: `uses operators of domain ${[...undeclared].map((d) => d || "ai.onnx").join(", ")} but declares no opset for it`,
      hint: "the file may be cut short: export it again and commit the whole file",
    });
  }
}

function kindFits(kind: FeatureKind, elementType: number): boolean {
  return kind === "numeric" ? NUMERIC_INPUTS.has(elementType) : elementType === ElementType.string;
}

function expectedText(kind: FeatureKind): string {
  return kind === "numeric" ? "float, double or int64" : "string";
}

function bindMatrix(
  req: OnnxCheckRequest,
  input: ValueInfo,
  problems: Problem[],
): OnnxBinding["input"] | undefined {
  const file = req.file;
  if (input.type.kind !== "tensor") {
    problems.push({
      file,
      message: `input ${input.name} is a ${input.type.kind}, not a tensor`,
      hint: "feed the model with a 2-D tensor [N, features]",
    });
    return undefined;
  }
  const { elementType, shape } = input.type;
  const nonNumeric = req.features.filter((f) => f.kind !== "numeric");
  if (nonNumeric.length > 0) {
    problems.push({
      file,
      message: `its one input ${input.name} (${shapeText(input)}) cannot take ${nonNumeric.map((f) => `${f.kind} column ${f.name}`).join(", ")}`,
      hint: "export the model with one input per column named like the column (a string input for each category), or encode the category as numbers in the data",
    });
  }
  if (!NUMERIC_INPUTS.has(elementType)) {
    problems.push({
      file,
      message: `input ${input.name} has element type ${elementTypeName(elementType)}; numeric features need float, double or int64`,
      hint: "export the model with a float or double input",
    });
  }
  if (shape !== null && shape.length !== 2) {
    problems.push({
      file,
      message: `input ${input.name} has shape ${shapeText(input)}; one input fed with all features must be 2-D [N, ${req.features.length}]`,
      hint: `declare the input as [None, ${req.features.length}] when exporting`,
    });
  }
  const width = shape?.[1];
  if (typeof width === "number" && width !== req.features.length) {
    problems.push({
      file,
      message: `input ${input.name} takes ${width} features per row; the spec lists ${req.features.length} (${req.features.map((f) => f.name).join(", ")})`,
      hint: `list the ${width} columns the model was trained on under \`features\`, in the order of its training`,
    });
  }
  return { kind: "matrix", name: input.name, elementType, width: req.features.length };
}

function bindColumns(req: OnnxCheckRequest, inputs: ValueInfo[], problems: Problem[]): OnnxBinding["input"] {
  const file = req.file;
  const columns: ColumnInput[] = [];
  const byName = new Map(inputs.map((v) => [v.name, v]));
  const featureNames = new Set(req.features.map((f) => f.name));
  const strangers = inputs.filter((v) => !featureNames.has(v.name));
  if (strangers.length > 0) {
    problems.push({
      file,
      message: `input ${strangers.map((v) => v.name).join(", ")} is not a feature of the spec (the model's inputs: ${listNames(inputs)}; the spec's features: ${req.features.map((f) => f.name).join(", ")})`,
      hint: "name each model input like the data column it takes (skl2onnx: initial_types=[(column, type), ...]), or list those columns under `features`",
    });
  }
  req.features.forEach((feature, index) => {
    const input = byName.get(feature.name);
    if (input === undefined) {
      if (strangers.length === 0) {
        problems.push({
          file,
          message: `has no input for feature ${feature.name} (its inputs: ${listNames(inputs)})`,
          hint: "remove the feature from the spec, or export the model with an input for it",
        });
      }
      return;
    }
    if (input.type.kind !== "tensor") {
      problems.push({ file, message: `input ${input.name} is a ${input.type.kind}, not a tensor` });
      return;
    }
    const { elementType, shape } = input.type;
    if (!kindFits(feature.kind, elementType)) {
      problems.push({
        file,
        message: `input ${input.name} has element type ${elementTypeName(elementType)}, but ${feature.name} is a ${feature.kind} column (it needs ${expectedText(feature.kind)})`,
        hint:
          feature.kind === "numeric"
            ? "declare the input as FloatTensorType or DoubleTensorType when exporting, or make the column a category"
            : "declare the input as StringTensorType when exporting",
      });
    }
    const rank = shape === null ? 2 : shape.length;
    if ((rank !== 1 && rank !== 2) || (rank === 2 && typeof shape?.[1] === "number" && shape[1] !== 1)) {
      problems.push({
        file,
        message: `input ${input.name} has shape ${shapeText(input)}; an input fed with one column must be [N] or [N, 1]`,
        hint: "declare the input as [None, 1] when exporting",
      });
      return;
    }
    columns.push({ name: input.name, feature: index, elementType, rank: rank as 1 | 2 });
  });
  return { kind: "columns", columns };
}

function outputWidth(v: ValueInfo): number | undefined {
  if (v.type.kind !== "tensor" || v.type.shape === null) return undefined;
  const s = v.type.shape;
  if (s.length === 1) return 1;
  const w = s[s.length - 1];
  return typeof w === "number" ? w : undefined;
}

function pickOutput(req: OnnxCheckRequest, info: OnnxModelInfo): ValueInfo | undefined {
  if (req.output !== undefined) return info.outputs.find((o) => o.name === req.output);
  const scores = info.outputs.filter(
    (o) => o.type.kind === "tensor" && SCORE_OUTPUTS.has(o.type.elementType),
  );
  if (req.task === "classification") {
    const probability = info.outputs.find((o) => /prob/i.test(o.name));
    return probability ?? scores.find((o) => outputWidth(o) === 2) ?? scores[0];
  }
  return scores[0] ?? info.outputs[0];
}

function bindOutput(
  req: OnnxCheckRequest,
  info: OnnxModelInfo,
  problems: Problem[],
): OnnxBinding["output"] | undefined {
  const file = req.file;
  const output = pickOutput(req, info);
  if (output === undefined) {
    problems.push(
      req.output !== undefined
        ? {
            file,
            message: `has no output named ${req.output} (its outputs: ${listNames(info.outputs)})`,
            hint: "set `output` in the model spec's algorithm to one of those names",
          }
        : { file, message: "has no output", hint: "re-export the model" },
    );
    return undefined;
  }
  if (output.type.kind !== "tensor") {
    problems.push({
      file,
      message: `output ${output.name} is a ${output.type.kind}, not a tensor`,
      hint:
        output.type.kind === "sequence" || output.type.kind === "map"
          ? ZIPMAP_HINT
          : "choose a tensor output with `output`",
    });
    return undefined;
  }
  if (!SCORE_OUTPUTS.has(output.type.elementType)) {
    problems.push({
      file,
      message: `output ${output.name} has element type ${elementTypeName(output.type.elementType)}; the prediction must be float or double`,
      hint:
        req.task === "classification"
          ? "choose the probabilities output with `output` (a label output is not a score)"
          : "choose another output with `output`",
    });
  }
  const width = outputWidth(output) ?? (req.task === "classification" ? 2 : 1);
  const column = req.outputColumn ?? (req.task === "classification" ? width - 1 : 0);
  if (column >= width) {
    problems.push({
      file,
      message: `output ${output.name} (${shapeText(output)}) has no column ${column}`,
      hint: `set \`outputColumn\` between 0 and ${width - 1}`,
    });
  } else if (req.task === "regression" && width > 1 && req.outputColumn === undefined) {
    problems.push({
      file,
      message: `output ${output.name} (${shapeText(output)}) gives ${width} values per row; a regression reads one`,
      hint: "set `outputColumn` to the column that is the prediction",
    });
  }
  return { name: output.name, elementType: output.type.elementType, column, width };
}

/**
 * Checks a read ONNX model against the spec's features and task.
 *
 * @returns the binding, or the problems (each `file: what is wrong`, with a hint).
 */
export function checkOnnxModel(
  req: OnnxCheckRequest,
  info: OnnxModelInfo,
): { binding: OnnxBinding; problems: [] } | { binding?: undefined; problems: Problem[] } {
  const problems: Problem[] = [];
  checkStructure(req, info, problems);
  if (!info.hasGraph) return { problems };
  const names = new Set(req.features.map((f) => f.name));
  const only = info.inputs.length === 1 ? info.inputs[0]! : undefined;
  let input: OnnxBinding["input"] | undefined;
  if (info.inputs.length === 0) {
    problems.push({
      file: req.file,
      message: "has no input to feed",
      hint: "re-export the model with its inputs",
    });
  } else if (only !== undefined && !(names.has(only.name) && req.features.length === 1)) {
    input = bindMatrix(req, only, problems);
  } else {
    input = bindColumns(req, info.inputs, problems);
  }
  const output = bindOutput(req, info, problems);
  if (problems.length > 0 || input === undefined || output === undefined) return { problems };
  return { binding: { input, output }, problems: [] };
}
