/**
 * Reconciliation without anyone asking: a server started with `reconcile` runs the pass over every
 * installation at start-up and on its schedule, so a `workflow_run` delivery that no replica
 * finished (here: never delivered at all, as when the replica that accepted it died) still gets
 * its comment and check.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_MARKER } from "../../app/plan-comment.js";
import { readVersionLine } from "../../app/report-version.js";
import { scheduleReconcile } from "../../app/reconcile-schedule.js";
import type { InstallationsPassOutcome } from "../../app/reconcile-installations.js";
import { startServer, type RunningServer } from "../../app/server.js";
import type { ReconcileSchedule } from "../../app/reconcile-schedule.js";
import { startReplicas, type Replicas } from "./replicas.js";
import { carsArtifact, REPO, SECRET, simAppOctokit, WORKFLOW } from "./scenario.js";

let r: Replicas;
const started: RunningServer[] = [];
beforeAll(async () => {
  // One replica that never gets a delivery: every run below is a delivery lost.
  r = await startReplicas(1);
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
  r?.sim.assertNoViolations();
  await r?.close();
});

async function startReconciling(reconcile: ReconcileSchedule): Promise<RunningServer> {
  const server = await startServer(
    {
      appId: String(r.app.id),
      privateKey: r.app.privateKey,
      secret: SECRET,
      port: 0,
      host: "127.0.0.1",
      webhookPath: "/api/github/webhooks",
      baseUrl: r.sim.url,
      logLevel: "fatal",
      development: false,
      reconcile,
    },
    { Octokit: simAppOctokit(r.sim), listingWait: { firstDelayMs: 10 } },
  );
  started.push(server);
  return server;
}

/** A PR with a completed run whose delivery is dropped. */
async function pullWithLostRun(branch: string): Promise<{ pull: number; head: string; runId: number }> {
  r.sim.state.pushCommit(REPO, { branch, files: { [`notes/${branch}.md`]: `${branch}\n` } });
  const pull = r.sim.state.openPullRequest(REPO, { head: branch }).number;
  const head = r.sim.state.issue(REPO, pull).pull!.headSha;
  const run = r.sim.state.createWorkflowRun(REPO, {
    headSha: head,
    headBranch: branch,
    path: WORKFLOW,
    name: "modelgate",
    event: "pull_request",
    pullNumbers: [pull],
    actor: "acme",
  });
  r.sim.state.addArtifact(run, "modelgate-report-mpg", await carsArtifact(head));
  r.sim.state.completeWorkflowRun(REPO, run);
  r.sim.webhooks.takeHeld();
  return { pull, head, runId: run.id };
}

const sticky = (pull: number) =>
  r.sim.state
    .comments(REPO, pull)
    .filter((c) => c.user.login === `${r.app.slug}[bot]` && c.body.startsWith(COMMENT_MARKER));
const gateChecks = (sha: string) => r.sim.state.checkRuns(REPO, sha).filter((c) => c.name === "modelgate");

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1500 && !done(); i++) await new Promise((ok) => setTimeout(ok, 10));
  expect(done(), what).toBe(true);
}

function expectReported(p: { pull: number; head: string; runId: number }): void {
  expect(sticky(p.pull)).toHaveLength(1);
  expect(readVersionLine(sticky(p.pull)[0]!.body)).toEqual({ runId: p.runId, attempt: 1, headSha: p.head });
  expect(gateChecks(p.head).map((c) => [c.conclusion, c.externalId])).toEqual([
    ["success", `run:${p.runId}`],
  ]);
}

describe("reconciliation on its own", () => {
  it("at start-up, finishes a run whose delivery was lost, then changes nothing", async () => {
    const lost = await pullWithLostRun("lost-at-start");
    expect(sticky(lost.pull)).toHaveLength(0);
    const server = await startReconciling({ atStart: true, everyMs: 0 });
    await until(() => (server.reconciler?.passes ?? 0) >= 1, "the start-up pass ran");
    expectReported(lost);
    // A second pass finds everything up to date and writes nothing.
    const writes = () =>
      r.sim.exchanges.filter((x) => x.method !== "GET" && !x.operationId?.startsWith("apps/")).length;
    const before = writes();
    const again = await server.reconciler!.runNow();
    expect(again).toMatchObject({ installations: 1, repositories: 1, reports: 0, failures: [] });
    expect(writes()).toBe(before);
    expectReported(lost);
  });

  it("on its schedule, finishes a run lost after the server started", async () => {
    const server = await startReconciling({ atStart: false, everyMs: 150 });
    expect(server.reconciler?.passes).toBe(0);
    const lost = await pullWithLostRun("lost-later");
    await until(() => sticky(lost.pull).length === 1 && gateChecks(lost.head).length === 1, "a pass ran");
    await until(() => (server.reconciler?.passes ?? 0) >= 2, "passes keep coming");
    expectReported(lost);
  });
});

describe("scheduleReconcile", () => {
  const outcome: InstallationsPassOutcome = {
    installations: 1,
    repositories: 2,
    reports: 0,
    promotions: 0,
    failures: [],
  };
  const quiet = () => {
    const lines: Array<[string, Record<string, unknown>]> = [];
    return {
      lines,
      info: (f: Record<string, unknown>, m: string) => lines.push([m, f]),
      error: (f: Record<string, unknown>, m: string) => lines.push([m, f]),
    };
  };

  it("never runs two passes at once, and a failed pass does not stop the next", async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    const log = quiet();
    const scheduler = scheduleReconcile(
      async () => {
        calls += 1;
        running += 1;
        most = Math.max(most, running);
        await new Promise((ok) => setTimeout(ok, 30));
        running -= 1;
        if (calls === 1) throw new Error("GitHub is down");
        return outcome;
      },
      { atStart: true, everyMs: 5 },
      log,
    );
    const [a, b] = [scheduler.runNow(), scheduler.runNow()];
    expect(a).toBe(b);
    await until(() => scheduler.passes >= 3, "three passes");
    await scheduler.stop();
    const after = scheduler.passes;
    await new Promise((ok) => setTimeout(ok, 40));
    expect(scheduler.passes).toBe(after);
    expect(most).toBe(1);
    expect(log.lines.map(([m]) => m)).toContain("reconciliation pass failed");
    expect(log.lines.map(([m]) => m)).toContain("reconciliation pass");
  });
});
