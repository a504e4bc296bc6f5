/**
 * Every model of a project: each evaluated on its own, so one model's bad data does not hide
 * another's result. The report holds the models that could be evaluated; the problems of the
 * others are returned beside it.
 */
import { InputError, type Problem } from "../errors.js";
import { evaluationReport, type Report } from "../report/report-schema.js";
import type { LoadedProject } from "../project/load-project.js";
import type { Champion } from "../model/load-model.js";
import { evaluateModel, type EvaluateOptions, type ModelEvaluation } from "./evaluate-model.js";

export interface ProjectEvaluation {
  report: Report;
  evaluations: ModelEvaluation[];
  /** Problems of models that could not be evaluated, by model. */
  invalid: { model: string; problems: Problem[] }[];
}

export interface ProjectOptions extends Omit<EvaluateOptions, "champion" | "root"> {
  /** The champion of a model, or null when it has none. */
  championOf: (model: string) => Promise<Champion | null> | Champion | null;
  head?: { sha: string | null; ref: string | null };
  base?: { sha: string | null; ref: string | null } | null;
}

export async function evaluateProject(
  project: LoadedProject,
  options: ProjectOptions,
): Promise<ProjectEvaluation> {
  const evaluations: ModelEvaluation[] = [];
  const invalid: ProjectEvaluation["invalid"] = [];
  for (const m of project.models) {
    try {
      const champion = await options.championOf(m.name);
      evaluations.push(await evaluateModel(m, { ...options, root: project.root, champion }));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      invalid.push({ model: m.name, problems: e.problems });
    }
  }
  const report = evaluationReport(
    evaluations.map((e) => e.report),
    { head: options.head, base: options.base, allEvaluated: invalid.length === 0 },
  );
  return { report, evaluations, invalid };
}
