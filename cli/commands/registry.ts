/**
 * The registry from the command line: `registry list|show|history`, `promote` and `rollback`.
 * Local use of the same pure transitions the App commits on merge; files are written in the
 * working tree for you to review and commit.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ExitCode, InputError, UsageError } from "../../src/errors.js";
import { formatNumber } from "../../src/report/format-number.js";
import { reportSchema } from "../../src/report/report-schema.js";
import {
  describeEvent,
  history,
  listModels,
  promote,
  rollback,
  versionData,
  type RegistryChange,
} from "../../src/registry/registry-transitions.js";
import { readRegistry, registryDirOf, workingTreeSource } from "../../src/model/load-model.js";
import { displayPath, loadProject, type LoadedProject } from "../../src/project/load-project.js";
import { defineCommand, type CommandDefinition } from "../args.js";
import { headCommit, localActor } from "../git.js";
import type { Io } from "../io.js";

function openRegistry(io: Io, config: string) {
  const project = loadProject(path.resolve(io.cwd, config), { displayBase: io.cwd });
  const dir = registryDirOf(project.root, project.registryDir);
  return { project, dir, source: workingTreeSource(project.root) };
}

function writeChange(io: Io, project: LoadedProject, change: RegistryChange): void {
  const files = [
    ...(change.byteWrites ?? []).map((w) => ({ path: w.path, content: w.bytes })),
    ...change.writes,
  ];
  for (const w of files) {
    const file = path.join(project.root, ...w.path.split("/"));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, w.content);
    io.out(`wrote ${displayPath(io.cwd, file)}\n`);
  }
}

const registryDefinition = {
  name: "registry",
  summary: "show the model registry: list, show <model>, history <model>",
  usage: "modelgate registry list | show <model> | history <model> [--config FILE]",
  details: [],
  options: {},
  positionals: { min: 1, max: 2, names: "list, show <model> or history <model>" },
} satisfies CommandDefinition;

export const registryCommand = defineCommand(registryDefinition, async ({ values, positionals }, io) => {
  const [verb, model] = positionals;
  const { dir, source } = openRegistry(io, values.config);
  const registry = await readRegistry(source, dir);
  if (verb === "list") {
    const models = listModels(registry);
    if (models.length === 0) io.out(`the registry in ${dir}/ has no models yet\n`);
    for (const m of models)
      io.out(
        `${m.model}  ${m.versions} version${m.versions === 1 ? "" : "s"}  ${Object.entries(m.aliases)
          .map(([a, v]) => `${a} -> v${v}`)
          .join(", ")}\n`,
      );
    return ExitCode.ok;
  }
  if (verb !== "show" && verb !== "history")
    throw new UsageError(
      `registry: unknown subcommand "${verb}"`,
      "use list, show <model> or history <model>",
    );
  if (!model)
    throw new UsageError(`registry ${verb}: name the model`, `usage: modelgate registry ${verb} <model>`);
  const entry = registry.models[model];
  if (!entry)
    throw new InputError({
      file: `${dir}/registry.json`,
      message: `the registry has no model "${model}"`,
      hint: `models: ${Object.keys(registry.models).join(", ") || "none yet"}`,
    });
  if (verb === "history") {
    for (const e of history(registry, model)) io.out(`${describeEvent(model, e)}\n`);
    return ExitCode.ok;
  }
  const aliasesOf = (v: number) =>
    Object.entries(entry.aliases)
      .filter(([, to]) => to === v)
      .map(([a]) => a);
  for (const v of entry.versions) {
    const tags = aliasesOf(v.version);
    io.out(
      `v${v.version}${tags.length ? ` [${tags.join(", ")}]` : ""}  ${v.createdAt}  ${v.pr ? `PR #${v.pr}` : "local"}  head ${v.headSha.slice(0, 7)}  ` +
        Object.entries(v.metrics)
          .map(([k, x]) => `${k} ${formatNumber(x)}`)
          .join("  ") +
        "\n",
    );
  }
  return ExitCode.ok;
});

const promoteDefinition = {
  name: "promote",
  summary: "register a model from a run's output folder and point an alias at it",
  usage: "modelgate promote <model> --alias ALIAS --from DIR [--config FILE]",
  details: [
    "      --alias ALIAS   the alias to move (production, staging, any name)",
    "      --from DIR      the --out folder of modelgate run (report.json and models/)",
    "      --reason TEXT   why, for the event log",
  ],
  options: {
    alias: { type: "string", default: "production" },
    from: { type: "string", default: "modelgate-out" },
    reason: { type: "string" },
  },
  positionals: { min: 1, max: 1, names: "the model's name" },
} satisfies CommandDefinition;

export const promoteCommand = defineCommand(promoteDefinition, async ({ values, positionals }, io) => {
  const model = positionals[0]!;
  const { project, dir, source } = openRegistry(io, values.config);
  const from = path.resolve(io.cwd, values.from);
  const reportFile = path.join(from, "report.json");
  const report = reportSchema.parse(JSON.parse(readText(reportFile, io)));
  const entry = report.models.find((m) => m.name === model);
  if (!entry)
    throw new InputError({
      file: displayPath(io.cwd, reportFile),
      message: `the report has no model "${model}"`,
      hint: `it has ${report.models.map((m) => m.name).join(", ") || "no models"}; run modelgate run first`,
    });
  const modelText = readText(path.join(from, "models", `${model}.json`), io);
  // An ONNX model's bytes travel beside its model file, which pins them by sha256.
  const onnxBytes = pinsOnnx(modelText)
    ? readBytes(path.join(from, "models", `${model}.onnx`), io)
    : undefined;
  const head = report.head.sha ?? headCommit(project.root);
  if (!head)
    throw new UsageError(
      "promote: the report names no head commit and this is not a git repository",
      "run modelgate run inside a git repository, so the version records which commit it came from",
    );
  const metrics: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(entry.challenger.metrics)) metrics[k] = v.value;
  const change = promote(await readRegistry(source, dir), {
    model,
    alias: values.alias,
    modelFile: modelText,
    ...(onnxBytes ? { onnxBytes } : {}),
    headSha: head,
    pr: null,
    mergeCommit: null,
    specHash: entry.specHash,
    dataHash: entry.data.sha256,
    data: versionData(entry.data),
    metrics,
    actor: localActor(project.root),
    at: new Date().toISOString(),
    registryDir: dir,
    ...(values.reason ? { reason: values.reason } : {}),
  });
  if (!change.changed) {
    io.out(
      `nothing to do: ${model} from ${head.slice(0, 7)} is already v${change.version} under ${values.alias}\n`,
    );
    return ExitCode.ok;
  }
  writeChange(io, project, change);
  io.out(`${model} v${change.version} is now ${values.alias}; review and commit the registry folder\n`);
  return ExitCode.ok;
});

const rollbackDefinition = {
  name: "rollback",
  summary: "point an alias back at an earlier version",
  usage: "modelgate rollback <model> <version> [--alias ALIAS] [--config FILE]",
  details: [
    "      --alias ALIAS   the alias to move (default production)",
    "      --reason TEXT   why, for the event log",
  ],
  options: { alias: { type: "string", default: "production" }, reason: { type: "string" } },
  positionals: { min: 2, max: 2, names: "the model and the version" },
} satisfies CommandDefinition;

export const rollbackCommand = defineCommand(rollbackDefinition, async ({ values, positionals }, io) => {
  const [model, versionText] = positionals as [string, string];
  const version = Number(versionText.replace(/^v/, ""));
  if (!Number.isInteger(version) || version < 1)
    throw new UsageError(`rollback: "${versionText}" is not a version number`, "write it as 3 or v3");
  const { project, dir, source } = openRegistry(io, values.config);
  const change = rollback(await readRegistry(source, dir), {
    model,
    alias: values.alias,
    version,
    actor: localActor(project.root),
    at: new Date().toISOString(),
    registryDir: dir,
    ...(values.reason ? { reason: values.reason } : {}),
  });
  if (!change.changed) {
    io.out(`nothing to do: ${values.alias} of ${model} is already v${version}\n`);
    return ExitCode.ok;
  }
  writeChange(io, project, change);
  io.out(`${values.alias} of ${model} is now v${version}; review and commit the registry folder\n`);
  return ExitCode.ok;
});

function readText(file: string, io: Io): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new InputError({
      file: displayPath(io.cwd, file),
      message: "the file does not exist",
      hint: "run modelgate run --out DIR first, and pass that DIR with --from",
    });
  }
}

function readBytes(file: string, io: Io): Uint8Array {
  try {
    return readFileSync(file);
  } catch {
    throw new InputError({
      file: displayPath(io.cwd, file),
      message: "the ONNX model's file does not exist beside its model file",
      hint: "pass with --from the --out folder of the modelgate run that evaluated the ONNX model",
    });
  }
}

/** Whether a model file's text pins an ONNX model (its `onnx` block). */
function pinsOnnx(modelText: string): boolean {
  try {
    return (JSON.parse(modelText) as { onnx?: unknown }).onnx !== undefined;
  } catch {
    return false; // the registry says what is wrong with it
  }
}
