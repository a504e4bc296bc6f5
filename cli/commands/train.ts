/** `modelgate train`: fit one model from its specs and write its model file. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ExitCode, UsageError } from "../../src/errors.js";
import { formatNumber } from "../../src/report/format-number.js";
import { trainModel } from "../../src/run/train-model.js";
import { displayPath, loadProject } from "../../src/project/load-project.js";
import { defineCommand, type CommandDefinition } from "../args.js";
import { progressReporter } from "../progress.js";

const definition = {
  name: "train",
  summary: "fit one model (with its search) on the train side and write its model file",
  usage: "modelgate train --model NAME [--config FILE] [--out DIR]",
  details: [
    "  -m, --model NAME    the model to train (required when the project has several)",
    "  -o, --out DIR       folder for <model>.json (default .)",
  ],
  options: {
    model: { type: "string", short: "m" },
    out: { type: "string", short: "o", default: "." },
  },
} satisfies CommandDefinition;

export const trainCommand = defineCommand(definition, async ({ values }, io) => {
  const project = loadProject(path.resolve(io.cwd, values.config), {
    only: values.model ? [values.model] : undefined,
    displayBase: io.cwd,
  });
  if (project.models.length !== 1)
    throw new UsageError(
      "train: the project has several models; name one with --model",
      `models: ${project.models.map((m) => m.name).join(", ")}`,
    );
  const m = project.models[0]!;
  const progress = progressReporter(io);
  const trained = await trainModel(m, { displayBase: io.cwd, onProgress: (e) => progress.update(e) });
  trained.release();
  progress.done();
  const out = path.resolve(io.cwd, values.out);
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `${m.name}.json`);
  writeFileSync(file, trained.modelText);
  const { model } = trained;
  io.out(
    [
      `trained ${m.name} on ${model.trainingRows} rows: ${model.algorithm.type}${model.algorithm.alpha !== null ? `, alpha ${formatNumber(model.algorithm.alpha)}` : ""}`,
      ...(model.intercept !== null ? [`  (intercept)  ${formatNumber(model.intercept, 10)}`] : []),
      ...Object.entries(model.coefficients).map(([t, v]) => `  ${t}  ${formatNumber(v, 10)}`),
      ...model.warnings.map((w) => `warning: ${w}`),
      `wrote ${displayPath(io.cwd, file)} (sha256 ${trained.modelSha256.slice(0, 12)})`,
      "",
    ].join("\n"),
  );
  return ExitCode.ok;
});
