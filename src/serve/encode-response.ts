/** Response bodies of both protocols: predictions, metadata and errors. */
import type { FieldError } from "./request-error.js";
import { summarise } from "./request-error.js";
import type { ServedModel } from "./served-model.js";

/** The Open Inference Protocol inference response for `predictions` of `model`. */
export function inferResponse(model: ServedModel, predictions: Float64Array, id?: string): object {
  const out = model.outputs[0]!;
  return {
    model_name: model.name,
    model_version: String(model.version),
    ...(id !== undefined ? { id } : {}),
    outputs: [
      { name: out.name, datatype: out.datatype, shape: [predictions.length], data: Array.from(predictions) },
    ],
  };
}

/** MLflow's scoring response: `{"predictions": [...]}`. */
export function invocationsResponse(predictions: Float64Array): object {
  return { predictions: Array.from(predictions) };
}

/** The Open Inference Protocol model metadata (`GET /v2/models/{name}`). */
export function modelMetadata(model: ServedModel, alias: string | null): object {
  return {
    name: model.name,
    versions: [String(model.version)],
    platform: "modelgate",
    inputs: model.inputs,
    outputs: model.outputs,
    // The protocol's properties are strings.
    properties: {
      task: model.task,
      sha256: model.sha256,
      ...(alias ? { alias } : {}),
    },
  };
}

/** The Open Inference Protocol server metadata (`GET /v2`). */
export function serverMetadata(version: string): object {
  return { name: "modelgate", version, extensions: [] };
}

/**
 * The Open Inference Protocol error shape, `{"error": "..."}`, with every problem listed under
 * `errors` (the protocol allows more properties).
 */
export function errorResponse(errors: readonly FieldError[]): object {
  return { error: summarise(errors), errors };
}

/** MLflow's error shape, with every problem listed under `errors`. */
export function invocationsErrorResponse(status: number, errors: readonly FieldError[]): object {
  return {
    error_code: status === 404 ? "RESOURCE_DOES_NOT_EXIST" : status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST",
    message: summarise(errors),
    errors,
  };
}
