/**
 * Monitor mode of the Action against the GitHub simulator: scheduled runs on drifted data keep
 * exactly one issue, updated; a closed issue stays closed for the same alert and reopens for a
 * new one; summary, outputs and artifact; a token without `issues: write` is a warning.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { strFromU8, unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { monitorReportSchema } from "../../src/report/monitor-report-schema.js";
import { DRIFT_ISSUE_LABEL } from "../../src/monitor/plan-drift-issue.js";
import { startGitHubSim, type GitHubSim } from "../github-sim/index.js";
import { carsFiles } from "../helpers/cars-repo.js";
import { bundled, removeJobFolders, scheduledJob, type JobRunner } from "./monitor-job.js";

const exampleDir = path.resolve(import.meta.dirname, "../../examples/cars");
/** The committed Action bundle, as a scheduled runner runs it: the assertions read only what a runner sees. */
const runJob: JobRunner = bundled;

let sim: GitHubSim;
beforeAll(async () => {
  sim = await startGitHubSim();
});
afterAll(async () => {
  removeJobFolders();
  sim.assertNoViolations();
  await sim.close();
});

type Car = Record<string, string | number | null>;
const cars = JSON.parse(readFileSync(path.join(exampleDir, "data/cars.json"), "utf8")) as Car[];
const heavier = JSON.stringify(
  cars.map((c) => ({ ...c, Weight_in_lbs: Math.round(Number(c["Weight_in_lbs"]) * 1.3) })),
);
const heavierWithoutHorsepower = JSON.stringify(
  cars.map((c) => {
    const { Horsepower: _dropped, ...rest } = c;
    return { ...rest, Weight_in_lbs: Math.round(Number(c["Weight_in_lbs"]) * 1.3) };
  }),
);

let repoCount = 0;
function newRepo(): string {
  const name = `monitored-${++repoCount}`;
  sim.state.createRepo({ owner: "acme", name, files: carsFiles() });
  return `acme/${name}`;
}

const job = (repo: string, data: string, permissions?: Parameters<typeof scheduledJob>[2]["permissions"]) =>
  scheduledJob(sim, repo, {
    exampleDir,
    extraFiles: { "incoming/new.json": data },
    inputs: { data: "incoming/new.json" },
    ...(permissions ? { permissions } : {}),
  });

const driftIssues = (repo: string) =>
  sim.state.issues(repo).filter((i) => i.labels.includes(DRIFT_ISSUE_LABEL) && !i.pull);

describe("monitor mode on a schedule", () => {
  it("two runs on drifted data: exactly one open issue, updated by the second", async () => {
    const repo = newRepo();
    const first = await runJob(job(repo, heavier));
    expect(first.failure).toMatch(/^drift alert: mpg v1: alert/);
    expect(first.outputs).toMatchObject({ verdict: "alert", passed: "false", models: '["mpg"]' });
    const issues = driftIssues(repo);
    expect(issues).toHaveLength(1);
    const issue = issues[0]!;
    expect(issue.state).toBe("open");
    expect(issue.title).toBe("Drift alert: mpg production v1");
    expect(issue.body).toContain("<!-- modelgate-monitor model=mpg fingerprint=");
    expect(issue.body).toContain("Weight\\_in\\_lbs");
    expect(first.outputs["issues"]).toBe(`[${issue.number}]`);
    const firstBody = issue.body;

    const secondJob = job(repo, heavier);
    const second = await runJob(secondJob);
    expect(second.failure).toMatch(/^drift alert/);
    const after = driftIssues(repo);
    expect(after).toHaveLength(1);
    expect(after[0]!.number).toBe(issue.number);
    expect(after[0]!.state).toBe("open");
    // Updated: the body now links the second run.
    expect(after[0]!.body).not.toBe(firstBody);
    expect(after[0]!.body).toContain(`/actions/runs/${secondJob.runId})`);
    expect(second.outputs["issues"]).toBe(`[${issue.number}]`);
    expect(sim.state.issues(repo).filter((i) => !i.pull)).toHaveLength(1);
  });

  it("writes the summary, the report as an artifact, and leaves issues alone without an alert", async () => {
    const repo = newRepo();
    const j = job(repo, JSON.stringify(cars));
    const result = await runJob(j);
    expect(result.failure).toBeNull();
    expect(result.outputs).toMatchObject({ verdict: "ok", passed: "true", issues: "[]" });
    expect(result.outputs["summary"]).toBe("mpg v1: ok");
    expect(result.summary).toContain("## 🟢 ok: modelgate monitor");
    expect(driftIssues(repo)).toHaveLength(0);
    const run = sim.state.workflowRuns(repo).find((r) => r.id === j.runId)!;
    const artifact = run.artifacts.find((a) => a.name === "modelgate-monitor-mpg")!;
    const files = Object.fromEntries(
      Object.entries(unzipSync(new Uint8Array(artifact.content))).map(([k, v]) => [k, strFromU8(v)]),
    );
    expect(Object.keys(files).sort()).toEqual(["report.html", "report.json", "report.md"]);
    expect(files["report.html"]).toMatch(/^<!doctype html>/);
    const report = monitorReportSchema.parse(JSON.parse(files["report.json"]!));
    expect(report.models[0]!.verdict).toBe("ok");
  });

  it("a closed issue stays closed for the same alert and reopens for a new one", async () => {
    const repo = newRepo();
    await runJob(job(repo, heavier));
    const [issue] = driftIssues(repo);
    const owner = sim.state.userToken("acme");
    const closed = await fetch(`${sim.url}/repos/${repo}/issues/${issue!.number}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${owner}`, "content-type": "application/json" },
      body: JSON.stringify({ state: "closed", state_reason: "completed" }),
    });
    expect(closed.status).toBe(200);
    const bodyWhenClosed = driftIssues(repo)[0]!.body;

    const same = await runJob(job(repo, heavier));
    expect(same.outputs["issues"]).toBe("[]");
    expect(same.summary).toContain(
      `Issue #${issue!.number} for mpg: issue #${issue!.number} was closed with this same alert`,
    );
    expect(driftIssues(repo)[0]).toMatchObject({ state: "closed", body: bodyWhenClosed });

    // A feature goes missing as well: a new alert.
    const changed = await runJob(job(repo, heavierWithoutHorsepower));
    expect(changed.outputs["issues"]).toBe(`[${issue!.number}]`);
    expect(changed.summary).toContain(`Issue #${issue!.number} for mpg: reopened by a new alert.`);
    const issues = driftIssues(repo);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ number: issue!.number, state: "open" });
    expect(issues[0]!.body).toContain("Horsepower");
  });

  it("a token without issues: write is a warning with the fix, not a crash", async () => {
    const repo = newRepo();
    const result = await runJob(job(repo, heavier, { contents: "read", issues: "read" }));
    expect(result.failure).toMatch(/^drift alert/);
    expect(result.outputs["issues"]).toBe("[]");
    expect(result.summary).toMatch(
      /mpg: could not create the issue: GitHub refused opening the drift issue \(403: .*\): the job's token needs `permissions: issues: write`/,
    );
    expect(driftIssues(repo)).toHaveLength(0);
  });

  it("invalid new data fails the job with the problem, and opens no issue", async () => {
    const repo = newRepo();
    const bad = JSON.stringify(cars.map((c, i) => (i === 5 ? { ...c, Cylinders: "eight" } : c)));
    const result = await runJob(job(repo, bad));
    expect(result.failure).toMatch(/^could not monitor mpg: 1 problem/);
    expect(driftIssues(repo)).toHaveLength(0);
  });
});
