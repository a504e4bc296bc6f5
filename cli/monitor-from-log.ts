/**
 * `modelgate monitor --from-log`: the server's prediction log (and the outcomes that arrived
 * later) as a data file that batch monitoring reads. The rows the monitored version scored are
 * written to `<out>/from-log.jsonl`, kept beside the report so the numbers can be checked.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { InputError } from "../src/errors.js";
import { readRegistry, type RegistrySource } from "../src/model/load-model.js";
import {
  loggedRows,
  parseOutcomes,
  parsePredictionLog,
  predictionLogFiles,
} from "../src/monitor/read-prediction-log.js";
import { displayPath, type LoadedProject } from "../src/project/load-project.js";
import { resolveAlias } from "../src/registry/registry-transitions.js";

/** Where the log, the outcomes and the registry are. */
export interface FromLogOptions {
  log: string;
  outcomes?: string;
  source: RegistrySource;
  registryDir: string;
  alias: string;
  out: string;
  cwd: string;
}

/** The project with `model`'s data spec reading the written rows, the file, and a summary line. */
export async function rowsFromLog(
  project: LoadedProject,
  model: string,
  options: FromLogOptions,
): Promise<{ project: LoadedProject; dataFile: string; summary: string }> {
  const m = project.models.find((x) => x.name === model);
  const shownLog = displayPath(options.cwd, options.log);
  if (!m) return { project, dataFile: options.log, summary: "" };
  const files = predictionLogFiles(options.log);
  if (files.length === 0)
    throw new InputError({
      file: shownLog,
      message: "there is no such prediction log",
      hint: "pass the file given to `modelgate serve --prediction-log`",
    });
  const registry = await readRegistry(options.source, options.registryDir);
  const version = resolveAlias(registry, model, options.alias);
  if (version === null)
    throw new InputError({
      file: `${options.registryDir}/registry.json`,
      message: `${model} has no version under alias ${options.alias}, so there is nothing to monitor`,
      hint: `promote a version first, or name the alias the server followed with --alias`,
    });
  const target = m.spec.target;
  const entries = files.flatMap((f) =>
    parsePredictionLog(readFileSync(f, "utf8"), displayPath(options.cwd, f)),
  );
  const outcomes = options.outcomes
    ? parseOutcomes(
        readText(options.outcomes, displayPath(options.cwd, options.outcomes)),
        displayPath(options.cwd, options.outcomes),
        target,
      )
    : undefined;
  const rows = loggedRows(entries, {
    model,
    version: version.version,
    target,
    ...(outcomes ? { outcomes } : {}),
  });
  if (rows.records.length === 0)
    throw new InputError({
      file: shownLog,
      message: `no row of ${model} v${version.version} (${options.alias}) is in the log${rows.otherVersions > 0 ? `; ${rows.otherVersions} rows are of other versions` : ""}`,
      hint: "monitor the alias the server followed (--alias), once it has answered requests",
    });
  // Rows without an outcome yet have a missing target; the performance counts the others.
  if (outcomes) for (const r of rows.records) if (!(target in r)) r[target] = null;
  mkdirSync(options.out, { recursive: true });
  const dataFile = path.join(options.out, "from-log.jsonl");
  writeFileSync(dataFile, rows.records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const data = {
    ...m.data,
    format: "jsonl" as const,
    columns: m.data.columns.map((c) => (c.name === target && outcomes ? { ...c, nullable: true } : c)),
  };
  const summary =
    `${shownLog}: ${rows.records.length} rows scored by ${model} v${version.version} (${options.alias})` +
    (outcomes ? `, ${rows.withOutcome} with an outcome` : "") +
    (rows.otherVersions > 0 ? `; ${rows.otherVersions} rows of other versions left out` : "") +
    (rows.unmatchedOutcomes > 0 ? `; ${rows.unmatchedOutcomes} outcomes match no logged row` : "") +
    "\n\n";
  return {
    project: { ...project, models: project.models.map((x) => (x === m ? { ...m, data } : x)) },
    dataFile,
    summary,
  };
}

function readText(file: string, shown: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError({
      file: shown,
      message: `cannot be read: ${(e as Error).message}`,
      hint: "check the path",
    });
  }
}
