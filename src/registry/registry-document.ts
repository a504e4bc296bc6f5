/**
 * The registry document, `<registryDir>/registry.json` (DESIGN.md section 5): per model its
 * versions, its aliases and an append-only event log. The model files themselves live beside it
 * at `<registryDir>/models/<model>/v<N>.json`. This file holds the schema, parsing with readable
 * problems, and the canonical serialisation every commit uses.
 */
import { posix } from "node:path";
import { z } from "zod";
import { canonicalJson } from "../canonical-json.js";
import type { Problem } from "../errors.js";
import { InputError } from "../errors.js";
import { MODEL_NAME_PATTERN } from "../project/schemas.js";
import { dataPinRecordSchema } from "../project/data-pin.js";

/** Bump on any change a reader of registry.json could notice. */
export const REGISTRY_SCHEMA_VERSION = 1;

/** Default registry folder, as in modelgate.yml's `registry`. */
export const DEFAULT_REGISTRY_DIR = ".modelgate";

/** Alias names follow model names: they become environment names and labels. */
export const ALIAS_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const gitSha = z
  .string()
  .regex(/^[0-9a-f]{7,64}$/, { message: "expected a git commit id: 7 to 64 lower-case hex digits" });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { message: "expected a sha256: 64 lower-case hex digits" });
const timestamp = z.iso.datetime({
  offset: true,
  message: "expected an ISO 8601 time, e.g. 2024-05-01T12:00:00Z",
});
const versionNumber = z.number().int().min(1);
const modelName = z.string().regex(MODEL_NAME_PATTERN, {
  message: "model names are 1-64 characters of lower-case letters, digits, '.', '_' or '-'",
});
const aliasName = z.string().regex(ALIAS_PATTERN, {
  message: "alias names are 1-64 characters of lower-case letters, digits, '.', '_' or '-'",
});
const actor = z.string().min(1).max(100).describe("Who did it: a GitHub login, or a local user for the CLI.");
const pr = z.number().int().min(1).nullable().describe("The pull request, when there was one.");
const reason = z.string().max(1000).optional();

const ioName = z.string().max(200);

/** An ONNX model's bytes as the registry keeps them, with what was read from them. */
export const onnxPinSchema = z.strictObject({
  file: z
    .string()
    .min(1)
    .describe("The .onnx file, relative to the registry folder: models/<model>/<sha256>.onnx."),
  sha256: sha256.describe("sha256 of the .onnx file's bytes."),
  bytes: z.number().int().min(0),
  producer: z.string().max(300).describe("The exporter that wrote it, as the file names it."),
  opsets: z.record(z.string().max(200), z.number().int()).describe("Operator set domain -> version."),
  inputs: z
    .array(z.strictObject({ name: ioName, elementType: z.string().max(20), feature: ioName }))
    .max(1000)
    .describe("Which data column feeds which input (one row per feature)."),
  output: z
    .strictObject({ name: ioName, elementType: z.string().max(20), column: z.number().int().min(0) })
    .describe("The output read as the prediction, and its column."),
});

export type OnnxPin = z.output<typeof onnxPinSchema>;

export const modelVersionSchema = z.strictObject({
  version: versionNumber.describe("Counts from 1 per model; never renumbered."),
  createdAt: timestamp,
  mergeCommit: gitSha
    .nullable()
    .describe("The merge commit on the default branch; null for a local promotion."),
  pr,
  headSha: gitSha.describe("Head commit of the pull request the model was trained at; a version's identity."),
  specHash: sha256.describe(
    "sha256 of the canonical JSON of the parsed model and data specs, without the data's `sha256:` pin (a new pin is a change of data).",
  ),
  dataHash: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/, { message: "expected a hex digest" })
    .describe("Hash of the data."),
  dataFile: z
    .string()
    .max(300)
    .optional()
    .describe(
      "The data file that trained the version (whose hash is dataHash), relative to the repository root.",
    ),
  dataPin: dataPinRecordSchema
    .optional()
    .describe(
      "How the data file was pinned (data fetched by a workflow step): sha256, or a DVC file and its md5.",
    ),
  modelSha256: sha256.describe("sha256 of the model file's bytes."),
  metrics: z.record(z.string().max(200), z.number().nullable()).describe("Metric values on the test rows."),
  file: z
    .string()
    .min(1)
    .describe("The model file, relative to the registry folder: models/<model>/v<N>.json."),
  onnx: onnxPinSchema
    .optional()
    .describe("An ONNX version: its .onnx file, byte for byte beside the model file, pinned by sha256."),
});

const eventBase = { at: timestamp, actor, reason };

export const registryEventSchema = z.discriminatedUnion("action", [
  z.strictObject({
    ...eventBase,
    action: z.literal("register"),
    version: versionNumber,
    headSha: gitSha,
    pr,
  }),
  z.strictObject({
    ...eventBase,
    action: z.literal("move"),
    alias: aliasName,
    from: versionNumber.nullable().describe("The version the alias pointed to before; null if it was new."),
    to: versionNumber,
    pr: pr.optional(),
    headSha: gitSha.optional(),
  }),
  z.strictObject({
    ...eventBase,
    action: z.literal("rollback"),
    alias: aliasName,
    from: versionNumber,
    to: versionNumber,
    pr: pr.optional(),
  }),
]);

export const registryModelSchema = z.strictObject({
  versions: z.array(modelVersionSchema),
  aliases: z.record(aliasName, versionNumber).describe("Alias (production, staging, any name) -> version."),
  events: z.array(registryEventSchema).describe("Append-only: every registration and alias move."),
});

export const registrySchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(REGISTRY_SCHEMA_VERSION),
    models: z.record(modelName, registryModelSchema),
  })
  .describe("registry.json: the model registry kept in the repository.");

export type Registry = z.output<typeof registrySchema>;
export type RegistryModel = z.output<typeof registryModelSchema>;
export type ModelVersion = z.output<typeof modelVersionSchema>;
export type RegistryEvent = z.output<typeof registryEventSchema>;

/** The JSON Schema of registry.json, generated from the zod schema. */
export function registryJsonSchema(): object {
  return {
    ...z.toJSONSchema(registrySchema, { target: "draft-2020-12", unrepresentable: "any" }),
    $id: "https://modelgate.dev/schemas/registry.schema.json",
    title: "modelgate registry.json",
  };
}

/** A registry with no models. */
export function emptyRegistry(): Registry {
  return { schemaVersion: REGISTRY_SCHEMA_VERSION, models: {} };
}

/** Where the registry's files live, as POSIX paths (they are also paths in git trees). */
export function registryPaths(registryDir: string = DEFAULT_REGISTRY_DIR) {
  return {
    registry: posix.join(registryDir, "registry.json"),
    /** A version's `file` field, relative to the registry folder. */
    relativeModelFile: (model: string, version: number) => `models/${model}/v${version}.json`,
    modelFile: (model: string, version: number) =>
      posix.join(registryDir, "models", model, `v${version}.json`),
    /** An ONNX file's place, relative to the registry folder: content-addressed by sha256. */
    relativeOnnxFile: (model: string, sha256: string) => `models/${model}/${sha256}.onnx`,
    onnxFile: (model: string, sha256: string) => posix.join(registryDir, "models", model, `${sha256}.onnx`),
  };
}

/** The bytes of registry.json: canonical JSON (sorted keys, 2-space indent, final newline). */
export function serialiseRegistry(registry: Registry): string {
  return canonicalJson(registry);
}

function where(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out === "" ? "the document" : out;
}

/** zod says only "Invalid key in record"; say which key and what a good one looks like. */
function badKey(path: readonly PropertyKey[]): string {
  const what =
    path.length === 2 && path[0] === "models"
      ? "model"
      : path[path.length - 2] === "aliases"
        ? "alias"
        : "key";
  return `"${String(path[path.length - 1])}" is not a valid ${what} name: use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`;
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  return { line, column: offset - start + 1 };
}

/**
 * Checks what the schema cannot: versions numbered 1..N in order, files where the layout puts
 * them, one version per head commit, aliases and events naming versions that exist.
 */
export function checkRegistry(registry: Registry, file: string): Problem[] {
  const problems: Problem[] = [];
  const add = (message: string, hint?: string) =>
    problems.push(hint ? { file, message, hint } : { file, message });
  const paths = registryPaths();
  for (const [model, entry] of Object.entries(registry.models)) {
    const heads = new Map<string, number>();
    entry.versions.forEach((v, k) => {
      if (v.version !== k + 1)
        add(
          `models.${model}.versions[${k}] is version ${v.version}, expected ${k + 1}`,
          "versions count from 1 in order and are never renumbered or removed",
        );
      const expected = paths.relativeModelFile(model, v.version);
      if (v.file !== expected)
        add(`models.${model}.versions[${k}].file is "${v.file}", expected "${expected}"`);
      const twin = heads.get(v.headSha);
      if (twin !== undefined)
        add(`models.${model}: versions ${twin} and ${v.version} have the same head commit ${v.headSha}`);
      heads.set(v.headSha, v.version);
    });
    const count = entry.versions.length;
    for (const [alias, version] of Object.entries(entry.aliases))
      if (version > count)
        add(
          `models.${model}.aliases.${alias} points to version ${version}, but ${model} has ${count === 0 ? "no versions" : `versions 1-${count}`}`,
        );
    entry.events.forEach((e, k) => {
      const named = e.action === "register" ? [e.version] : e.from === null ? [e.to] : [e.to, e.from];
      for (const v of named)
        if (v > count) add(`models.${model}.events[${k}] names version ${v}, which does not exist`);
    });
  }
  return problems;
}

/**
 * Parses registry.json. Throws an InputError naming the file and, for each problem, where in
 * the document it is (JSON syntax errors with line and column).
 */
export function parseRegistry(text: string, file: string = registryPaths().registry): Registry {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const loc = at ? lineColumn(text, Number(at[1])) : {};
    throw new InputError({
      file,
      ...loc,
      message: `registry.json is not valid JSON: ${message.replace(/^JSON\.parse: /, "")}`,
      hint: "fix the file by hand, or restore it from git history: `git log -p -- <file>`",
    });
  }
  const parsed = registrySchema.safeParse(raw);
  if (!parsed.success)
    throw new InputError(
      parsed.error.issues.map((issue) => ({
        file,
        message: `${where(issue.path)}: ${issue.code === "invalid_key" ? badKey(issue.path) : issue.message}`,
        hint:
          issue.path[0] === "schemaVersion"
            ? `this version of modelgate reads registry schemaVersion ${REGISTRY_SCHEMA_VERSION}`
            : undefined,
      })),
    );
  const problems = checkRegistry(parsed.data, file);
  if (problems.length > 0) throw new InputError(problems);
  return parsed.data;
}
