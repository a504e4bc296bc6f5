/**
 * Checks ONNX bytes against the pin a model file holds (sha256, size, input/output signature)
 * without running them: what the App does before it commits a model into the registry.
 */
import { createHash } from "node:crypto";
import { elementTypeName, OnnxFormatError, readOnnxModel } from "./read-onnx.js";

/** The part of a model file's `onnx` block the bytes are checked against. */
export interface OnnxPinClaim {
  sha256: string;
  bytes: number;
  inputs: readonly { name: string; elementType: string }[];
  output: { name: string; elementType: string };
}

/**
 * Whether `bytes` are the ONNX model `claim` describes.
 *
 * @returns null when they are; else what is wrong, in words that quote nothing from the bytes.
 */
export function verifyOnnxPin(bytes: Uint8Array, claim: OnnxPinClaim): string | null {
  if (bytes.length !== claim.bytes)
    return `it is ${bytes.length} bytes, but its model file pins ${claim.bytes}`;
  if (createHash("sha256").update(bytes).digest("hex") !== claim.sha256)
    return "its sha256 is not the one its model file (named by report.json) pins";
  let info;
  try {
    info = readOnnxModel(bytes);
  } catch (error) {
    if (error instanceof OnnxFormatError) return "it does not parse as an ONNX model";
    throw error;
  }
  const typeOf = (list: typeof info.inputs, name: string) => {
    const v = list.find((x) => x.name === name);
    return v === undefined
      ? undefined
      : v.type.kind === "tensor"
        ? elementTypeName(v.type.elementType)
        : v.type.kind;
  };
  for (const input of claim.inputs)
    if (typeOf(info.inputs, input.name) !== input.elementType)
      return "its inputs are not the ones its model file records";
  if (typeOf(info.outputs, claim.output.name) !== claim.output.elementType)
    return "its output is not the one its model file records";
  return null;
}
