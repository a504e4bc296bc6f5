/**
 * Opens an ONNX model file named by a model spec: reads its bytes, reads the protobuf, checks it
 * against the spec's features and task, and pins it by sha256. Every refusal is an InputError
 * (exit 2) naming the file, what is wrong and how to fix it.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { InputError } from "../../errors.js";
import { checkOnnxModel, type OnnxBinding, type OnnxCheckRequest } from "./check-onnx.js";
import { OnnxFormatError, readOnnxModel, type OnnxModelInfo } from "./read-onnx.js";

/** A checked ONNX model, ready to score. */
export interface CheckedOnnxModel {
  file: string;
  bytes: Uint8Array;
  sha256: string;
  info: OnnxModelInfo;
  binding: OnnxBinding;
}

const LFS_POINTER = "version https://git-lfs";

/**
 * Reads and checks the bytes of an ONNX model.
 *
 * @throws InputError naming `req.file` when the bytes are not a usable ONNX model for the spec.
 */
export function checkOnnxBytes(bytes: Uint8Array, req: OnnxCheckRequest): CheckedOnnxModel {
  let info: OnnxModelInfo;
  try {
    info = readOnnxModel(bytes);
  } catch (error) {
    if (!(error instanceof OnnxFormatError)) throw error;
    const head = new TextDecoder().decode(bytes.subarray(0, LFS_POINTER.length));
    throw new InputError({
      file: req.file,
      message: `is not a readable ONNX model: ${error.message}`,
      hint:
        head === LFS_POINTER
          ? "the file is a Git LFS pointer: run `git lfs pull` (or check out with LFS) so the model's bytes are there"
          : bytes.length === 0
            ? "write the model again (onnx.save(model, path)); an export that failed can leave an empty file"
            : "the file is cut short or is not ONNX: export it again and commit the whole file",
    });
  }
  const checked = checkOnnxModel(req, info);
  if (checked.binding === undefined) throw new InputError(checked.problems);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { file: req.file, bytes, sha256, info, binding: checked.binding };
}

/**
 * Reads an ONNX model file from disk and checks it.
 *
 * @param path where to read it; `req.file` is how messages name it.
 * @throws InputError when the file is missing or not a usable ONNX model for the spec.
 */
export function openOnnxModel(path: string, req: OnnxCheckRequest): CheckedOnnxModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError({
      file: req.file,
      message:
        code === "ENOENT"
          ? "the model file does not exist"
          : `the model file cannot be read (${code ?? "error"})`,
      hint: "`file` in the model spec's algorithm is relative to the model spec; commit the .onnx file there",
    });
  }
  return checkOnnxBytes(bytes, req);
}
