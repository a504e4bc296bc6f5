/**
 * The Action's `shard` and `merge` modes: sharded training over matrix jobs
 * (examples/workflows/sharded.yml, src/train/README.md).
 *
 * 1. `shard` with `shard: i/n`: this job's share. Without `partials`, round one (factor the
 *    share); with `partials` naming the folder of the round-one merge's plans, round two (score
 *    it). The partial results are uploaded as artifact `modelgate-shard-<round>-<i>-of-<n>`.
 * 2. `merge` with `partials` naming the downloaded artifacts' folders: round one's merge writes
 *    the models and plans (artifact `modelgate-plan`); round two's writes report.json and the
 *    rest as evaluate mode does (one artifact `modelgate-report-<model>` per model, the job
 *    summary, the outputs), and fails on a failed gate when asked.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as core from "@actions/core";
import { renderMarkdown, renderSummaryLine } from "../src/report/render-markdown.js";
import type { Report } from "../src/report/report-schema.js";
import { loadChampion, readRegistry, registryDirOf, type RegistrySource } from "../src/model/load-model.js";
import { parseShard } from "../src/shard/shard-fit.js";
import { metricHistory } from "../src/run/report-files.js";
import { mergedReportFiles } from "../src/shard/shard-report.js";
import { mergeShards, readShardDocuments, runShard } from "../src/shard/shard-run.js";
import type { LoadedProject } from "../src/project/load-project.js";
import { ActionInputError } from "./inputs.js";
import { uploadModelArtifact } from "./upload.js";

export interface ShardModeOptions {
  project: LoadedProject;
  mode: "shard" | "merge";
  /** `i/n` in shard mode. */
  shard: string;
  /** Folders of partial results (merge), or of the plans (shard, round two); relative to `cwd`. */
  partials: string[];
  /** Where the champion is read from (the pull request's base commit, as in evaluate mode). */
  championSource: RegistrySource;
  uploadArtifact: boolean;
  failOnGate: boolean;
  /** Folder relative paths are resolved against (the working directory). */
  cwd: string;
  /** Paths in problems are shown relative to it (the workspace). */
  displayBase: string;
  head: { sha: string | null; ref: string | null };
  base: { sha: string | null; ref: string | null } | null;
  env: NodeJS.ProcessEnv;
  upload?: typeof uploadModelArtifact;
}

/** Runs shard or merge mode; returns the failure message, or null. Throws InputError for bad input. */
export async function runShardMode(o: ShardModeOptions): Promise<{ failure: string | null }> {
  const registryDir = registryDirOf(o.project.root, o.project.registryDir);
  const championOf = (model: string) => loadChampion(o.championSource, registryDir, model);
  const upload = o.upload ?? uploadModelArtifact;
  const outRoot = path.join(o.env.RUNNER_TEMP ?? path.join(o.cwd, ".modelgate-out"), "modelgate");
  const folders = o.partials.map((p) => path.resolve(o.cwd, p));

  if (o.mode === "shard") {
    if (!o.shard) throw new ActionInputError("mode shard needs shard: i/n (e.g. ${{ matrix.shard }}/3)");
    const shard = parseShard(o.shard, "the shard input");
    const plans = folders.length > 0 ? readShardDocuments(folders, o.displayBase) : undefined;
    const files = await runShard(o.project, shard, {
      displayBase: o.displayBase,
      championOf,
      ...(plans ? { plans } : {}),
    });
    const round = plans ? "score" : "fit";
    const name = `modelgate-shard-${round}-${shard.index}-of-${shard.count}`;
    const dir = path.join(outRoot, name);
    write(dir, files);
    if (o.uploadArtifact) await upload(name, dir, Object.keys(files), o.env);
    core.setOutput("partial-dir", dir);
    core.setOutput("artifact", name);
    core.setOutput("summary", `shard ${shard.index}/${shard.count}, round ${plans ? "two" : "one"}`);
    core.info(`shard ${shard.index}/${shard.count}: wrote ${Object.keys(files).join(", ")}`);
    return { failure: null };
  }

  if (folders.length === 0)
    throw new ActionInputError("mode merge needs partials: the folders of the shards' artifacts");
  const source = o.championSource;
  const registry = await readRegistry(source, registryDir);
  const result = await mergeShards(o.project, readShardDocuments(folders, o.displayBase), {
    displayBase: o.displayBase,
    championOf,
    registry,
    head: o.head,
    base: o.base,
  });
  if (result.stage === "fit") {
    const dir = path.join(outRoot, "modelgate-plan");
    write(dir, result.files);
    if (o.uploadArtifact) await upload("modelgate-plan", dir, Object.keys(result.files), o.env);
    core.setOutput("stage", "fit");
    core.setOutput("plan-dir", dir);
    core.setOutput("models", JSON.stringify(result.models));
    core.setOutput("summary", `merged round one of ${result.models.join(", ")}: scoring plans ready`);
    return { failure: null };
  }

  const report = result.report;
  const reportFile = path.join(outRoot, "report.json");
  write(outRoot, { "report.json": result.files["report.json"]! });
  for (const m of report.models) {
    const single: Report = { ...report, passed: m.passed, models: [m] };
    const dir = path.join(outRoot, m.name);
    const files = mergedReportFiles(
      single,
      [{ name: m.name, modelText: result.files[`models/${m.name}.json`]! }],
      registry,
    );
    write(dir, files);
    if (o.uploadArtifact) await upload(`modelgate-report-${m.name}`, dir, Object.keys(files), o.env);
  }
  await core.summary.addRaw(renderMarkdown(report, { history: metricHistory(registry, report) })).write();
  const line = renderSummaryLine(report);
  core.setOutput("stage", "report");
  core.setOutput("passed", String(report.passed));
  core.setOutput("report-json", reportFile);
  core.setOutput("models", JSON.stringify(report.models.map((m) => m.name)));
  core.setOutput("summary", line);
  if (!report.passed && o.failOnGate) return { failure: line };
  core.info(line);
  return { failure: null };
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
}
