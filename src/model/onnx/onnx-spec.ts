/** The ONNX model a model spec names, opened and checked against the spec's features and task. */
import type { LoadedModel } from "../../project/load-project.js";
import { isOnnxAlgorithm, type ColumnType } from "../../project/schemas.js";
import type { FeatureKind, OnnxCheckRequest } from "./check-onnx.js";
import { elementTypeName } from "./read-onnx.js";
import { openOnnxModel, type CheckedOnnxModel } from "./open-onnx-model.js";

/** How a data column of `type` reaches an ONNX input. */
export function featureKind(type: ColumnType): FeatureKind {
  return type === "category" ? "category" : type === "string" ? "string" : "numeric";
}

/** What the spec asks of its ONNX model; `file` is how messages name the model file. */
export function onnxRequest(m: LoadedModel, file: string): OnnxCheckRequest {
  const algorithm = m.spec.algorithm;
  if (!isOnnxAlgorithm(algorithm)) throw new Error(`${m.name} is not an onnx model`);
  const types = new Map(m.data.columns.map((c) => [c.name, c.type]));
  return {
    file,
    features: m.features.map((name) => ({ name, kind: featureKind(types.get(name)!) })),
    task: m.spec.task,
    ...(algorithm.output === undefined ? {} : { output: algorithm.output }),
    ...(algorithm.outputColumn === undefined ? {} : { outputColumn: algorithm.outputColumn }),
  };
}

/**
 * Opens and checks the ONNX file of an `algorithm: { type: onnx }` model.
 *
 * @param show turns an absolute path into the one messages print.
 * @throws InputError (exit 2) naming the file, what is wrong and a hint.
 */
export function openSpecOnnxModel(m: LoadedModel, show: (p: string) => string): CheckedOnnxModel {
  if (m.onnxFile === undefined) throw new Error(`${m.name} names no ONNX file`);
  return openOnnxModel(m.onnxFile, onnxRequest(m, show(m.onnxFile)));
}

/** One line per fact `modelgate validate` prints about an ONNX model. */
export function describeOnnxModel(model: CheckedOnnxModel): string[] {
  const { info, binding } = model;
  const opsets = [...info.opsets].map(([domain, version]) => `${domain || "ai.onnx"} ${version}`).join(", ");
  const input =
    binding.input.kind === "matrix"
      ? `one input ${binding.input.name} [N, ${binding.input.width}] ${elementTypeName(binding.input.elementType)}, fed with the features in order`
      : `one input per column: ${binding.input.columns.map((c) => `${c.name} ${elementTypeName(c.elementType)}`).join(", ")}`;
  const output = binding.output;
  return [
    `onnx       ${model.file}  sha256 ${model.sha256}`,
    `  producer   ${info.producerName || "(not named)"} ${info.producerVersion}`.trimEnd(),
    `  opsets     ${opsets}, IR version ${info.irVersion}`,
    `  inputs     ${input}`,
    `  output     ${output.name} ${elementTypeName(output.elementType)}${output.width > 1 ? `, column ${output.column} of ${output.width}` : ""}`,
  ];
}
