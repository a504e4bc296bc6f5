/**
 * Pure transitions of the registry: each takes a document and a request and returns the new
 * document plus the files to write, without doing any I/O. Adapters carry the writes out: the
 * App as one commit through the Git data API, the CLI on disk. Time and actor are inputs, so a
 * transition replayed with the same inputs gives the same bytes.
 *
 * Replays change nothing: registering the same (model, head commit) again returns the existing
 * version, and a promotion already recorded in the event log is not repeated, so a duplicate
 * webhook delivery or a retried commit is harmless.
 */
import { sha256Hex } from "../canonical-json.js";
import { InputError } from "../errors.js";
import { suggest } from "../project/did-you-mean.js";
import { MODEL_NAME_PATTERN } from "../project/schemas.js";
import type { DataPinRecord } from "../project/data-pin.js";
import type { ModelVersion, OnnxPin, Registry, RegistryEvent, RegistryModel } from "./registry-document.js";
import {
  onnxPinSchema,
  ALIAS_PATTERN,
  DEFAULT_REGISTRY_DIR,
  modelVersionSchema,
  registryEventSchema,
  registryPaths,
  serialiseRegistry,
} from "./registry-document.js";

/** One file to write, as a path from the repository root (POSIX) and its full content. */
export interface FileWrite {
  path: string;
  content: string;
}

/** A file whose bytes are written as they are (an ONNX model), path as in {@link FileWrite}. */
export interface ByteWrite {
  path: string;
  bytes: Uint8Array;
}

/** The outcome of a transition. */
export interface RegistryChange {
  /** The new document (the input itself when nothing changed; inputs are never mutated). */
  registry: Registry;
  /** Files to write, model files first and registry.json last; empty when nothing changed. */
  writes: FileWrite[];
  /**
   * Binary files to write with {@link writes}, in the same commit (ONNX models, stored byte for
   * byte); absent or empty when there are none.
   */
  byteWrites?: ByteWrite[];
  changed: boolean;
  /** Events appended by this transition. */
  events: RegistryEvent[];
  /** The version the transition is about (registered, or the alias's target). */
  version: number;
}

/** Who and when, and where the registry lives. */
interface Stamp {
  actor: string;
  /** ISO 8601 time, e.g. new Date().toISOString() at the adapter. */
  at: string;
  /** The registry folder from modelgate.yml; default `.modelgate`. */
  registryDir?: string;
}

export interface RegisterRequest extends Stamp {
  model: string;
  /** The model file's exact bytes (canonical JSON as training wrote it); stored as is. */
  modelFile: string;
  /**
   * An ONNX model's bytes, required when the model file pins one (its `onnx.sha256`); stored byte
   * for byte beside the model files, named by their sha256.
   */
  onnxBytes?: Uint8Array;
  headSha: string;
  pr: number | null;
  mergeCommit: string | null;
  specHash: string;
  dataHash: string;
  /** The data file (relative to the repository root) and its pin, as report.json records them. */
  data?: { file: string; pin?: DataPinRecord };
  metrics: Readonly<Record<string, number | null>>;
  reason?: string;
}

/**
 * What a version records of its data, from its report.json entry's `data`: the file and, for
 * data a workflow step fetched, its pin (the hash itself is `dataHash`).
 */
export function versionData(data: { file: string; pin?: DataPinRecord | undefined }): {
  file: string;
  pin?: DataPinRecord;
} {
  return { file: data.file, ...(data.pin ? { pin: data.pin } : {}) };
}

export interface MoveAliasRequest extends Stamp {
  model: string;
  alias: string;
  version: number;
  pr?: number | null;
  headSha?: string;
  reason?: string;
}

export type RollbackRequest = Omit<MoveAliasRequest, "headSha">;

export interface PromoteRequest extends RegisterRequest {
  alias: string;
}

function fail(registryDir: string | undefined, message: string, hint?: string): never {
  throw new InputError({ file: registryPaths(registryDir ?? DEFAULT_REGISTRY_DIR).registry, message, hint });
}

function entryOf(registry: Registry, model: string, registryDir: string | undefined): RegistryModel {
  const entry = registry.models[model];
  if (entry === undefined)
    fail(
      registryDir,
      `the registry has no model named "${model}"`,
      suggest(model, Object.keys(registry.models), "models in the registry"),
    );
  return entry;
}

function checkAlias(alias: string, registryDir: string | undefined): void {
  if (!ALIAS_PATTERN.test(alias))
    fail(
      registryDir,
      `"${alias}" is not a valid alias name`,
      "alias names are 1-64 characters of lower-case letters, digits, '.', '_' or '-', like production or staging",
    );
}

function checkVersion(
  entry: RegistryModel,
  model: string,
  version: number,
  registryDir: string | undefined,
): void {
  if (!Number.isInteger(version) || version < 1 || version > entry.versions.length)
    fail(
      registryDir,
      `${model} has no version ${version}`,
      entry.versions.length === 0
        ? `${model} has no versions yet`
        : `its versions are 1-${entry.versions.length}`,
    );
}

/** Validates a new event against the schema, so a bad actor or time is refused before it is written. */
function checkedEvent(event: RegistryEvent, registryDir: string | undefined): RegistryEvent {
  const parsed = registryEventSchema.safeParse(event);
  if (!parsed.success)
    fail(
      registryDir,
      `cannot record this change: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

function withModel(registry: Registry, model: string, entry: RegistryModel): Registry {
  return { ...registry, models: { ...registry.models, [model]: entry } };
}

function unchanged(registry: Registry, version: number): RegistryChange {
  return { registry, writes: [], changed: false, events: [], version };
}

/** Strips undefined members, which the schema's strict objects and canonical JSON leave out anyway. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Registers a model file as the model's next version (1 for a new model), with a `register`
 * event. Idempotent by (model, head commit): if a version came from `headSha` already, nothing
 * changes and that version is returned.
 */
export function registerVersion(registry: Registry, request: RegisterRequest): RegistryChange {
  const { model, registryDir } = request;
  if (!MODEL_NAME_PATTERN.test(model))
    fail(
      registryDir,
      `"${model}" is not a valid model name`,
      "model names are 1-64 characters of lower-case letters, digits, '.', '_' or '-'",
    );
  const entry: RegistryModel = registry.models[model] ?? { versions: [], aliases: {}, events: [] };
  const existing = entry.versions.find((v) => v.headSha === request.headSha);
  if (existing) return unchanged(registry, existing.version);

  let parsedFile: unknown;
  try {
    parsedFile = JSON.parse(request.modelFile);
  } catch {
    fail(registryDir, `the model file for ${model} at ${request.headSha} is not valid JSON`);
  }
  const version = entry.versions.length + 1;
  const paths = registryPaths(registryDir);
  const onnx = onnxPinOf(parsedFile, request, paths.relativeOnnxFile);
  const record = modelVersionSchema.safeParse({
    version,
    createdAt: request.at,
    mergeCommit: request.mergeCommit,
    pr: request.pr,
    headSha: request.headSha,
    specHash: request.specHash,
    dataHash: request.dataHash,
    ...(request.data ? { dataFile: request.data.file } : {}),
    ...(request.data?.pin ? { dataPin: request.data.pin } : {}),
    modelSha256: sha256Hex(request.modelFile),
    metrics: { ...request.metrics },
    file: paths.relativeModelFile(model, version),
    ...(onnx ? { onnx } : {}),
  } satisfies ModelVersion);
  if (!record.success)
    fail(
      registryDir,
      `cannot register ${model}: ${record.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const event = checkedEvent(
    compact({
      at: request.at,
      actor: request.actor,
      action: "register",
      version,
      headSha: request.headSha,
      pr: request.pr,
      reason: request.reason,
    }),
    registryDir,
  );
  const next = withModel(registry, model, {
    versions: [...entry.versions, record.data],
    aliases: { ...entry.aliases },
    events: [...entry.events, event],
  });
  return {
    registry: next,
    writes: [
      { path: paths.modelFile(model, version), content: request.modelFile },
      { path: paths.registry, content: serialiseRegistry(next) },
    ],
    // The same bytes promoted twice share one file: writing it again changes nothing.
    ...(onnx && request.onnxBytes
      ? { byteWrites: [{ path: paths.onnxFile(model, onnx.sha256), bytes: request.onnxBytes }] }
      : {}),
    changed: true,
    events: [event],
    version,
  };
}

/**
 * The registry's pin of an ONNX model file (null for a built-in model): the model file's `onnx`
 * block with the place the bytes go, after checking the bytes came along and are the ones the
 * model file pins.
 */
function onnxPinOf(
  parsedFile: unknown,
  request: RegisterRequest,
  relativeOnnxFile: (model: string, sha256: string) => string,
): OnnxPin | null {
  const block = (parsedFile as { onnx?: unknown } | null)?.onnx;
  const { model, registryDir } = request;
  if (block === undefined) {
    if (request.onnxBytes !== undefined)
      fail(registryDir, `${model}'s model file pins no ONNX model, but ONNX bytes were given to register`);
    return null;
  }
  const pin = onnxPinSchema.safeParse(block);
  if (!pin.success)
    fail(registryDir, `the model file for ${model} at ${request.headSha} has an invalid onnx block`);
  if (request.onnxBytes === undefined)
    fail(
      registryDir,
      `${model} is an ONNX model, but its .onnx file was not given`,
      "register it from a run's output folder that holds models/<model>.onnx beside models/<model>.json",
    );
  const sha256 = sha256Hex(request.onnxBytes);
  if (sha256 !== pin.data.sha256 || request.onnxBytes.length !== pin.data.bytes)
    fail(
      registryDir,
      `${model}'s .onnx file has sha256 ${sha256.slice(0, 12)}… (${request.onnxBytes.length} bytes), but its model file pins ${pin.data.sha256.slice(0, 12)}… (${pin.data.bytes} bytes)`,
      "register the .onnx file the run evaluated, unchanged",
    );
  return { ...pin.data, file: relativeOnnxFile(model, sha256) };
}

/** Points an alias (production, staging, any name) at a version. Nothing changes if it already does. */
export function moveAlias(registry: Registry, request: MoveAliasRequest): RegistryChange {
  const { model, alias, version, registryDir } = request;
  const entry = entryOf(registry, model, registryDir);
  checkAlias(alias, registryDir);
  checkVersion(entry, model, version, registryDir);
  const from = entry.aliases[alias] ?? null;
  if (from === version) return unchanged(registry, version);
  const event = checkedEvent(
    compact({
      at: request.at,
      actor: request.actor,
      action: "move",
      alias,
      from,
      to: version,
      pr: request.pr,
      headSha: request.headSha,
      reason: request.reason,
    }),
    registryDir,
  );
  return aliasChange(registry, model, entry, alias, version, event, registryDir);
}

/**
 * Moves an alias back to an older version, logged as a rollback. Nothing changes if the alias
 * already points there; moving forward is refused (that is a promotion).
 */
export function rollback(registry: Registry, request: RollbackRequest): RegistryChange {
  const { model, alias, version, registryDir } = request;
  const entry = entryOf(registry, model, registryDir);
  checkAlias(alias, registryDir);
  checkVersion(entry, model, version, registryDir);
  const from = entry.aliases[alias];
  if (from === undefined)
    fail(
      registryDir,
      `${model} has no alias "${alias}", so there is nothing to roll back`,
      suggest(alias, Object.keys(entry.aliases), `aliases of ${model}`),
    );
  if (from === version) return unchanged(registry, version);
  if (version > from)
    fail(
      registryDir,
      `a rollback moves ${alias} to an older version, but v${version} is newer than the current v${from}`,
      "promote a newer version instead",
    );
  const event = checkedEvent(
    compact({
      at: request.at,
      actor: request.actor,
      action: "rollback",
      alias,
      from,
      to: version,
      pr: request.pr,
      reason: request.reason,
    }),
    registryDir,
  );
  return aliasChange(registry, model, entry, alias, version, event, registryDir);
}

function aliasChange(
  registry: Registry,
  model: string,
  entry: RegistryModel,
  alias: string,
  version: number,
  event: RegistryEvent,
  registryDir: string | undefined,
): RegistryChange {
  const next = withModel(registry, model, {
    versions: entry.versions,
    aliases: { ...entry.aliases, [alias]: version },
    events: [...entry.events, event],
  });
  return {
    registry: next,
    writes: [{ path: registryPaths(registryDir).registry, content: serialiseRegistry(next) }],
    changed: true,
    events: [event],
    version,
  };
}

/**
 * Registers a model and points an alias at it, in one change (one commit). Idempotent: a
 * promotion of the same (model, head commit) to the same alias that the event log already holds
 * changes nothing, even if the alias has moved on since.
 */
export function promote(registry: Registry, request: PromoteRequest): RegistryChange {
  checkAlias(request.alias, request.registryDir);
  const registered = registerVersion(registry, request);
  const version = registered.version;
  const entry = registered.registry.models[request.model]!;
  const alreadyPromoted = entry.events.some(
    (e) =>
      e.action === "move" && e.alias === request.alias && e.to === version && e.headSha === request.headSha,
  );
  if (alreadyPromoted) return registered;
  const moved = moveAlias(registered.registry, {
    model: request.model,
    alias: request.alias,
    version,
    actor: request.actor,
    at: request.at,
    registryDir: request.registryDir,
    pr: request.pr,
    headSha: request.headSha,
    reason: request.reason,
  });
  if (!moved.changed) return registered;
  const registryPath = registryPaths(request.registryDir).registry;
  return {
    registry: moved.registry,
    writes: [...registered.writes.filter((w) => w.path !== registryPath), ...moved.writes],
    ...(registered.byteWrites ? { byteWrites: registered.byteWrites } : {}),
    changed: true,
    events: [...registered.events, ...moved.events],
    version,
  };
}

/** The version an alias points to, or null if the model or alias does not exist. */
export function resolveAlias(registry: Registry, model: string, alias: string): ModelVersion | null {
  const entry = registry.models[model];
  const version = entry?.aliases[alias];
  if (entry === undefined || version === undefined) return null;
  return entry.versions[version - 1] ?? null;
}

/** A model's event log, oldest first. Throws an InputError (with a suggestion) for an unknown model. */
export function history(registry: Registry, model: string, registryDir?: string): RegistryEvent[] {
  return [...entryOf(registry, model, registryDir).events];
}

/** One line for an event, for `modelgate registry history` and comments. */
export function describeEvent(model: string, e: RegistryEvent): string {
  const pr = "pr" in e && e.pr != null ? ` (PR #${e.pr})` : "";
  const why = e.reason ? `: ${e.reason}` : "";
  switch (e.action) {
    case "register":
      return `${e.at} ${e.actor} registered ${model} v${e.version} from ${e.headSha.slice(0, 7)}${pr}${why}`;
    case "move":
      return `${e.at} ${e.actor} moved ${e.alias} of ${model} ${e.from === null ? "" : `from v${e.from} `}to v${e.to}${pr}${why}`;
    case "rollback":
      return `${e.at} ${e.actor} rolled ${e.alias} of ${model} back from v${e.from} to v${e.to}${pr}${why}`;
  }
}

/** One row per model, for `modelgate registry list`. */
export interface ModelSummary {
  model: string;
  versions: number;
  latest: ModelVersion | null;
  aliases: Record<string, number>;
}

/** The registry's models, sorted by name. */
export function listModels(registry: Registry): ModelSummary[] {
  return Object.keys(registry.models)
    .sort()
    .map((model) => {
      const entry = registry.models[model]!;
      return {
        model,
        versions: entry.versions.length,
        latest: entry.versions[entry.versions.length - 1] ?? null,
        aliases: { ...entry.aliases },
      };
    });
}
