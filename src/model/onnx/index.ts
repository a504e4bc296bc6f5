/**
 * ONNX models: read and check a file against a spec (pure), and score rows with ONNX Runtime
 * (loaded only when a model is opened).
 */
export {
  checkOnnxModel,
  type OnnxBinding,
  type OnnxCheckRequest,
  type OnnxFeature,
  type FeatureKind,
} from "./check-onnx.js";
export { checkOnnxBytes, openOnnxModel, type CheckedOnnxModel } from "./open-onnx-model.js";
export {
  elementTypeName,
  ElementType,
  OnnxFormatError,
  readOnnxModel,
  type OnnxModelInfo,
  type ValueInfo,
} from "./read-onnx.js";
export { loadOnnxRuntime, setOnnxWasmFolder, type OnnxBackend } from "./onnx-runtime.js";
export { OnnxScorer, type FeatureValues, type OnnxScorerOptions } from "./score-onnx.js";
export { describeOnnxModel, featureKind, onnxRequest, openSpecOnnxModel } from "./onnx-spec.js";
