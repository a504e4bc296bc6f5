/**
 * Monitoring the models of a project: each model's production version from the registry, its
 * thresholds from its spec, its new data file; one monitor report for all of them. A model
 * whose data or registry entry is invalid does not hide the others' results.
 */
import { InputError, type Problem } from "../errors.js";
import { loadChampion, readRegistry, type RegistrySource } from "../model/load-model.js";
import { TOOL_VERSION } from "../run/evaluate-project.js";
import { resolveAlias } from "../registry/registry-transitions.js";
import { displayPath, type LoadedProject } from "../project/load-project.js";
import { monitorModel } from "./monitor-model.js";
import {
  MONITOR_REPORT_SCHEMA_VERSION,
  worstVerdict,
  type MonitorModelReport,
  type MonitorReport,
} from "./monitor-report-schema.js";
import { resolveThresholds, type MonitorThresholds } from "./monitor-thresholds.js";

export interface MonitorProjectOptions {
  /** The new data file of each model to monitor (absolute paths); models not named are skipped. */
  dataFiles: Readonly<Record<string, string>>;
  /** Where the registry is read from (the working tree for the CLI and a scheduled workflow). */
  source: RegistrySource;
  /** The registry folder relative to the repository root (POSIX). */
  registryDir: string;
  /** The alias whose version is monitored. Default production. */
  alias?: string;
  /** Thresholds that override every model spec's `monitor:` section. */
  overrides?: Partial<MonitorThresholds>;
  /** Paths in problems are relative to this folder (the working directory). */
  displayBase: string;
  head?: { sha: string | null; ref: string | null };
}

export interface ProjectMonitoring {
  report: MonitorReport;
  /** Problems of models that could not be monitored, by model. */
  invalid: { model: string; problems: Problem[] }[];
}

/** Monitors every model that has a data file in `dataFiles`. */
export async function monitorProject(
  project: LoadedProject,
  options: MonitorProjectOptions,
): Promise<ProjectMonitoring> {
  const alias = options.alias ?? "production";
  const registry = await readRegistry(options.source, options.registryDir);
  const models: MonitorModelReport[] = [];
  const invalid: ProjectMonitoring["invalid"] = [];
  for (const m of project.models) {
    const dataFile = options.dataFiles[m.name];
    if (dataFile === undefined) continue;
    try {
      const thresholds = resolveThresholds(
        m.spec,
        displayPath(options.displayBase, m.specFile),
        options.overrides,
      );
      const production = await loadChampion(options.source, options.registryDir, m.name, alias, registry);
      if (production === null)
        throw new InputError({
          file: `${options.registryDir}/registry.json`,
          message: `${m.name} has no version under alias ${alias} in ${options.source.describe}, so there is nothing to monitor`,
          hint: `promote a version first (modelgate promote ${m.name} --alias ${alias})`,
        });
      models.push(
        await monitorModel({
          model: m,
          production,
          recorded: resolveAlias(registry, m.name, alias),
          dataFile,
          thresholds,
          root: project.root,
          displayBase: options.displayBase,
        }),
      );
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      invalid.push({ model: m.name, problems: e.problems });
    }
  }
  const verdict = worstVerdict(models.map((m) => m.verdict));
  return {
    report: {
      schemaVersion: MONITOR_REPORT_SCHEMA_VERSION,
      kind: "monitor",
      tool: { name: "modelgate", version: TOOL_VERSION },
      head: options.head ?? { sha: null, ref: null },
      base: null,
      passed: verdict !== "alert",
      verdict,
      models,
    },
    invalid,
  };
}
