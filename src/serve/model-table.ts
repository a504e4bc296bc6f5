/**
 * The versions the server answers with, one per model, following the registry: each refresh
 * reads registry.json, and where an alias moved (or a pinned version is not loaded yet) loads the
 * new version beside the old one, checks its sha256, scores a canary row, and only then swaps.
 * A request takes the version current when it starts and keeps it to the end, so a swap never
 * mixes versions; a version that fails to load or verify is not served and the old one stays.
 */
import { posix } from "node:path";
import { sha256Hex } from "../canonical-json.js";
import type { Registry } from "../registry/registry-document.js";
import { registryPaths } from "../registry/registry-document.js";
import { readRegistry, type RegistrySource } from "../model/load-model.js";
import type { DataSpec } from "../project/schemas.js";
import type { FittedModel } from "../model/fitted-model.js";
import { modelFromBytes } from "../model/load-model.js";
import { parseModelFile } from "../model/model-file.js";
import { onnxModelOfFile } from "../model/onnx/onnx-model-file.js";
import { buildRequestBatch } from "./build-request-batch.js";
import { canaryRequest } from "./canary-row.js";
import { RequestError } from "./request-error.js";
import { servedModel, type ServedModel } from "./served-model.js";

/** A model the server serves: which alias it follows, or the version it is pinned to. */
export interface ServeTarget {
  model: string;
  alias: string;
  /** A pinned version (`--version N`): served whatever the alias says. */
  version?: number;
  /** The data spec requests are validated against. */
  dataSpec: DataSpec;
}

/** What a version needs to become a {@link ServedModel}: its file's text and where it came from. */
export interface VersionToLoad {
  model: string;
  version: number;
  sha256: string;
  file: string;
  text: string;
  dataSpec: DataSpec;
  metrics: Record<string, number | null>;
  /**
   * The bytes of the ONNX file the version pins (content-addressed beside the model files); null
   * when the source has no such file or cannot hand out bytes.
   */
  onnxBytes(sha256: string): Promise<{ bytes: Uint8Array; file: string } | null>;
}

/** Turns a version's file into a fitted model; throws when the file is not a model. */
export type ModelLoader = (v: VersionToLoad) => FittedModel | Promise<FittedModel>;

/**
 * Any model file the model layer reads: a built-in model, or an ONNX version through the bytes
 * it pins (checked against their sha256 and the pinned signature by the ONNX model layer).
 */
export const loadRegistryModel: ModelLoader = async (v) => {
  const file = parseModelFile(v.text, v.file);
  if (file.onnx === undefined) return modelFromBytes(new TextEncoder().encode(v.text), v.file);
  const onnx = await v.onnxBytes(file.onnx.sha256);
  if (onnx === null)
    throw new Error(
      `${v.model} v${v.version} pins ${file.onnx.sha256.slice(0, 12)}….onnx, which the registry source cannot provide`,
    );
  return onnxModelOfFile(file, onnx.bytes, onnx.file);
};

/** What one refresh did for one model. */
export type FollowEvent =
  | { kind: "loaded"; model: string; alias: string; version: number; previous: number | null; ms: number }
  | { kind: "failed"; model: string; alias: string; version: number; reason: string }
  | { kind: "missing"; model: string; alias: string; reason: string };

/** Told before a version starts loading (a deployment goes `in_progress`). */
export type OnLoading = (model: string, alias: string, version: number) => Promise<void>;

/** The version a model is served with now. */
export interface CurrentVersion {
  served: ServedModel;
  alias: string;
  /** Whether the version was pinned rather than followed. */
  pinned: boolean;
}

/** The served versions of every target, swapped as the registry moves. */
export class ModelTable {
  private readonly current = new Map<string, CurrentVersion>();
  /** `model@version@sha256` of versions that failed: not tried again until their bytes change. */
  private readonly refused = new Set<string>();

  constructor(
    readonly targets: readonly ServeTarget[],
    private readonly registryDir: string,
    private readonly loader: ModelLoader = loadRegistryModel,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The version serving `model` now, if one is loaded. */
  get(model: string): CurrentVersion | undefined {
    return this.current.get(model);
  }

  /** Every model with a loaded version. */
  loaded(): CurrentVersion[] {
    return [...this.current.values()];
  }

  /** Whether every target has a version loaded. */
  get ready(): boolean {
    return this.targets.every((t) => this.current.has(t.model));
  }

  /**
   * Reads the registry from `source` (one snapshot: a working tree or one commit) and loads what
   * moved. Returns what happened, one event per model that changed or failed.
   */
  async refresh(source: RegistrySource, onLoading?: OnLoading): Promise<FollowEvent[]> {
    const registry = await readRegistry(source, this.registryDir);
    const events: FollowEvent[] = [];
    for (const target of this.targets) {
      const event = await this.follow(target, registry, source, onLoading);
      if (event) events.push(event);
    }
    return events;
  }

  private async follow(
    target: ServeTarget,
    registry: Registry,
    source: RegistrySource,
    onLoading: OnLoading | undefined,
  ): Promise<FollowEvent | null> {
    const { model, alias } = target;
    const entry = registry.models[model];
    const wanted = target.version ?? entry?.aliases[alias];
    if (wanted === undefined)
      return this.current.has(model)
        ? null
        : {
            kind: "missing",
            model,
            alias,
            reason: entry
              ? `the registry has no alias "${alias}" for ${model}`
              : `the registry has no model "${model}"`,
          };
    const have = this.current.get(model);
    if (have && have.served.version === wanted) return null;
    const version = entry?.versions[wanted - 1];
    if (!version || version.version !== wanted)
      return this.refuse(
        model,
        alias,
        wanted,
        `${model}@${wanted}@none`,
        `the registry has no version ${wanted} of ${model}`,
      );
    const key = `${model}@${wanted}@${version.modelSha256}`;
    if (this.refused.has(key)) return null;
    await onLoading?.(model, alias, wanted);
    const started = this.now();
    const file = registryPaths(this.registryDir).modelFile(model, wanted);
    let served: ServedModel;
    try {
      const text = await source.read(file);
      if (text === null) throw new Error(`${file} is missing in ${source.describe}`);
      const sha256 = sha256Hex(text);
      if (sha256 !== version.modelSha256)
        throw new Error(
          `sha256 mismatch: ${file} hashes to ${sha256.slice(0, 12)}…, the registry recorded ${version.modelSha256.slice(0, 12)}…`,
        );
      const fitted = await this.loader({
        model,
        version: wanted,
        sha256,
        file,
        text,
        dataSpec: target.dataSpec,
        metrics: version.metrics,
        onnxBytes: async (pinned) => {
          const onnxFile = posix.join(
            this.registryDir,
            version.onnx?.file ?? registryPaths().relativeOnnxFile(model, pinned),
          );
          const bytes = (await source.readBytes?.(onnxFile)) ?? null;
          return bytes === null ? null : { bytes, file: onnxFile };
        },
      });
      served = await servedModel(fitted, target.dataSpec, {
        version: wanted,
        sha256,
        metrics: version.metrics,
      });
      await checkCanary(served);
    } catch (e) {
      return this.refuse(model, alias, wanted, key, e instanceof Error ? e.message : String(e));
    }
    const previous = have?.served.version ?? null;
    this.current.set(model, { served, alias, pinned: target.version !== undefined });
    return { kind: "loaded", model, alias, version: wanted, previous, ms: this.now() - started };
  }

  private refuse(model: string, alias: string, version: number, key: string, reason: string): FollowEvent {
    if (key) this.refused.add(key);
    return { kind: "failed", model, alias, version, reason };
  }
}

/** Scores a canary row from the version's training profile; throws unless it gives a finite number. */
export async function checkCanary(served: ServedModel): Promise<void> {
  let batch;
  try {
    batch = buildRequestBatch(canaryRequest(served.profile, served.features, served.dataSpec), served);
  } catch (e) {
    if (e instanceof RequestError)
      throw new Error(`canary row from the training profile is refused: ${e.message}`, { cause: e });
    throw e;
  }
  const out = new Float64Array(1);
  try {
    await served.score(batch, out);
  } catch (e) {
    throw new Error(`the model throws on the canary row: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  if (!Number.isFinite(out[0]!)) throw new Error(`the model scores the canary row as ${out[0]}`);
}
