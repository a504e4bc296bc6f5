/**
 * Loads ONNX Runtime when a spec first needs it, never at import: a project without ONNX models
 * (and the Action's bundle, for such a project) pays nothing for it.
 *
 * Two backends share one API (onnxruntime-common's): `native`, onnxruntime-node's library
 * (fastest; the CLI's choice and the default), and `wasm`, onnxruntime-web's WebAssembly build
 * (needs no native file: the Action's committed bundle ships its `.wasm` beside it). The
 * measurements behind the choice are in bench/README.md ("ONNX scoring").
 */
import type * as Ort from "onnxruntime-common";
import { UsageError } from "../../errors.js";

/** Which ONNX Runtime build scores. */
export type OnnxBackend = "native" | "wasm";

/** The loaded runtime: its API and which backend it is. */
export interface OnnxRuntime {
  backend: OnnxBackend;
  ort: typeof Ort;
}

const loaded = new Map<OnnxBackend, Promise<OnnxRuntime>>();

/** Where a bundle that carries the WebAssembly files keeps them (set by the bundle's entry). */
let wasmFolder: string | undefined;

/**
 * Tells the wasm backend where `ort-wasm-simd-threaded.mjs` and `.wasm` are, for a bundle that
 * ships them beside itself (the Action's dist/). A folder path or URL ending in `/`.
 */
export function setOnnxWasmFolder(folder: string): void {
  wasmFolder = folder;
}

async function importBackend(backend: OnnxBackend): Promise<OnnxRuntime> {
  if (backend === "native") {
    // A variable specifier keeps bundlers from inlining the native binding.
    const specifier = "onnxruntime-node";
    const ort = (await import(specifier)) as typeof Ort;
    return { backend, ort };
  }
  // A literal specifier: a bundle carries onnxruntime-web's JavaScript in a lazily loaded chunk
  // (its .wasm and .mjs files are copied beside it by scripts/bundle.mjs).
  const ort = (await import("onnxruntime-web")) as typeof Ort;
  if (wasmFolder !== undefined) ort.env.wasm.wasmPaths = wasmFolder;
  return { backend, ort };
}

const PACKAGES: Record<OnnxBackend, string> = { native: "onnxruntime-node", wasm: "onnxruntime-web" };

/** The package is not installed (as opposed to installed and failing to load). */
function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    typeof message === "string" &&
    message.includes(`'${name}'`)
  );
}

/**
 * The runtime for `backend`, loaded once per process. Without a backend: the native one when
 * onnxruntime-node can be loaded here, else the WebAssembly one.
 *
 * ONNX Runtime is an optional peer dependency of the npm package (the command line does not
 * install it): when it is missing, a UsageError (exit 2) names the package to install.
 *
 * @throws UsageError when the package(s) are not installed; Error when one is and fails to load.
 */
export function loadOnnxRuntime(backend?: OnnxBackend): Promise<OnnxRuntime> {
  const key: OnnxBackend = backend ?? "native";
  let runtime = loaded.get(key);
  if (runtime === undefined) {
    runtime = importBackend(key).catch(async (error: unknown) => {
      if (backend === undefined)
        return loadOnnxRuntime("wasm").catch((wasmError: unknown) => {
          if (!(wasmError instanceof UsageError)) throw wasmError;
          if (!isMissing(error, PACKAGES.native))
            throw new Error(
              `ONNX Runtime (onnxruntime-node) could not be loaded: ${(error as Error).message}`,
            );
          throw new UsageError(
            "needs ONNX Runtime to score an ONNX model, and neither onnxruntime-node nor onnxruntime-web is installed",
            "npm install --save-dev onnxruntime-node (or onnxruntime-web, slower but without a native library) beside modelgate",
          );
        });
      if (isMissing(error, PACKAGES[key]))
        throw new UsageError(
          `needs ${PACKAGES[key]} to score an ONNX model with the ${key} backend, and it is not installed`,
          `npm install --save-dev ${PACKAGES[key]} beside modelgate`,
        );
      throw new Error(`ONNX Runtime (${PACKAGES[key]}) could not be loaded: ${(error as Error).message}`);
    });
    loaded.set(key, runtime);
  }
  return runtime;
}
