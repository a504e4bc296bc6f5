/**
 * A scheduled monitor job against the GitHub simulator. The simulator's `runWorkflow` runs
 * `pull_request` jobs only, so the scheduled run is set up here the same way: a workflow run
 * (event `schedule`) on the default branch, its token, the runner's files and variables, and
 * the checkout as the workspace.
 *
 * Two ways to run the job: `inProcess` calls `runMonitor` as `action/main.ts` will, and
 * `bundled` spawns the Action's bundle with the same environment plus the `INPUT_*` variables.
 * Tests take a runner as a parameter, so switching to the bundle is one argument.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runMonitor, type MonitorInputs, type MonitorOutcome } from "../../action/run-monitor.js";
import { loadProject } from "../../src/project/load-project.js";
import { parseOutputFile, runtimeToken, withProcessEnv, type GitHubSim } from "../github-sim/index.js";
import type { Permissions } from "../github-sim/model.js";
import { actionBundle } from "../helpers/cars-repo.js";

export interface MonitorJob {
  /** The runner environment (GITHUB_*, RUNNER_*, ACTIONS_*). */
  env: Record<string, string>;
  inputs: MonitorInputs;
  workspace: string;
  runId: number;
}

export interface JobResult {
  /** The failure the job ends with, or null when it succeeds. */
  failure: string | null;
  outputs: Record<string, string>;
  summary: string;
  /** In process only: what runMonitor returned. */
  outcome?: MonitorOutcome;
}

export type JobRunner = (job: MonitorJob) => Promise<JobResult>;

const temps: string[] = [];

/** Removes every workspace and runner folder made so far. */
export function removeJobFolders(): void {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
}

/**
 * A scheduled run of `.github/workflows/monitor.yml` on `repo`'s default branch, with the
 * repository's files at `exampleDir` checked out plus `extraFiles` (the new data).
 */
export function scheduledJob(
  sim: GitHubSim,
  repo: string,
  options: {
    exampleDir: string;
    extraFiles: Record<string, string>;
    inputs: Partial<MonitorInputs> & { data: string };
    permissions?: Permissions;
  },
): MonitorJob {
  const head = sim.state.refSha(repo, "main")!;
  const run = sim.state.createWorkflowRun(repo, {
    headSha: head,
    headBranch: "main",
    event: "schedule",
    path: ".github/workflows/monitor.yml",
    name: "monitor",
    actor: repo.split("/")[0]!,
  });
  const token = sim.state.workflowToken(repo, {
    permissions: options.permissions ?? { contents: "read", issues: "write" },
    runId: run.id,
  });
  const root = mkdtempSync(path.join(tmpdir(), "modelgate-monitor-job-"));
  temps.push(root);
  const workspace = path.join(root, "workspace");
  const runner = path.join(root, "runner");
  cpSync(options.exampleDir, workspace, { recursive: true });
  for (const [rel, content] of Object.entries(options.extraFiles)) {
    mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    writeFileSync(path.join(workspace, rel), content);
  }
  mkdirSync(runner, { recursive: true });
  const files = { output: path.join(runner, "output"), summary: path.join(runner, "summary") };
  for (const f of Object.values(files)) writeFileSync(f, "");
  const env: Record<string, string> = {
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_API_URL: sim.url,
    GITHUB_SERVER_URL: sim.serverUrl,
    GITHUB_REPOSITORY: repo,
    GITHUB_EVENT_NAME: "schedule",
    GITHUB_SHA: head,
    GITHUB_REF: "refs/heads/main",
    GITHUB_RUN_ID: String(run.id),
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: runner,
    ACTIONS_RUNTIME_TOKEN: runtimeToken(run),
    ACTIONS_RESULTS_URL: `${sim.url}/`,
  };
  const inputs: MonitorInputs = {
    models: [],
    workingDirectory: ".",
    uploadArtifact: true,
    failOnAlert: true,
    githubToken: token,
    ...options.inputs,
  };
  return { env, inputs, workspace, runId: run.id };
}

function readRunnerFiles(job: MonitorJob): Pick<JobResult, "outputs" | "summary"> {
  return {
    outputs: parseOutputFile(readFileSync(job.env.GITHUB_OUTPUT!, "utf8")),
    summary: readFileSync(job.env.GITHUB_STEP_SUMMARY!, "utf8"),
  };
}

/** Calls runMonitor in this process, as action/main.ts does for `mode: monitor`. */
export const inProcess: JobRunner = async (job) => {
  const outcome = await withProcessEnv(job.env, async () => {
    const project = loadProject(path.join(job.workspace, "modelgate.yml"), { displayBase: job.workspace });
    return runMonitor({ project, inputs: job.inputs, env: { ...process.env, ...job.env } });
  });
  return { failure: outcome.failure, outcome, ...readRunnerFiles(job) };
};

/** Spawns an Action bundle with `mode: monitor`, as a runner would. */
export const bundledAt =
  (bundle: string): JobRunner =>
  async (job) => {
    const inputs: Record<string, string> = {
      INPUT_MODE: "monitor",
      INPUT_CONFIG: "modelgate.yml",
      INPUT_DATA: job.inputs.data,
      INPUT_MODELS: job.inputs.models.join(","),
      "INPUT_WORKING-DIRECTORY": job.inputs.workingDirectory,
      "INPUT_UPLOAD-ARTIFACT": String(job.inputs.uploadArtifact),
      "INPUT_FAIL-ON-GATE": String(job.inputs.failOnAlert),
      "INPUT_GITHUB-TOKEN": job.inputs.githubToken,
    };
    // Asynchronous: the simulator answers from this process, so a blocking spawn would hang it.
    const child = spawn(process.execPath, [bundle], {
      cwd: job.workspace,
      env: { PATH: process.env.PATH ?? "", ...job.env, ...inputs },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.resume();
    const timer = setTimeout(() => child.kill(), 120_000);
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    const failure = status === 0 ? null : (/::error::(.*)/.exec(stdout)?.[1] ?? `exit ${status}`);
    return { failure, ...readRunnerFiles(job) };
  };

/** The committed bundle (dist/index.js). */
export const bundled: JobRunner = bundledAt(actionBundle);
