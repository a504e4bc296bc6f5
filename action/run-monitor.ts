/**
 * The Action's `mode: monitor`, for a scheduled workflow on the default branch:
 *
 * 1. Monitor each model's production version (the registry in the checked-out default branch)
 *    against its new data file.
 * 2. Write report.json, report.md and report.html per model; upload each as
 *    `modelgate-monitor-<model>`.
 * 3. Write the job summary and the outputs (verdict, passed, report-json, models, summary, issues).
 * 4. On an alert, open or update one issue per model through the REST API with the
 *    `github-token` (which needs `issues: write`); a closed issue is reopened only by a new
 *    alert (see src/monitor/plan-drift-issue.ts).
 * 5. Return the failure message, if any, for the caller's single `core.setFailed`.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as core from "@actions/core";
import { canonicalJson } from "../src/canonical-json.js";
import type { Problem } from "../src/errors.js";
import { monitorProject } from "../src/monitor/monitor-project.js";
import type { MonitorReport } from "../src/monitor/monitor-report-schema.js";
import {
  DRIFT_ISSUE_LABEL,
  planDriftIssue,
  type ExistingIssue,
  type IssuePlan,
} from "../src/monitor/plan-drift-issue.js";
import { renderMonitorHtml } from "../src/monitor/render-monitor-html.js";
import { renderMonitorMarkdown, renderMonitorSummaryLine } from "../src/monitor/render-monitor-markdown.js";
import { registryDirOf, workingTreeSource } from "../src/model/load-model.js";
import type { LoadedProject } from "../src/project/load-project.js";
import { ActionInputError } from "./inputs.js";
import { uploadModelArtifact } from "./upload.js";

/** The inputs monitor mode reads (parsed by the caller from `action.yml`'s inputs). */
export interface MonitorInputs {
  /**
   * The new data: one path for every model, or `model=path` entries separated by commas or
   * line breaks. Paths are relative to the working directory.
   */
  data: string;
  /** Models to monitor; empty means every model of the project. */
  models: string[];
  /** The alias whose version is monitored. Default production. */
  alias?: string;
  workingDirectory: string;
  uploadArtifact: boolean;
  /** Fail the job on an alert (the issue is opened either way). */
  failOnAlert: boolean;
  githubToken: string;
}

/** The three issue calls monitor mode makes; an Octokit, the tiny fetch client below, or a fake. */
export interface IssuesClient {
  /** One page of the repository's issues with `labels`, open and closed. */
  listIssues(params: { labels: string; page: number; perPage: number }): Promise<ExistingIssue[]>;
  createIssue(params: {
    title: string;
    body: string;
    labels: string[];
  }): Promise<{ number: number; html_url: string }>;
  updateIssue(
    number: number,
    params: { title: string; body: string; state?: "open" },
  ): Promise<{ number: number; html_url: string }>;
}

export interface RunMonitorArgs {
  project: LoadedProject;
  inputs: MonitorInputs;
  env: NodeJS.ProcessEnv;
  /** The issues client; by default a fetch client on GITHUB_API_URL with the github-token. */
  octokitLike?: IssuesClient;
  upload?: typeof uploadModelArtifact;
  now?: () => Date;
}

export interface MonitorOutcome {
  report: MonitorReport;
  /** What happened to each alerting model's issue. */
  issues: {
    model: string;
    action: IssuePlan["action"] | "failed";
    number?: number;
    url?: string;
    reason: string;
  }[];
  /** The message for `core.setFailed`, or null. */
  failure: string | null;
}

/** Runs monitor mode. Throws only on internal errors; user errors come back as `failure`. */
export async function runMonitor(args: RunMonitorArgs): Promise<MonitorOutcome> {
  const { project, inputs, env } = args;
  const workspace = path.resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const cwd = path.resolve(workspace, inputs.workingDirectory || ".");
  const wanted = inputs.models.length ? inputs.models : project.models.map((m) => m.name);
  const dataFiles = parseDataInput(inputs.data, wanted, cwd);

  const result = await monitorProject(project, {
    dataFiles,
    source: workingTreeSource(project.root),
    registryDir: registryDirOf(project.root, project.registryDir),
    ...(inputs.alias ? { alias: inputs.alias } : {}),
    displayBase: workspace,
    head: { sha: env.GITHUB_SHA ?? null, ref: env.GITHUB_REF ?? null },
  });
  const report = result.report;

  const outDir = path.join(env.RUNNER_TEMP ?? path.join(workspace, ".modelgate-out"), "modelgate-monitor");
  mkdirSync(outDir, { recursive: true });
  const reportFile = path.join(outDir, "report.json");
  writeFileSync(reportFile, canonicalJson(report));
  const upload = args.upload ?? uploadModelArtifact;
  for (const m of report.models) {
    const single: MonitorReport = {
      ...report,
      verdict: m.verdict,
      passed: m.verdict !== "alert",
      models: [m],
    };
    const dir = path.join(outDir, m.name);
    mkdirSync(dir, { recursive: true });
    const files = {
      "report.json": canonicalJson(single),
      "report.md": renderMonitorMarkdown(single),
      "report.html": renderMonitorHtml(single),
    };
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
    if (inputs.uploadArtifact) await upload(`modelgate-monitor-${m.name}`, dir, Object.keys(files), env);
  }

  const issues = await handleIssues(report, args);
  const notes = issues.map((i) =>
    i.number !== undefined ? `Issue #${i.number} for ${i.model}: ${i.reason}.` : `${i.model}: ${i.reason}.`,
  );
  // Appended to the file the runner names, as core.summary does; read from `env` rather than
  // through core.summary, which remembers the first file it was given for the process.
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  const summary = [renderMonitorMarkdown(report), ...notes.map((n) => `> [!NOTE]\n> ${n}`)].join("\n\n");
  if (summaryFile) appendFileSync(summaryFile, `${summary}\n`);
  const line = renderMonitorSummaryLine(report);
  core.setOutput("verdict", report.verdict);
  core.setOutput("passed", String(report.passed));
  core.setOutput("report-json", reportFile);
  core.setOutput("models", JSON.stringify(report.models.map((m) => m.name)));
  core.setOutput("summary", line);
  // The issues this run opened, updated or reopened.
  const touched = issues.filter((i) => i.action === "create" || i.action === "update").map((i) => i.number);
  core.setOutput("issues", JSON.stringify(touched));

  let failure: string | null = null;
  if (result.invalid.length > 0)
    failure = annotate(
      result.invalid.flatMap((i) => i.problems),
      `could not monitor ${result.invalid.map((i) => i.model).join(", ")}`,
    );
  else if (report.verdict === "alert" && inputs.failOnAlert) failure = `drift alert: ${line}`;
  else core.info(line);
  return { report, issues, failure };
}

/**
 * `data` as data files by model: a single path applies to every model; otherwise
 * `model=path` entries (commas or line breaks between them), and only models named there.
 */
export function parseDataInput(data: string, models: readonly string[], cwd: string): Record<string, string> {
  const entries = data
    .split(/[\n,]/)
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0)
    throw new ActionInputError("data must name the new data file (or model=path entries)");
  const out: Record<string, string> = {};
  if (entries.length === 1 && !/^[a-z0-9][a-z0-9._-]{0,63}=/.test(entries[0]!)) {
    for (const m of models) out[m] = path.resolve(cwd, entries[0]!);
    return out;
  }
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new ActionInputError(`data: expected model=path, got "${entry}"`);
    const model = entry.slice(0, eq).trim();
    if (!models.includes(model))
      throw new ActionInputError(`data: "${model}" is not a model being monitored (${models.join(", ")})`);
    out[model] = path.resolve(cwd, entry.slice(eq + 1).trim());
  }
  return out;
}

async function handleIssues(report: MonitorReport, args: RunMonitorArgs): Promise<MonitorOutcome["issues"]> {
  const alerting = report.models.filter((m) => m.verdict === "alert");
  if (alerting.length === 0) return [];
  const client = args.octokitLike ?? defaultClient(args);
  if (!client) {
    core.warning("Drift alert, but no github-token (or GITHUB_REPOSITORY): no issue was opened.");
    return alerting.map((m) => ({
      model: m.name,
      action: "failed",
      reason: "no github-token to open an issue",
    }));
  }
  const out: MonitorOutcome["issues"] = [];
  let existing: ExistingIssue[];
  try {
    existing = await listAll(client);
  } catch (error) {
    const reason = `could not list issues: ${(error as Error).message}`;
    core.warning(`${reason}. The workflow needs \`permissions: issues: write\` for monitor mode.`);
    return alerting.map((m) => ({ model: m.name, action: "failed", reason }));
  }
  const runUrl =
    args.env.GITHUB_SERVER_URL && args.env.GITHUB_REPOSITORY && args.env.GITHUB_RUN_ID
      ? `${args.env.GITHUB_SERVER_URL}/${args.env.GITHUB_REPOSITORY}/actions/runs/${args.env.GITHUB_RUN_ID}`
      : undefined;
  const checkedAt = (args.now?.() ?? new Date()).toISOString();
  for (const m of alerting) {
    const plan = planDriftIssue(m, existing, { checkedAt, ...(runUrl ? { runUrl } : {}) });
    try {
      if (plan.action === "create") {
        const created = await client.createIssue({ title: plan.title, body: plan.body, labels: plan.labels });
        out.push({
          model: m.name,
          action: "create",
          number: created.number,
          url: created.html_url,
          reason: "opened",
        });
      } else if (plan.action === "update") {
        const updated = await client.updateIssue(plan.number, {
          title: plan.title,
          body: plan.body,
          ...(plan.reopen ? { state: "open" as const } : {}),
        });
        out.push({
          model: m.name,
          action: "update",
          number: updated.number,
          url: updated.html_url,
          reason: plan.reopen ? "reopened by a new alert" : "updated",
        });
      } else
        out.push({
          model: m.name,
          action: "none",
          ...(plan.number ? { number: plan.number } : {}),
          reason: plan.reason,
        });
    } catch (error) {
      const reason = `could not ${plan.action} the issue: ${(error as Error).message}`;
      core.warning(
        `${m.name}: ${reason}. The workflow needs \`permissions: issues: write\` for monitor mode.`,
      );
      out.push({ model: m.name, action: "failed", reason });
    }
  }
  return out;
}

async function listAll(client: IssuesClient): Promise<ExistingIssue[]> {
  const all: ExistingIssue[] = [];
  for (let page = 1; page <= 50; page++) {
    const batch = await client.listIssues({ labels: DRIFT_ISSUE_LABEL, page, perPage: 100 });
    all.push(...batch);
    if (batch.length < 100) break;
  }
  return all;
}

function defaultClient(args: RunMonitorArgs): IssuesClient | undefined {
  const repository = args.env.GITHUB_REPOSITORY;
  if (!args.inputs.githubToken || !repository) return undefined;
  return restIssuesClient({
    apiUrl: args.env.GITHUB_API_URL ?? "https://api.github.com",
    repository,
    token: args.inputs.githubToken,
  });
}

/** The issues client over plain fetch, with a retry on 5xx answers. */
export function restIssuesClient(options: {
  apiUrl: string;
  repository: string;
  token: string;
}): IssuesClient {
  const [owner, repo] = options.repository.split("/");
  const base = `${options.apiUrl.replace(/\/$/, "")}/repos/${encodeURIComponent(owner ?? "")}/${encodeURIComponent(repo ?? "")}`;
  const headers = {
    authorization: `Bearer ${options.token}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
    "user-agent": "modelgate-action",
  };
  const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(url, {
        method,
        headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.status >= 500 && attempt < 2) {
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
        continue;
      }
      if (!response.ok) {
        const text = await response.text();
        let message = text.slice(0, 200);
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? message;
        } catch {
          // Not JSON: keep the text.
        }
        throw new Error(`GitHub answered ${response.status}: ${message}`);
      }
      return (await response.json()) as T;
    }
  };
  return {
    listIssues: ({ labels, page, perPage }) =>
      call(
        "GET",
        `${base}/issues?state=all&labels=${encodeURIComponent(labels)}&per_page=${perPage}&page=${page}`,
      ),
    createIssue: (params) => call("POST", `${base}/issues`, params),
    updateIssue: (number, params) => call("PATCH", `${base}/issues/${number}`, params),
  };
}

/** One annotation per problem, on its file and line; returns the failure message. */
function annotate(problems: Problem[], headline: string): string {
  for (const p of problems.slice(0, 50)) {
    core.error(`${p.message}${p.hint ? ` (hint: ${p.hint})` : ""}`, {
      title: "modelgate monitor",
      file: p.file,
      ...(p.line !== undefined ? { startLine: p.line } : {}),
      ...(p.column !== undefined ? { startColumn: p.column } : {}),
    });
  }
  return `${headline}: ${problems.length} problem${problems.length === 1 ? "" : "s"} (see the annotations)`;
}
