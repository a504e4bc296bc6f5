/**
 * The modelgate Action. `run()` is all there is:
 *
 * 1. Parse the inputs once (zod) and load the project's specs.
 * 2. `list`: print the models as JSON for a matrix, and stop. `monitor`: drift of new data
 *    against the production versions (action/run-monitor.ts), and stop. `shard` / `merge`:
 *    sharded training over matrix jobs (action/run-shard.ts), and stop.
 * 3. `evaluate`: find the champion in the registry as of the pull request's base commit
 *    (through the contents API: a shallow checkout has no base commit, and the PR's own edits
 *    to the registry must not choose its champion), train and evaluate every model.
 * 4. Write the job summary, one artifact per model (`modelgate-report-<model>`), the outputs.
 * 5. Fail the job exactly once: on invalid input (with annotations on the file and line), or
 *    on a failed gate when `fail-on-gate` is true.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as core from "@actions/core";
import { canonicalJson } from "../src/canonical-json.js";
import { InputError } from "../src/errors.js";
import { renderMarkdown, renderSummaryLine } from "../src/report/render-markdown.js";
import { invalidModelsMarkdown } from "../src/report/markdown-problems.js";
import type { Report } from "../src/report/report-schema.js";
import { evaluateProject } from "../src/run/evaluate-project.js";
import {
  cachedSource,
  loadChampion,
  readRegistry,
  registryDirOf,
  workingTreeSource,
  type RegistrySource,
} from "../src/model/load-model.js";
import { metricHistory, reportFiles } from "../src/run/report-files.js";
import { loadProject, type LoadedProject } from "../src/project/load-project.js";
import type { GitHubReader, PullRequestRef } from "./github-client.js";
import { GitHubAccessError } from "./github-errors.js";
import { annotate } from "./annotate.js";
import { ActionInputError, parseInputs } from "./inputs.js";
import { runMonitor } from "./run-monitor.js";
import { runShardMode } from "./run-shard.js";
import { uploadModelArtifact } from "./upload.js";

/** What the Action touches outside itself; tests may replace any part. */
export interface ActionDeps {
  env: NodeJS.ProcessEnv;
  /** Files at a commit; by default the contents API through the Action's Octokit. */
  reader?: GitHubReader;
  /** The event's pull request (null: none); by default read from the toolkit's `context`. */
  pullRequest?: PullRequestRef | null;
  upload?: typeof uploadModelArtifact;
}

/** Runs the Action; never throws (every failure ends in exactly one core.setFailed). */
export async function run(deps: ActionDeps = { env: process.env }): Promise<void> {
  try {
    const failure = await runSteps(deps);
    if (failure) core.setFailed(failure);
  } catch (error) {
    core.setFailed(failureMessage(error));
  }
}

async function runSteps(deps: ActionDeps): Promise<string | null> {
  const { env } = deps;
  const inputs = parseInputs((name) => core.getInput(name));
  const workspace = path.resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const cwd = path.resolve(workspace, inputs.workingDirectory);
  const configFile = path.resolve(cwd, inputs.config);

  let project;
  try {
    project = loadProject(configFile, {
      only: inputs.models.length ? inputs.models : undefined,
      displayBase: workspace,
    });
  } catch (error) {
    if (error instanceof InputError) return annotate(error.problems, "the modelgate specs are invalid");
    throw error;
  }
  const names = project.models.map((m) => m.name);

  if (inputs.mode === "list") {
    core.setOutput("models", JSON.stringify(names));
    core.setOutput("summary", `${names.length} model${names.length === 1 ? "" : "s"}: ${names.join(", ")}`);
    core.info(JSON.stringify(names));
    return null;
  }
  if (inputs.mode === "monitor") {
    const outcome = await runMonitor({
      project,
      inputs: {
        data: inputs.data,
        models: inputs.models,
        alias: inputs.alias,
        workingDirectory: inputs.workingDirectory,
        uploadArtifact: inputs.uploadArtifact,
        failOnAlert: inputs.failOnGate,
        githubToken: inputs.githubToken,
      },
      env,
      ...(deps.upload ? { upload: deps.upload } : {}),
    });
    return outcome.failure;
  }

  const pull =
    deps.pullRequest === undefined
      ? (await import("./github-client.js")).eventPullRequest()
      : (deps.pullRequest ?? undefined);
  const registryDir = registryDirOf(project.root, project.registryDir);
  const { source, notes } = await championSource(project, inputs.githubToken, pull, workspace, deps);
  const head = {
    sha: pull?.head.sha ?? env.GITHUB_SHA ?? null,
    ref: pull?.head.ref ?? env.GITHUB_REF ?? null,
  };
  const base = pull ? { sha: pull.base.sha, ref: pull.base.ref } : null;

  if (inputs.mode === "shard" || inputs.mode === "merge") {
    const outcome = await runShardMode({
      project,
      mode: inputs.mode,
      shard: inputs.shard,
      partials: inputs.partials,
      championSource: source,
      uploadArtifact: inputs.uploadArtifact,
      failOnGate: inputs.failOnGate,
      cwd,
      displayBase: workspace,
      head,
      base,
      env,
      ...(deps.upload ? { upload: deps.upload } : {}),
    });
    return outcome.failure;
  }

  const result = await evaluateProject(project, {
    displayBase: workspace,
    championOf: (model) => loadChampion(source, registryDir, model),
    head,
    base,
  });
  const report = result.report;
  if (notes.length > 0) for (const m of report.models) m.registryChanged = true;

  const outDir = path.join(env.RUNNER_TEMP ?? path.join(workspace, ".modelgate-out"), "modelgate");
  mkdirSync(outDir, { recursive: true });
  const reportFile = path.join(outDir, "report.json");
  writeFileSync(reportFile, canonicalJson(report));

  const upload = deps.upload ?? uploadModelArtifact;
  const history = metricHistory(await readRegistry(source, registryDir), report);
  for (const evaluation of result.evaluations) {
    const single: Report = { ...report, passed: evaluation.report.passed, models: [evaluation.report] };
    const dir = path.join(outDir, evaluation.report.name);
    const files = reportFiles(single, [evaluation], history);
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), content);
    }
    if (inputs.uploadArtifact)
      await upload(`modelgate-report-${evaluation.report.name}`, dir, Object.keys(files), env);
  }

  const markdown = [
    renderMarkdown(report, { history }),
    ...notes.map((n) => `> [!NOTE]\n> ${n}`),
    // The problems of models that could not be evaluated (a failed training command: its last lines).
    ...(result.invalid.length > 0 ? [invalidModelsMarkdown(result.invalid)] : []),
  ].join("\n\n");
  await core.summary.addRaw(markdown).write();
  const line = renderSummaryLine(report);
  core.setOutput("passed", String(report.passed));
  core.setOutput("report-json", reportFile);
  core.setOutput("models", JSON.stringify(report.models.map((m) => m.name)));
  core.setOutput("summary", line);

  if (result.invalid.length > 0)
    return annotate(
      result.invalid.flatMap((i) => i.problems),
      `invalid data for ${result.invalid.map((i) => i.model).join(", ")}`,
    );
  if (!report.passed && inputs.failOnGate) return line;
  core.info(line);
  return null;
}

/**
 * Where the champion comes from: on a pull request with a token, the registry as of the base
 * commit through the contents API (the pull request cannot choose its own champion; its edits
 * to the registry are noted); otherwise the checked-out files.
 */
async function championSource(
  project: LoadedProject,
  token: string,
  pull: PullRequestRef | undefined,
  workspace: string,
  deps: ActionDeps,
): Promise<{ source: RegistrySource; notes: string[] }> {
  const registryDir = registryDirOf(project.root, project.registryDir);
  const fromRoot = posixRelative(workspace, project.root);
  const reader = deps.reader ?? (pull && token ? await defaultReader(token) : undefined);
  const notes: string[] = [];
  if (!pull || !reader) {
    if (pull)
      core.warning(
        `${token ? "No GITHUB_REPOSITORY" : "No github-token"}: the champion is read from the checked-out files, which the pull request may have changed.`,
      );
    return { source: workingTreeSource(project.root), notes };
  }
  const baseSha = pull.base.sha;
  const source = cachedSource({
    describe: `the base commit ${baseSha.slice(0, 7)}`,
    read: (p) => reader.fileAt(baseSha, fromRoot ? `${fromRoot}/${p}` : p),
    ...(reader.bytesAt
      ? { readBytes: (p: string) => reader.bytesAt!(baseSha, fromRoot ? `${fromRoot}/${p}` : p) }
      : {}),
  });
  const changed = await changedRegistryFiles(project.registryDir, registryDir, source);
  if (changed.length > 0)
    notes.push(
      `This pull request changes the registry (${changed.slice(0, 5).join(", ")}${changed.length > 5 ? ", …" : ""}); those edits are ignored: the champion comes from the base commit, and only the modelgate app writes the registry.`,
    );
  return { source, notes };
}

/**
 * Registry files whose checked-out content differs from the base commit's (added, changed, or
 * removed), as repository paths.
 */
async function changedRegistryFiles(
  registryDirAbs: string,
  registryDir: string,
  base: RegistrySource,
): Promise<string[]> {
  const local = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), r);
      else if (entry.isFile())
        local.set(`${registryDir}/${r}`, readFileSync(path.join(dir, entry.name), "utf8"));
    }
  };
  walk(registryDirAbs, "");
  const changed: string[] = [];
  for (const [file, text] of local) if ((await base.read(file)) !== text) changed.push(file);
  // Files the base registry names that the pull request removed.
  const baseRegistry = await base.read(`${registryDir}/registry.json`);
  for (const match of baseRegistry?.matchAll(/"file": "([^"]+)"/g) ?? []) {
    const file = `${registryDir}/${match[1]}`;
    if (!local.has(file)) changed.push(file);
  }
  if (baseRegistry !== null && !local.has(`${registryDir}/registry.json`))
    changed.push(`${registryDir}/registry.json`);
  return changed.sort();
}

function failureMessage(error: unknown): string {
  if (error instanceof ActionInputError) return error.message;
  if (error instanceof InputError) return error.message;
  if (error instanceof GitHubAccessError) return error.message;
  if (error instanceof Error) return `modelgate failed: ${error.message}`;
  return `modelgate failed: ${String(error)}`;
}

/** The contents API through the Action's Octokit, for the run's repository (undefined outside a runner). */
async function defaultReader(token: string): Promise<GitHubReader | undefined> {
  const github = await import("./github-client.js");
  const repository = github.eventRepository();
  return repository ? github.contentsReader(github.createOctokit(token), repository) : undefined;
}

function posixRelative(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join("/");
}
