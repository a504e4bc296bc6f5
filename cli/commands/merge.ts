/** `modelgate merge DIR...`: combine the shards' partial results exactly. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ExitCode } from "../../src/errors.js";
import { loadChampion, readRegistry, registryDirOf, workingTreeSource } from "../../src/model/load-model.js";
import { mergeShards, readShardDocuments } from "../../src/shard/shard-run.js";
import { displayPath, loadProject } from "../../src/project/load-project.js";
import { defineCommand, type CommandDefinition } from "../args.js";
import { headCommit } from "../git.js";
import { renderTerminal } from "../render-terminal.js";

const definition = {
  name: "merge",
  summary:
    "merge shards' partial results: round one into models and scoring plans, round two into report.json",
  usage: "modelgate merge DIR... [--config FILE] [--model NAME] [--out DIR]",
  details: [
    "  DIR...              folders (or files) holding partial results, searched recursively",
    "  -m, --model NAME    only this model (repeatable)",
    "  -o, --out DIR       where to write (default ./modelgate-out)",
  ],
  positionals: { min: 1, max: 10000, names: "one or more folders of partial results" },
  options: {
    model: { type: "string", short: "m", multiple: true },
    out: { type: "string", short: "o", default: "modelgate-out" },
  },
} satisfies CommandDefinition;

export const mergeCommand = defineCommand(definition, async ({ values, positionals }, io) => {
  const project = loadProject(path.resolve(io.cwd, values.config), {
    only: values.model,
    displayBase: io.cwd,
  });
  const source = workingTreeSource(project.root);
  const registryDir = registryDirOf(project.root, project.registryDir);
  const documents = readShardDocuments(
    positionals.map((p) => path.resolve(io.cwd, p)),
    io.cwd,
  );
  const result = await mergeShards(project, documents, {
    displayBase: io.cwd,
    championOf: (model) => loadChampion(source, registryDir, model),
    registry: await readRegistry(source, registryDir),
    head: { sha: headCommit(project.root), ref: null },
  });
  const out = path.resolve(io.cwd, values.out);
  for (const [name, content] of Object.entries(result.files)) {
    mkdirSync(path.dirname(path.join(out, name)), { recursive: true });
    writeFileSync(path.join(out, name), content);
  }
  const shown = (name: string) => displayPath(io.cwd, path.join(out, name));
  if (result.stage === "fit") {
    io.out(
      `merged round one: wrote ${result.models.map((m) => shown(`${m}.plan.json`)).join(", ")} and the model files in ${shown("models")}\n` +
        `next: modelgate shard I/N --plan ${displayPath(io.cwd, out)} on every shard, then modelgate merge ${displayPath(io.cwd, out)} <their folders>\n`,
    );
    return ExitCode.ok;
  }
  if (result.report.models.length > 0) io.out(renderTerminal(result.report));
  io.out(
    `\nwrote ${shown("report.json")}, ${shown("report.md")}, ${shown("report.html")} and the model files in ${shown("models")}\n`,
  );
  return result.report.passed ? ExitCode.ok : ExitCode.gateFailed;
});
