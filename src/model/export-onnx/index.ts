/**
 * `modelgate export --format onnx`: a built-in model file as the bytes of an ONNX model that
 * any ONNX runtime scores like the engine does (see linear-model-graph.ts for the graph and the
 * input conventions).
 */
import type { ModelFile } from "../model-file.js";
import { linearModelGraph, ONNX_ML_OPSET, ONNX_OPSET } from "./linear-model-graph.js";
import { encodeOnnxModel, type OnnxModel } from "./onnx-message.js";

export { DEFAULT_LABEL_THRESHOLD, ONNX_ML_OPSET, ONNX_OPSET } from "./linear-model-graph.js";
export type { OnnxModel } from "./onnx-message.js";

/** The ONNX IR version written (ONNX 1.12's, the one that goes with opset 17). */
export const ONNX_IR_VERSION = 8;

export interface ExportOptions {
  /** modelgate's version, written as the producer version. */
  producerVersion: string;
  /** sha256 of the model file the export was made from, kept in the metadata. */
  modelSha256: string;
  /** Where the model came from, kept in the metadata ("registry v3 (production)", a path). */
  source: string;
}

/** `model` as an ONNX model description (graph, operator sets, metadata). */
export function onnxModelOf(model: ModelFile, options: ExportOptions): OnnxModel {
  const { graph, usesMl } = linearModelGraph(model);
  return {
    irVersion: ONNX_IR_VERSION,
    opsets: [
      { domain: "", version: ONNX_OPSET },
      ...(usesMl ? [{ domain: "ai.onnx.ml", version: ONNX_ML_OPSET }] : []),
    ],
    producerName: "modelgate",
    producerVersion: options.producerVersion,
    doc: graph.doc,
    graph,
    metadata: [
      ["modelgate.model", model.model],
      ["modelgate.algorithm", model.algorithm.type],
      ["modelgate.task", model.task],
      ["modelgate.target", model.target],
      ...(model.positiveClass === null
        ? []
        : ([["modelgate.positive_class", model.positiveClass]] as [string, string][])),
      ["modelgate.model_sha256", options.modelSha256],
      ["modelgate.spec_sha256", model.specHash],
      ["modelgate.data_sha256", model.dataHash],
      ["modelgate.source", options.source],
    ],
  };
}

/** The bytes of the ONNX file of `model`: the same model and options give the same bytes. */
export function exportOnnx(model: ModelFile, options: ExportOptions): Uint8Array {
  return encodeOnnxModel(onnxModelOf(model, options));
}
