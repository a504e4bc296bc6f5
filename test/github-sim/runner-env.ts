import type { SimIssue, SimRepo, SimUser, SimWorkflowRun } from "./model.js";

/** The files a runner gives a job, by role. */
export interface RunnerFiles {
  workspace: string;
  temp: string;
  eventPath: string;
  summary: string;
  output: string;
  env: string;
  path: string;
  state: string;
}

/**
 * The environment a GitHub-hosted runner gives a job of a `pull_request` workflow
 * (docs: "Store information in variables", default environment variables).
 */
export function runnerEnv(args: {
  apiUrl: string;
  serverUrl: string;
  repo: SimRepo;
  pull: SimIssue;
  run: SimWorkflowRun;
  actor: SimUser;
  sha: string;
  job: string;
  files: RunnerFiles;
  runtimeToken: string;
}): Record<string, string> {
  const { repo, pull, run, actor, files } = args;
  const p = pull.pull;
  if (!p) throw new Error(`#${pull.number} is not a pull request`);
  return {
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_ACTION: "__run",
    GITHUB_ACTOR: actor.login,
    GITHUB_ACTOR_ID: String(actor.id),
    GITHUB_TRIGGERING_ACTOR: actor.login,
    GITHUB_API_URL: args.apiUrl,
    GITHUB_GRAPHQL_URL: `${args.apiUrl}/graphql`,
    GITHUB_SERVER_URL: args.serverUrl,
    GITHUB_REPOSITORY: repo.fullName,
    GITHUB_REPOSITORY_ID: String(repo.id),
    GITHUB_REPOSITORY_OWNER: repo.owner.login,
    GITHUB_REPOSITORY_OWNER_ID: String(repo.owner.id),
    GITHUB_EVENT_NAME: run.event,
    GITHUB_EVENT_PATH: files.eventPath,
    GITHUB_SHA: args.sha,
    GITHUB_REF: `refs/pull/${pull.number}/merge`,
    GITHUB_REF_NAME: `${pull.number}/merge`,
    GITHUB_REF_TYPE: "branch",
    GITHUB_REF_PROTECTED: "false",
    GITHUB_HEAD_REF: p.headRef,
    GITHUB_BASE_REF: p.baseRef,
    GITHUB_RUN_ID: String(run.id),
    GITHUB_RUN_NUMBER: String(run.runNumber),
    GITHUB_RUN_ATTEMPT: String(run.runAttempt),
    GITHUB_WORKFLOW: run.name,
    GITHUB_WORKFLOW_REF: `${repo.fullName}/${run.path}@refs/pull/${pull.number}/merge`,
    GITHUB_WORKFLOW_SHA: args.sha,
    GITHUB_JOB: args.job,
    GITHUB_RETENTION_DAYS: "90",
    GITHUB_WORKSPACE: files.workspace,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_STATE: files.state,
    RUNNER_OS: "Linux",
    RUNNER_ARCH: "X64",
    RUNNER_NAME: "github-sim",
    RUNNER_ENVIRONMENT: "github-hosted",
    RUNNER_TEMP: files.temp,
    RUNNER_TOOL_CACHE: files.temp,
    ACTIONS_RUNTIME_TOKEN: args.runtimeToken,
    ACTIONS_RESULTS_URL: `${args.apiUrl}/`,
  };
}

/**
 * Parses a GITHUB_OUTPUT file: `name=value` lines and `name<<DELIMITER` blocks, as `@actions/core`
 * writes them. A later value for a name wins.
 */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc?.[1] && heredoc[2]) {
      const end = lines.indexOf(heredoc[2], i + 1);
      if (end < 0) throw new Error(`GITHUB_OUTPUT: ${heredoc[1]} has no closing ${heredoc[2]}`);
      out[heredoc[1]] = lines.slice(i + 1, end).join("\n");
      i = end;
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/**
 * Applies a runner environment to `process.env` while `fn` runs, then restores it: for calling
 * clients that read `process.env` (`@actions/core`, `@actions/artifact`) inside an in-process job.
 * Not safe with concurrent jobs in one process.
 */
export async function withProcessEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
