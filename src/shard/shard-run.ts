/**
 * Sharded runs of a whole project, as the CLI and the Action drive them (src/train/README.md):
 *
 * 1. `shard i/n` (round one): each shard writes `<model>.fit-<i>-of-<n>.json` per model.
 * 2. `merge` of round-one files: the exact model, written as `models/<model>.json`, and a
 *    scoring plan `<model>.plan.json` per model.
 * 3. `shard i/n` with the plans (round two): each shard writes `<model>.score-<i>-of-<n>.json`.
 * 4. `merge` of the plans and round-two files: report.json, report.md, report.html and the
 *    model files, as `modelgate run` writes them.
 *
 * Partial results are found by their `format` in every `.json` file of the folders given
 * (recursively, so downloaded artifacts can keep their folders).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { InputError, type Problem } from "../errors.js";
import type { Registry } from "../registry/registry-document.js";
import { evaluationReport, type Report } from "../report/report-schema.js";
import { canonicalJson } from "../canonical-json.js";
import { displayPath, type LoadedProject } from "../project/load-project.js";
import type { Champion } from "../model/load-model.js";
import {
  fitShard,
  mergeFits,
  SHARD_FIT_FORMAT,
  SHARD_PLAN_FORMAT,
  type FitPartial,
  type ScorePlan,
  type ShardRef,
} from "./shard-fit.js";
import { mergedReportFiles, mergeScores, type MergedModel } from "./shard-report.js";
import { checkPlan, scoreShard, SHARD_SCORE_FORMAT, type ScorePartial } from "./shard-score.js";

/** A JSON document read from a file, with the file as problems name it. */
export interface Document<T = unknown> {
  file: string;
  value: T;
}

/** Every partial result and plan in `dirs` (files or folders, searched recursively). */
export function readShardDocuments(
  dirs: readonly string[],
  displayBase: string,
): Document<{ format?: unknown; model?: unknown }>[] {
  const out: Document<{ format?: unknown; model?: unknown }>[] = [];
  const visit = (p: string): void => {
    let stat;
    try {
      stat = statSync(p);
    } catch {
      throw new InputError({ file: displayPath(displayBase, p), message: "no such file or folder" });
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(p).sort()) visit(path.join(p, name));
      return;
    }
    if (!p.endsWith(".json")) return;
    const file = displayPath(displayBase, p);
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(p, "utf8"));
    } catch (e) {
      throw new InputError({ file, message: `not JSON: ${(e as Error).message}` });
    }
    const format = (value as { format?: unknown } | null)?.format;
    if (format === SHARD_FIT_FORMAT || format === SHARD_PLAN_FORMAT || format === SHARD_SCORE_FORMAT)
      out.push({ file, value: value as { format?: unknown; model?: unknown } });
  };
  for (const d of dirs) visit(d);
  return out;
}

export interface ShardRunOptions {
  displayBase: string;
  championOf: (model: string) => Promise<Champion | null> | Champion | null;
  /** Round two: the plans of the round-one merge. */
  plans?: readonly Document[];
}

/** One shard of every model of the project: file name -> content of its partial results. */
export async function runShard(
  project: LoadedProject,
  shard: ShardRef,
  options: ShardRunOptions,
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const suffix = `${shard.index}-of-${shard.count}.json`;
  for (const m of project.models) {
    const champion = await options.championOf(m.name);
    if (options.plans) {
      const found = options.plans.find((p) => (p.value as ScorePlan).model === m.name);
      if (!found)
        throw new InputError({
          file: displayPath(options.displayBase, project.configFile),
          message: `no scoring plan of model "${m.name}" among the plans given`,
          hint: "give round two the folder the round-one merge wrote",
        });
      const plan = checkPlan(m, found.value as ScorePlan, found.file);
      const partial = await scoreShard(m, plan, shard, {
        displayBase: options.displayBase,
        champion,
        planFile: found.file,
      });
      files[`${m.name}.score-${suffix}`] = JSON.stringify(partial);
    } else {
      const partial = await fitShard(m, shard, { displayBase: options.displayBase, champion });
      files[`${m.name}.fit-${suffix}`] = JSON.stringify(partial);
    }
  }
  return files;
}

export interface MergeOptions {
  displayBase: string;
  championOf: (model: string) => Promise<Champion | null> | Champion | null;
  registry: Registry;
  head?: { sha: string | null; ref: string | null };
  base?: { sha: string | null; ref: string | null } | null;
}

/** What a merge wrote: round one's plans, or the final report. */
export type MergeResult =
  | { stage: "fit"; files: Record<string, string>; models: string[] }
  | { stage: "report"; files: Record<string, string>; report: Report };

/**
 * Merges the documents found: round-one partials into models and plans, or plans and
 * round-two partials into the report. Every model of the project must be present.
 */
export async function mergeShards(
  project: LoadedProject,
  documents: readonly Document<{ format?: unknown; model?: unknown }>[],
  options: MergeOptions,
): Promise<MergeResult> {
  const of = (format: string, model: string) =>
    documents.filter((d) => d.value.format === format && d.value.model === model);
  const scoring = documents.some((d) => d.value.format === SHARD_SCORE_FORMAT);
  const problems: Problem[] = [];
  const where = displayPath(options.displayBase, project.configFile);
  if (documents.length === 0)
    throw new InputError({
      file: where,
      message: "no partial results found in the folders given",
      hint: "give the folders the shards wrote (modelgate shard) or their downloaded artifacts",
    });
  if (!scoring) {
    const files: Record<string, string> = {};
    for (const m of project.models) {
      const partials = of(SHARD_FIT_FORMAT, m.name) as Document<FitPartial>[];
      if (partials.length === 0) {
        problems.push({ file: where, message: `no round-one partial result of model "${m.name}"` });
        continue;
      }
      const plan = await mergeFits(m, partials, { displayBase: options.displayBase });
      files[`${m.name}.plan.json`] = canonicalJson(plan);
      files[`models/${m.name}.json`] = plan.modelText;
    }
    if (problems.length > 0) throw new InputError(problems);
    return { stage: "fit", files, models: project.models.map((m) => m.name) };
  }
  const merged: MergedModel[] = [];
  for (const m of project.models) {
    const plans = of(SHARD_PLAN_FORMAT, m.name);
    const partials = of(SHARD_SCORE_FORMAT, m.name) as Document<ScorePartial>[];
    if (plans.length !== 1 || partials.length === 0) {
      problems.push({
        file: where,
        message: `model "${m.name}" needs its scoring plan and round two's partial results (found ${plans.length} plan${plans.length === 1 ? "" : "s"}, ${partials.length} partial result${partials.length === 1 ? "" : "s"})`,
        hint: "give the merge the round-one merge's folder and every round-two shard's",
      });
      continue;
    }
    const plan = checkPlan(m, plans[0]!.value as ScorePlan, plans[0]!.file);
    merged.push(
      mergeScores(m, plan, partials, {
        root: project.root,
        champion: await options.championOf(m.name),
        planFile: plans[0]!.file,
      }),
    );
  }
  if (problems.length > 0) throw new InputError(problems);
  const report = evaluationReport(
    merged.map((e) => e.report),
    { head: options.head, base: options.base },
  );
  return {
    stage: "report",
    files: mergedReportFiles(
      report,
      merged.map((e) => ({ name: e.report.name, modelText: e.modelText })),
      options.registry,
    ),
    report,
  };
}
