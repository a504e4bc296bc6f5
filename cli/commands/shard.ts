/** `modelgate shard I/N`: one shard's share of a sharded run (round one, or round two with --plan). */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ExitCode } from "../../src/errors.js";
import { loadChampion, registryDirOf, workingTreeSource } from "../../src/model/load-model.js";
import { parseShard } from "../../src/shard/shard-fit.js";
import { readShardDocuments, runShard } from "../../src/shard/shard-run.js";
import { displayPath, loadProject } from "../../src/project/load-project.js";
import { defineCommand, type CommandDefinition } from "../args.js";

const definition = {
  name: "shard",
  summary: "process shard I of N of the data and write its partial result (for modelgate merge)",
  usage: "modelgate shard I/N [--plan DIR] [--config FILE] [--model NAME] [--out DIR]",
  details: [
    "  I/N                 this shard, 1 ≤ I ≤ N: part files p with p mod N = I - 1 (a glob in the",
    "                      data spec), or rows r with (r - 1) mod N = I - 1 of a single file",
    "      --plan DIR      round two: score with the plans the round-one merge wrote in DIR",
    "  -m, --model NAME    only this model (repeatable)",
    "  -o, --out DIR       where to write the partial results (default ./modelgate-shards)",
  ],
  positionals: { min: 1, max: 1, names: "I/N" },
  options: {
    plan: { type: "string" },
    model: { type: "string", short: "m", multiple: true },
    out: { type: "string", short: "o", default: "modelgate-shards" },
  },
} satisfies CommandDefinition;

export const shardCommand = defineCommand(definition, async ({ values, positionals }, io) => {
  const shard = parseShard(positionals[0]!, "the command line");
  const project = loadProject(path.resolve(io.cwd, values.config), {
    only: values.model,
    displayBase: io.cwd,
  });
  const source = workingTreeSource(project.root);
  const registryDir = registryDirOf(project.root, project.registryDir);
  const plans = values.plan ? readShardDocuments([path.resolve(io.cwd, values.plan)], io.cwd) : undefined;
  const files = await runShard(project, shard, {
    displayBase: io.cwd,
    championOf: (model) => loadChampion(source, registryDir, model),
    ...(plans ? { plans } : {}),
  });
  const out = path.resolve(io.cwd, values.out);
  mkdirSync(out, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(out, name), content);
  const round = plans ? "round two (scoring)" : "round one (fit)";
  io.out(
    `shard ${shard.index}/${shard.count}, ${round}: wrote ${Object.keys(files)
      .map((f) => displayPath(io.cwd, path.join(out, f)))
      .join(", ")}\n`,
  );
  return ExitCode.ok;
});
