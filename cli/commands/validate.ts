/** `modelgate validate`: every spec parsed and cross-checked, every data file read and checked. */
import path from "node:path";
import { ExitCode } from "../../src/errors.js";
import { displayPath, loadProject } from "../../src/spec/load-project.js";
import { helpText, parseCommand, type CommandDefinition } from "../args.js";
import type { Io } from "../io.js";

const definition = {
  name: "validate",
  summary: "check every spec and data file; print what each model will train on",
  usage: "modelgate validate [--config FILE] [--model NAME]",
  details: ["  -m, --model NAME    only this model (repeatable)"],
  options: { model: { type: "string", short: "m", multiple: true } },
} satisfies CommandDefinition;

export const validateCommand = {
  definition,
  async run(argv: string[], io: Io): Promise<number> {
    const { values } = parseCommand(definition, argv);
    if (values.help) {
      io.out(helpText(definition));
      return ExitCode.ok;
    }
    const project = loadProject(path.resolve(io.cwd, values.config), {
      only: values.model,
      displayBase: io.cwd,
    });
    const show = (p: string) => displayPath(io.cwd, p);
    for (const m of project.models) {
      io.out(
        [
          `model ${m.name}  (${show(m.specFile)})`,
          `  task       ${m.spec.task}, ${m.spec.algorithm.type}`,
          `  target     ${m.spec.target}`,
          `  features   ${m.features.join(", ")}`,
          `  data       ${show(m.dataFile)}  (spec ${show(m.dataSpecFile)})`,
          `  split      test share ${m.data.split.test}, salt "${m.data.split.salt}"`,
          "",
        ].join("\n"),
      );
    }
    io.out(`ok: ${project.models.length} model${project.models.length === 1 ? "" : "s"} valid\n`);
    return ExitCode.ok;
  },
};
