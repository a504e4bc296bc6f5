/** Response bodies of both protocols: predictions, metadata and errors. */
import type { FieldError } from "./request-error.js";
import { summarise } from "./request-error.js";
import type { ServedModel } from "./served-model.js";

/**
 * The Open Inference Protocol inference response for `predictions` of `model`, as JSON text:
 * `{"model_name", "model_version", "id" (when the request had one), "outputs": [one FP64 tensor]}`.
 * Written out directly (the text `JSON.stringify` gives for that object, byte for byte): it is
 * the one encoding every request pays for.
 */
export function inferResponse(model: ServedModel, predictions: Float64Array, id?: string): string {
  const out = model.outputs[0]!;
  return (
    `{"model_name":${JSON.stringify(model.name)},"model_version":"${model.version}"` +
    (id !== undefined ? `,"id":${JSON.stringify(id)}` : "") +
    `,"outputs":[{"name":${JSON.stringify(out.name)},"datatype":${JSON.stringify(out.datatype)},` +
    `"shape":[${predictions.length}],"data":${numbersText(predictions)}}]}`
  );
}

/** MLflow's scoring response, as JSON text: `{"predictions": [...]}`. */
export function invocationsResponse(predictions: Float64Array): string {
  return `{"predictions":${numbersText(predictions)}}`;
}

/** A JSON array of numbers; NaN and infinities are null, as `JSON.stringify` writes them. */
function numbersText(values: Float64Array): string {
  let text = "[";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) text += ",";
    text += Number.isFinite(v) ? String(v) : "null";
  }
  return text + "]";
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
