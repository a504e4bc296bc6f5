/**
 * The one loader of fitted models: from a model file (`modelgate predict --model FILE`), or from
 * a registry version (a champion: the version under alias `production`, read through a
 * RegistrySource, the working tree, a git commit, or GitHub's contents API at the base commit),
 * its bytes checked against the sha256 the registry recorded.
 */
import { readFile } from "node:fs/promises";
import path, { posix } from "node:path";
import { sha256Hex } from "../canonical-json.js";
import { InputError } from "../errors.js";
import { emptyRegistry, parseRegistry, registryPaths, type Registry } from "../registry/registry-document.js";
import { resolveAlias } from "../registry/registry-transitions.js";
import { parseModelFile } from "./model-file.js";
import { builtinModel, type BuiltinModel } from "./builtin-model.js";
import type { ModelFile } from "./model-file.js";
import type { FittedModel } from "./fitted-model.js";
import { onnxModelOfFile } from "./onnx/onnx-model-file.js";
import type { OnnxFittedModel } from "./onnx/onnx-fitted-model.js";

/** A registry version loaded and checked: the model an alias points at. */
export interface Champion {
  alias: string;
  version: number;
  model: ModelFile;
  /** sha256 of the model file's bytes as stored. */
  sha256: string;
  /** An ONNX version: the model its pinned bytes make, checked against sha256 and signature. */
  onnx?: OnnxFittedModel;
}

/**
 * A champion behind the model interface (its sha256, the bytes' as the registry checked them):
 * the built-in model of its model file, or the ONNX model the file pins.
 */
export function championModel(champion: Champion): FittedModel {
  return champion.onnx ?? builtinModel(champion.model, champion.sha256);
}

/**
 * A built-in model file's bytes behind the model interface; `file` names it in errors. Refuses
 * with an InputError (exit 2) what is not a model modelgate can score (an ONNX model file needs
 * its .onnx bytes too: {@link loadModelFile} reads them).
 */
export function modelFromBytes(bytes: Uint8Array, file: string): BuiltinModel {
  const { model, sha256 } = parseModelBytes(bytes, file);
  if (model.onnx !== undefined)
    throw new InputError({
      file,
      message: `pins an ONNX model (${model.onnx.file}, sha256 ${model.onnx.sha256.slice(0, 12)}…), which its bytes are needed to score`,
      hint: "load it with the .onnx file beside it (modelgate predict --model, or a registry version through loadChampion)",
    });
  return builtinModel(model, sha256);
}

function parseModelBytes(bytes: Uint8Array, file: string): { model: ModelFile; sha256: string } {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (!/^\s*[{[]/.test(text))
    throw new InputError({
      file,
      message: "is not a modelgate model file (JSON)",
      hint: "give a model file written by modelgate train or run (models/<model>.json)",
    });
  return { model: parseModelFile(text, file), sha256: sha256Hex(text) };
}

async function readModelBytes(filePath: string, shown: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(filePath);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InputError({
      file: shown,
      message:
        code === "ENOENT" ? `the ${what} does not exist` : `the ${what} cannot be read (${code ?? "error"})`,
      hint: "check the path; model files are written by modelgate train or run",
    });
  }
}

/**
 * Reads a model file from disk (`shown`: how messages name it) and loads it. A model file that
 * pins an ONNX model loads it from the .onnx file beside it (as `modelgate run` writes them).
 */
export async function loadModelFile(filePath: string, shown = filePath): Promise<FittedModel> {
  const bytes = await readModelBytes(filePath, shown, "model file");
  const { model, sha256 } = parseModelBytes(bytes, shown);
  const pin = model.onnx;
  if (pin === undefined) return builtinModel(model, sha256);
  const onnxPath = path.join(path.dirname(filePath), pin.file);
  const onnxShown = path.join(path.dirname(shown), pin.file);
  return onnxModelOfFile(model, await readModelBytes(onnxPath, onnxShown, "ONNX file it pins"), onnxShown);
}

/** Reads files of the repository by POSIX path relative to its root; null when absent. */
export interface RegistrySource {
  /** Where the files come from, for messages: "the working tree", "commit abc1234". */
  describe: string;
  read(relativePath: string): Promise<string | null>;
  /**
   * A file's bytes as stored (an ONNX model); null when absent. A source without it cannot load
   * ONNX versions: loading one is refused with a message.
   */
  readBytes?(relativePath: string): Promise<Uint8Array | null>;
}

/** Files of the working tree under `root`. */
export function workingTreeSource(root: string): RegistrySource {
  const at = (relativePath: string) => path.join(root, ...relativePath.split("/"));
  return {
    describe: "the working tree",
    read: (relativePath) => orNull(readFile(at(relativePath), "utf8")),
    readBytes: (relativePath) => orNull(readFile(at(relativePath))),
  };
}

async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return null;
    throw e;
  }
}

/**
 * The same source, reading each file once: a run asks for registry.json for the registry-change
 * check, for each model's champion and for the metric history, and through the contents API
 * each of those is a request.
 */
export function cachedSource(source: RegistrySource): RegistrySource {
  const seen = new Map<string, Promise<string | null>>();
  const readBytes = source.readBytes?.bind(source);
  return {
    describe: source.describe,
    read(relativePath) {
      let text = seen.get(relativePath);
      if (!text) {
        text = source.read(relativePath);
        seen.set(relativePath, text);
      }
      return text;
    },
    // Model bytes are read once per run anyway, and may be large: not kept.
    ...(readBytes ? { readBytes } : {}),
  };
}

/** The registry document, or an empty one when the repository has none yet. */
export async function readRegistry(source: RegistrySource, registryDir: string): Promise<Registry> {
  const file = registryPaths(registryDir).registry;
  const text = await source.read(file);
  return text === null ? emptyRegistry() : parseRegistry(text, file);
}

/** The model version under `alias`, loaded and verified; null when the alias is not set. */
export async function loadChampion(
  source: RegistrySource,
  registryDir: string,
  model: string,
  alias = "production",
  registry?: Registry,
): Promise<Champion | null> {
  const doc = registry ?? (await readRegistry(source, registryDir));
  const version = resolveAlias(doc, model, alias);
  if (!version) return null;
  const file = registryPaths(registryDir).modelFile(model, version.version);
  const text = await source.read(file);
  if (text === null)
    throw new InputError({
      file: registryPaths(registryDir).registry,
      message: `${model} v${version.version} (alias ${alias}) names ${file}, which is missing in ${source.describe}`,
      hint: "restore the model file from git history; registry files are only written by modelgate",
    });
  const sha256 = sha256Hex(text);
  if (sha256 !== version.modelSha256)
    throw new InputError({
      file,
      message: `the model file's sha256 is ${sha256.slice(0, 12)}…, but the registry recorded ${version.modelSha256.slice(0, 12)}… for ${model} v${version.version}`,
      hint: "model files in the registry must not be edited; restore it from git history",
    });
  const modelFile = parseModelFile(text, file);
  if (modelFile.onnx === undefined) return { alias, version: version.version, model: modelFile, sha256 };
  // Content-addressed beside the model files (registry-document.ts), as the registry records it.
  const onnxFile = posix.join(
    registryDir,
    version.onnx?.file ?? registryPaths().relativeOnnxFile(modelFile.model, modelFile.onnx.sha256),
  );
  if (version.onnx !== undefined && version.onnx.sha256 !== modelFile.onnx.sha256)
    throw new InputError({
      file: registryPaths(registryDir).registry,
      message: `${modelFile.model} v${version.version} pins ONNX sha256 ${version.onnx.sha256.slice(0, 12)}…, but its model file pins ${modelFile.onnx.sha256.slice(0, 12)}…`,
      hint: "registry files are only written by modelgate; restore them from git history",
    });
  if (source.readBytes === undefined)
    throw new InputError({
      file: onnxFile,
      message: `${modelFile.model} v${version.version} is an ONNX model, and ${source.describe} cannot hand out its bytes`,
      hint: "read the registry from a checkout or through the contents API of a current modelgate",
    });
  const bytes = await source.readBytes(onnxFile);
  if (bytes === null)
    throw new InputError({
      file: onnxFile,
      message: `${modelFile.model} v${version.version} (alias ${alias}) is an ONNX model whose file is missing in ${source.describe}`,
      hint: "restore the .onnx file from git history; registry files are only written by modelgate",
    });
  return {
    alias,
    version: version.version,
    model: modelFile,
    sha256,
    onnx: onnxModelOfFile(modelFile, bytes, onnxFile),
  };
}

/** The registry folder as a POSIX path relative to the repository root. */
export function registryDirOf(root: string, registryDirAbs: string): string {
  return path.relative(root, registryDirAbs).split(path.sep).join("/") || ".";
}
