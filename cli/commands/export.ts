/**
 * `modelgate export`: a built-in model as an ONNX file that any ONNX runtime scores like
 * modelgate does. The model comes from the registry (a version under an alias) or from a run's
 * output folder or model file.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sha256Hex } from "../../src/canonical-json.js";
import { ExitCode, InputError, UsageError } from "../../src/errors.js";
import { exportOnnx } from "../../src/model/export-onnx/index.js";
import type { BuiltinModel } from "../../src/model/builtin-model.js";
import { loadChampion, loadModelFile, registryDirOf, workingTreeSource } from "../../src/model/load-model.js";
import type { ModelFile } from "../../src/model/model-file.js";
import { displayPath, loadProject } from "../../src/project/load-project.js";
import { MODEL_NAME_PATTERN } from "../../src/project/schemas.js";
import { defineCommand, type CommandDefinition } from "../args.js";
import type { Io } from "../io.js";
import { VERSION } from "../version.js";

const definition = {
  name: "export",
  summary: "write a built-in model (its feature pipeline included) as an ONNX file",
  usage:
    "modelgate export --model NAME [--format onnx] [--from RUN_DIR|MODEL_FILE | --alias ALIAS] [--out FILE]",
  details: [
    "  -m, --model NAME    the model to export (optional with --from a model file)",
    "      --format F      onnx (the only format so far)",
    "      --from PATH     a run's --out folder (models/NAME.json), a train --out folder",
    "                      (NAME.json) or a model file; default: the registry",
    "      --alias ALIAS   with the registry, the version under this alias (default production)",
    "  -o, --out FILE      where to write (default NAME.onnx)",
  ],
  options: {
    model: { type: "string", short: "m" },
    format: { type: "string", default: "onnx" },
    from: { type: "string" },
    alias: { type: "string" },
    out: { type: "string", short: "o" },
  },
} satisfies CommandDefinition;

export const exportCommand = defineCommand(definition, async ({ values }, io) => {
  if (values.format !== "onnx")
    throw new UsageError(
      `export: --format is "${values.format}"; expected onnx`,
      `usage: ${definition.usage}`,
    );
  if (values.model !== undefined && !MODEL_NAME_PATTERN.test(values.model))
    throw new UsageError(
      `export: "${values.model}" is not a model name`,
      "model names are lower-case letters, digits, '.', '_' and '-', as in modelgate.yml",
    );
  if (values.from !== undefined && values.alias !== undefined)
    throw new UsageError(
      "export: --alias picks a version in the registry, and --from names a model outside it",
      "pass one of them",
    );
  const loaded = values.from
    ? await readFromPath(io, values.from, values.model)
    : await readFromRegistry(io, values.config, values.model, values.alias ?? "production");
  const { model, sha256, source } = loaded;
  if (values.model !== undefined && model.model !== values.model)
    throw new InputError({
      file: source,
      message: `this model file holds model "${model.model}", not "${values.model}"`,
      hint: `pass --model ${model.model}, or the model file of ${values.model}`,
    });
  const bytes = exportOnnx(model, { producerVersion: VERSION, modelSha256: sha256, source });
  const out = path.resolve(io.cwd, values.out ?? `${model.model}.onnx`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  const inputs = model.pipeline.features.map(
    (f) => `${f.name} (${f.kind === "category" ? "string" : "double"})`,
  );
  const outputs =
    model.task === "classification" ? "probability (double), label (int64)" : "prediction (double)";
  io.out(
    [
      `wrote ${displayPath(io.cwd, out)} (${bytes.length} bytes, sha256 ${sha256Hex(bytes).slice(0, 12)}) from ${source}`,
      `  inputs, each [N, 1]: ${inputs.join(", ")}`,
      `  outputs, each [N, 1]: ${outputs}`,
      "",
    ].join("\n"),
  );
  return ExitCode.ok;
});

interface LoadedModel {
  model: ModelFile;
  sha256: string;
  /** Where it came from, for messages and the file's metadata. */
  source: string;
}

async function readFromPath(io: Io, from: string, name: string | undefined): Promise<LoadedModel> {
  const resolved = path.resolve(io.cwd, from);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(resolved).isDirectory();
  } catch {
    throw new InputError({
      file: displayPath(io.cwd, resolved),
      message: "--from names nothing that exists",
      hint: "pass the --out folder of modelgate run or train, or a model file",
    });
  }
  let file = resolved;
  if (isDirectory) {
    if (name === undefined)
      throw new UsageError("export: name the model with --model", `usage: ${definition.usage}`);
    const candidates = [path.join(resolved, "models", `${name}.json`), path.join(resolved, `${name}.json`)];
    const found = candidates.find((c) => statSync(c, { throwIfNoEntry: false })?.isFile());
    if (!found)
      throw new InputError({
        file: displayPath(io.cwd, resolved),
        message: `the folder has no model file for "${name}" (looked for models/${name}.json and ${name}.json)`,
        hint: "pass the --out folder of modelgate run or train for this model",
      });
    file = found;
  }
  const shown = displayPath(io.cwd, file);
  const model = await loadModelFile(file, shown);
  if (model.format !== "builtin")
    throw new InputError({
      file: shown,
      message: "pins an ONNX model, which is ONNX already",
      hint: `use the .onnx file beside it; export writes built-in models (linear, ridge, logistic) as ONNX`,
    });
  return { model: (model as BuiltinModel).file, sha256: model.sha256, source: shown };
}

async function readFromRegistry(
  io: Io,
  config: string,
  name: string | undefined,
  alias: string,
): Promise<LoadedModel> {
  if (name === undefined)
    throw new UsageError("export: name the model with --model", `usage: ${definition.usage}`);
  const project = loadProject(path.resolve(io.cwd, config), { displayBase: io.cwd });
  const dir = registryDirOf(project.root, project.registryDir);
  const champion = await loadChampion(workingTreeSource(project.root), dir, name, alias);
  if (!champion)
    throw new InputError({
      file: displayPath(io.cwd, path.join(project.registryDir, "registry.json")),
      message: `no version of "${name}" is under alias ${alias}`,
      hint: "promote a version first, or export from a run with --from <its --out folder>",
    });
  return {
    model: champion.model,
    sha256: champion.sha256,
    source: `registry ${name} v${champion.version} (${alias})`,
  };
}
