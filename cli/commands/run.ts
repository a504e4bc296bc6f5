/** `modelgate run`: validate, split, search, train and evaluate every model; write report.json. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ExitCode, InputError, UsageError } from "../../src/errors.js";
import { evaluateProject } from "../../src/run/evaluate-project.js";
import { loadChampion, readRegistry, registryDirOf, workingTreeSource } from "../../src/model/load-model.js";
import { metricHistory, reportFiles } from "../../src/run/report-files.js";
import { displayPath, loadProject } from "../../src/project/load-project.js";
import { defineCommand, type CommandDefinition } from "../args.js";
import { headCommit } from "../git.js";
import { progressReporter } from "../progress.js";
import { renderTerminal } from "../render-terminal.js";
import { renderJunit } from "../../src/report/render-junit.js";
import { shardCommand } from "./shard.js";

const definition = {
  name: "run",
  summary: "train and evaluate every model against its champion; write report.json and model files",
  usage: "modelgate run [--config FILE] [--model NAME] [--out DIR] [--junit FILE] [--shard I/N [--plan DIR]]",
  details: [
    "  -m, --model NAME    only this model (repeatable)",
    "  -o, --out DIR       where to write report.json and models/ (default ./modelgate-out)",
    "      --junit FILE    also write JUnit XML (a test case per model and per gate rule) for Jenkins, GitLab CI...",
    "      --shard I/N     process only shard I of N and write its partial result (as modelgate shard)",
    "      --plan DIR      with --shard: round two, scoring with the plans of the round-one merge",
  ],
  options: {
    model: { type: "string", short: "m", multiple: true },
    out: { type: "string", short: "o" },
    junit: { type: "string" },
    shard: { type: "string" },
    plan: { type: "string" },
  },
} satisfies CommandDefinition;

export const runCommand = defineCommand(definition, async ({ values }, io) => {
  if (values.shard)
    return shardCommand.run(
      [
        values.shard,
        "--config",
        values.config,
        ...(values.plan ? ["--plan", values.plan] : []),
        ...(values.model ?? []).flatMap((m) => ["--model", m]),
        ...(values.out ? ["--out", values.out] : []),
      ],
      io,
    );
  if (values.plan) throw new UsageError("run: --plan goes with --shard I/N", "see modelgate run --help");
  const junit = values.junit === undefined ? undefined : path.resolve(io.cwd, values.junit);
  const writeJunit = (xml: string) => {
    if (junit === undefined) return;
    mkdirSync(path.dirname(junit), { recursive: true });
    writeFileSync(junit, xml);
  };
  let project;
  try {
    project = loadProject(path.resolve(io.cwd, values.config), { only: values.model, displayBase: io.cwd });
  } catch (error) {
    // The CI's test report says why nothing ran.
    if (error instanceof InputError)
      writeJunit(renderJunit({ models: [] }, [{ model: "specs", problems: error.problems }]));
    throw error;
  }
  const progress = progressReporter(io);
  const source = workingTreeSource(project.root);
  const registryDir = registryDirOf(project.root, project.registryDir);
  const out = path.resolve(io.cwd, values.out ?? "modelgate-out");
  const result = await evaluateProject(project, {
    displayBase: io.cwd,
    // A training command's runs keep their logs here, also when one fails.
    commandDir: path.join(out, "runs"),
    championOf: (model) => loadChampion(source, registryDir, model),
    head: { sha: headCommit(project.root), ref: null },
    onProgress: (e) => progress.update(e),
  });
  progress.done();

  const history = metricHistory(await readRegistry(source, registryDir), result.report);
  for (const [name, content] of Object.entries(reportFiles(result.report, result.evaluations, history))) {
    mkdirSync(path.dirname(path.join(out, name)), { recursive: true });
    writeFileSync(path.join(out, name), content);
  }

  writeJunit(renderJunit(result.report, result.invalid));

  if (result.report.models.length > 0) io.out(renderTerminal(result.report));
  const shown = (name: string) => displayPath(io.cwd, path.join(out, name));
  io.out(
    `\nwrote ${shown("report.json")}, ${shown("report.md")} (the pull request comment), ` +
      `${shown("report.html")} (open it in a browser) and the model files in ${shown("models")}\n`,
  );
  if (result.invalid.length > 0) throw new InputError(result.invalid.flatMap((i) => i.problems));
  return result.report.passed ? ExitCode.ok : ExitCode.gateFailed;
});
