import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runtimeToken } from "./artifact-service.js";
import type { Permissions, SimRepo, SimWorkflowRun } from "./model.js";
import { testMergeCommit } from "./pull-ops.js";
import { runnerEnv, parseOutputFile, type RunnerFiles } from "./runner-env.js";
import type { RepoRef, SimState } from "./sim-state.js";
import { createWorkflowRun, setRunStatus } from "./run-ops.js";
import { buildWebhook } from "./webhook-payloads.js";
import { FORK_WORKFLOW_PERMISSIONS, createWorkflowToken } from "./tokens.js";

/** What a job gets when it runs in-process. */
export interface JobContext {
  /** The runner environment (not applied to `process.env`). */
  env: Record<string, string>;
  /** The workflow token (also the `${{ github.token }}` in `inputs`). */
  token: string;
  run: SimWorkflowRun;
}

/** The job to run: a callback in this process, or a command spawned with the runner environment. */
export type Job =
  | ((context: JobContext) => Promise<number | void> | number | void)
  | { command: string; args?: string[]; cwd?: string; timeoutMs?: number };

/** Options of `runWorkflow`. */
export interface RunWorkflowOptions {
  repo: RepoRef;
  pullNumber: number;
  job: Job;
  /** Workflow file path (default `.github/workflows/ci.yml`) and `name:`. */
  path?: string;
  name?: string;
  jobName?: string;
  /** The token's permissions; a fork PR's token is always read-only, as on GitHub. */
  permissions?: Permissions;
  /** Action inputs as `INPUT_<NAME>` variables; `${{ github.token }}` is replaced by the token. */
  inputs?: Record<string, string>;
  /** More environment variables for the job. */
  env?: Record<string, string>;
  /** The `pull_request` action in the event payload (default `opened`). */
  action?: "opened" | "synchronize" | "reopened";
  /** Keep the temporary runner directory (default: removed). */
  keepFiles?: boolean;
}

/** A finished run. */
export interface WorkflowResult {
  run: SimWorkflowRun;
  conclusion: "success" | "failure";
  exitCode: number;
  outputs: Record<string, string>;
  summary: string;
  stdout: string;
  stderr: string;
  env: Record<string, string>;
  token: string;
}

/**
 * Runs a `pull_request` workflow job for a PR as a runner would: checks out the head's files into
 * a workspace, writes the event payload, creates the run (requested -> in_progress -> completed,
 * with `workflow_run` webhooks), hands the job the runner environment with a workflow token and an
 * artifact runtime token, then reads GITHUB_OUTPUT and the step summary back.
 */
export async function runWorkflow(state: SimState, options: RunWorkflowOptions): Promise<WorkflowResult> {
  const repo = typeof options.repo === "string" ? state.repo(options.repo) : options.repo;
  const pull = state.pull(repo, options.pullNumber);
  const p = pull.pull;
  const fromFork = p.headRepo !== repo;
  const run = createWorkflowRun(state, repo, {
    headSha: p.headSha,
    headBranch: p.headRef,
    headRepo: p.headRepo,
    pullNumbers: [pull.number],
    actor: pull.user,
    ...(options.path ? { path: options.path } : {}),
    ...(options.name ? { name: options.name } : {}),
  });
  const token = createWorkflowToken(state, repo, {
    permissions: fromFork ? FORK_WORKFLOW_PERMISSIONS : (options.permissions ?? FORK_WORKFLOW_PERMISSIONS),
    runId: run.id,
    actor: pull.user,
  });
  const root = await mkdtemp(join(tmpdir(), "github-sim-run-"));
  try {
    const files = await prepareFiles(root);
    // Like actions/checkout on pull_request: the test merge commit, or the head when it conflicts.
    const sha = testMergeCommit(state, repo, pull.number) ?? p.headSha;
    await writeCheckout(files.workspace, repo, sha);
    const action = options.action ?? "opened";
    const event = buildWebhook(
      state,
      { name: "pull_request", action, repo, number: pull.number, sender: pull.user },
      undefined,
    );
    await writeFile(files.eventPath, JSON.stringify(event?.payload ?? {}, null, 2));
    const env = {
      ...runnerEnv({
        apiUrl: state.apiUrl,
        serverUrl: state.serverUrl,
        repo,
        pull,
        run,
        actor: pull.user,
        sha,
        job: options.jobName ?? "build",
        files,
        runtimeToken: runtimeToken(run),
      }),
      ...inputVariables(options.inputs ?? {}, token),
      ...options.env,
    };
    setRunStatus(state, repo, run, "in_progress");
    const { exitCode, stdout, stderr } = await execute(options.job, { env, token, run }, files.workspace);
    const conclusion = exitCode === 0 ? "success" : "failure";
    const [outputs, summary] = [
      parseOutputFile(await readFile(files.output, "utf8")),
      await readFile(files.summary, "utf8"),
    ];
    setRunStatus(state, repo, run, "completed", conclusion);
    return { run, conclusion, exitCode, outputs, summary, stdout, stderr, env, token };
  } finally {
    if (!options.keepFiles) await rm(root, { recursive: true, force: true });
  }
}

async function prepareFiles(root: string): Promise<RunnerFiles> {
  const files: RunnerFiles = {
    workspace: join(root, "workspace"),
    temp: join(root, "temp"),
    eventPath: join(root, "event.json"),
    summary: join(root, "files", "step_summary"),
    output: join(root, "files", "output"),
    env: join(root, "files", "env"),
    path: join(root, "files", "path"),
    state: join(root, "files", "state"),
  };
  await Promise.all(
    [files.workspace, files.temp, join(root, "files")].map((d) => mkdir(d, { recursive: true })),
  );
  await Promise.all(
    [files.summary, files.output, files.env, files.path, files.state].map((f) => writeFile(f, "")),
  );
  return files;
}

/** Writes the files of a commit into the workspace. */
async function writeCheckout(workspace: string, repo: SimRepo, sha: string): Promise<void> {
  const tree = repo.git.commit(sha)?.tree;
  if (!tree) return;
  for (const [path, entry] of repo.git.listFiles(tree)) {
    const target = join(workspace, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, repo.git.blob(entry.sha) ?? Buffer.alloc(0));
  }
}

function inputVariables(inputs: Record<string, string>, token: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(inputs)) {
    out[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value.replace(
      /\$\{\{\s*github\.token\s*\}\}/g,
      token,
    );
  }
  return out;
}

async function execute(
  job: Job,
  context: JobContext,
  cwd: string,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  if (typeof job === "function") {
    try {
      const code = await job(context);
      return { exitCode: typeof code === "number" ? code : 0, stdout: "", stderr: "" };
    } catch (e) {
      return { exitCode: 1, stdout: "", stderr: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
  }
  // The job sees the runner's variables, not the test process's GitHub or Actions ones.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(GITHUB_|ACTIONS_|INPUT_|RUNNER_)/.test(k)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(job.command, job.args ?? [], {
      cwd: job.cwd ?? cwd,
      env: { ...inherited, ...context.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const [out, err]: [Buffer[], Buffer[]] = [[], []];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), job.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        exitCode: code ?? 1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}
