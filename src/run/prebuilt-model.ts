/**
 * A model spec whose model was fitted elsewhere (`algorithm: { type: onnx }`): the data is
 * checked and split as for a fit, the ONNX file is opened and checked against the spec, and the
 * model file records it (pinned by sha256, with its signature) beside the training data profile.
 */
import type { DatasetScan } from "../data/scan-dataset.js";
import type { LoadedModel } from "../project/load-project.js";
import { isOnnxAlgorithm } from "../project/schemas.js";
import type { ModelFit } from "../train/fit-common.js";
import { MODEL_FILE_FORMAT, type ModelFile } from "../model/model-file.js";
import { elementTypeName, type CheckedOnnxModel } from "../model/onnx/index.js";

/** The fit of a prebuilt model: nothing learnt here, the rows it would have been trained on. */
export function prebuiltFit(scan: DatasetScan, missingTarget: number): ModelFit {
  return {
    pipeline: { features: [], intercept: false, standardise: false },
    coefficients: {},
    intercept: null,
    standardErrors: {},
    interceptStandardError: null,
    alpha: null,
    trainingRows: scan.train,
    missingTarget,
    trials: [],
    chosen: 0,
    searchMetric: "",
    folds: 0,
    warnings: [],
  };
}

/** What every model file of a spec's model says first: which model, task and target, from what. */
export function modelFileHeader(
  m: LoadedModel,
  scan: DatasetScan,
): Pick<ModelFile, "format" | "model" | "task" | "target" | "positiveClass" | "specHash" | "dataHash"> {
  return {
    format: MODEL_FILE_FORMAT,
    model: m.name,
    task: m.spec.task,
    target: m.spec.target,
    positiveClass: m.spec.positiveClass === undefined ? null : String(m.spec.positiveClass),
    specHash: m.specHash,
    dataHash: scan.sha256,
  };
}

/** The model file of an ONNX model: its bytes pinned, its signature, the data profile. */
export function onnxModelFile(m: LoadedModel, onnx: CheckedOnnxModel, scan: DatasetScan): ModelFile {
  const { info, binding } = onnx;
  const input = binding.input;
  const inputs =
    input.kind === "matrix"
      ? m.features.map((feature) => ({
          name: input.name,
          elementType: elementTypeName(input.elementType),
          feature,
        }))
      : input.columns.map((c) => ({
          name: c.name,
          elementType: elementTypeName(c.elementType),
          feature: m.features[c.feature]!,
        }));
  return {
    ...modelFileHeader(m, scan),
    trainingRows: scan.train,
    algorithm: {
      type: "onnx",
      intercept: false,
      alpha: null,
      threshold:
        isOnnxAlgorithm(m.spec.algorithm) && m.spec.task === "classification"
          ? m.spec.algorithm.threshold
          : null,
    },
    pipeline: { features: [], intercept: false, standardise: false },
    coefficients: {},
    intercept: null,
    standardErrors: {},
    interceptStandardError: null,
    profile: scan.profile,
    warnings: [],
    onnx: {
      file: `${m.name}.onnx`,
      sha256: onnx.sha256,
      bytes: onnx.bytes.length,
      producer: `${info.producerName} ${info.producerVersion}`.trim(),
      opsets: Object.fromEntries([...info.opsets].map(([domain, version]) => [domain || "ai.onnx", version])),
      inputs,
      output: {
        name: binding.output.name,
        elementType: elementTypeName(binding.output.elementType),
        column: binding.output.column,
      },
    },
  };
}
