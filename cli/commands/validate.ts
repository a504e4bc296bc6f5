/** `modelgate validate`: every spec parsed and cross-checked, every data file read and checked. */
import path from "node:path";
import type { DatasetScan } from "../../src/data/scan-dataset.js";
import { ExitCode, InputError, type Problem } from "../../src/errors.js";
import type { DataPinRecord } from "../../src/project/data-pin.js";
import { displayPath, loadProject } from "../../src/project/load-project.js";
import { scanModelData } from "../../src/shard/shard-data.js";
import { defineCommand, type CommandDefinition } from "../args.js";
import { describeOnnxModel, OnnxScorer, openSpecOnnxModel } from "../../src/model/onnx/index.js";

const definition = {
  name: "validate",
  summary: "check every spec and every row of data; print what each model will train on",
  usage: "modelgate validate [--config FILE] [--model NAME]",
  details: ["  -m, --model NAME    only this model (repeatable)"],
  options: { model: { type: "string", short: "m", multiple: true } },
} satisfies CommandDefinition;

export const validateCommand = defineCommand(definition, async ({ values }, io) => {
  const project = loadProject(path.resolve(io.cwd, values.config), {
    only: values.model,
    displayBase: io.cwd,
  });
  const show = (p: string) => displayPath(io.cwd, p);
  const scans = new Map<string, DatasetScan>();
  const problems: Problem[] = [];
  for (const m of project.models) {
    if (scans.has(m.dataSpecFile)) continue;
    try {
      scans.set(m.dataSpecFile, await scanModelData(m, io.cwd));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(...e.problems);
    }
  }
  const onnx = new Map<string, string[]>();
  for (const m of project.models) {
    if (m.onnxFile === undefined) continue;
    try {
      const model = openSpecOnnxModel(m, show);
      // ONNX Runtime opens it too: an operator or opset it lacks is found now, not mid-run.
      await (await OnnxScorer.open(model.bytes, model.binding, { file: model.file })).close();
      onnx.set(m.name, describeOnnxModel(model));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(...e.problems);
      onnx.set(m.name, ["  onnx       INVALID (see the problems below)"]);
    }
  }
  for (const m of project.models) {
    const scan = scans.get(m.dataSpecFile);
    io.out(
      [
        `model ${m.name}  (${show(m.specFile)})`,
        `  task       ${m.spec.task}, ${m.spec.algorithm.type}`,
        `  target     ${m.spec.target}`,
        `  features   ${m.features.join(", ")}`,
        `  data       ${show(m.dataFile)}  (spec ${show(m.dataSpecFile)})`,
        `  split      test share ${m.data.split.test}, salt "${m.data.split.salt}"`,
        ...(scan
          ? [
              `  rows       ${scan.rows} (${scan.train} train, ${scan.test} test)  sha256 ${scan.sha256}`,
              `  missing    ${describeMissing(scan.missing)}`,
              ...(scan.pin ? [`  pinned     ${describePin(scan.pin, show(m.dataSpecFile))}: matches`] : []),
            ]
          : ["  data       INVALID (see the problems below)"]),
        ...(onnx.get(m.name) ?? []).map((line) => `  ${line}`),
        "",
      ].join("\n"),
    );
  }
  if (problems.length > 0) throw new InputError(problems);
  io.out(`ok: ${project.models.length} model${project.models.length === 1 ? "" : "s"} valid\n`);
  return ExitCode.ok;
});

function describePin(pin: DataPinRecord, dataSpecFile: string): string {
  switch (pin.kind) {
    case "sha256":
      return `by sha256 in ${dataSpecFile}`;
    case "sha256-parts":
      return `by sha256 in ${dataSpecFile} (${pin.parts} part files)`;
    case "dvc":
      return `by ${pin.dvcFile} (md5 ${pin.md5})`;
    case "dvc-dir":
      return `by ${pin.dvcFile} (md5 ${pin.md5}.dir, ${pin.files} files in ${pin.folder}, ${pin.parts} of them parts)`;
  }
}

function describeMissing(missing: Record<string, number>): string {
  const some = Object.entries(missing).filter(([, n]) => n > 0);
  return some.length === 0 ? "none" : some.map(([c, n]) => `${c} ${n}`).join(", ");
}
