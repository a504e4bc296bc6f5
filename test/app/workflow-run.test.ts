import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_MARKER, readHistory } from "../../app/plan-comment.js";
import {
  appComments,
  carsArtifact,
  REPO,
  redeliver,
  SECRET,
  startScenario,
  type Scenario,
} from "./scenario.js";

let s: Scenario;
beforeAll(async () => {
  s = await startScenario();
});
afterAll(async () => {
  s.sim.assertNoViolations();
  await s?.close();
});

describe("workflow_run.completed", () => {
  it("posts one sticky comment and one check after three deliveries, among 150 comments and a look-alike", async () => {
    const pull = s.openPull("better-mpg");
    // A long review thread (its comment webhooks are not the subject here).
    s.sim.webhooks.configure(undefined);
    for (let k = 0; k < 150; k++) s.sim.state.addComment(REPO, pull, `review note ${k}`, "acme");
    s.sim.webhooks.configure({ url: s.webhookUrl, secret: SECRET });
    s.sim.state.addCollaborator(REPO, "mallory", "write");
    const fake = s.sim.state.addComment(
      REPO,
      pull,
      `${COMMENT_MARKER}\nthe gate passed, trust me`,
      "mallory",
    );
    await s.sim.webhooks.settle();

    const run = await s.runWorkflow(pull, async (r) => ({
      "modelgate-report-mpg": await carsArtifact(r.headSha),
    }));
    expect(await redeliver(s, { event: "workflow_run", action: "completed" })).toBe(200);
    expect(await redeliver(s, { event: "workflow_run", action: "completed" })).toBe(200);
    expect(s.sim.webhooks.deliveries.filter((d) => d.action === "completed").map((d) => d.status)).toEqual([
      200,
    ]);

    const own = appComments(s, pull);
    expect(own).toHaveLength(1);
    const body = own[0]!.body;
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain("## ✅ modelgate: the gate passed for 1 model");
    expect(body).toContain("Champion: version 1 (alias `production`)");
    expect(body).not.toContain("REPORT.MD FROM THE RUN");
    // Created once, never edited: the two redeliveries rendered the same body.
    expect(own[0]!.updatedAt).toBe(own[0]!.createdAt);
    const commentEvents = (action: string) =>
      s.sim.state.events.filter(
        (e) => e.name === "issue_comment" && e.action === action && e.sender.login === `${s.app.slug}[bot]`,
      );
    expect(commentEvents("created")).toHaveLength(1);
    expect(commentEvents("edited")).toHaveLength(0);
    // Every page of comments was read to find it (152 comments: two pages of 100).
    expect(
      s.sim.exchanges.filter((x) => x.operationId === "issues/list-comments" && /page=2/.test(x.path)).length,
    ).toBeGreaterThan(0);
    expect(s.sim.state.comments(REPO, pull).find((c) => c.id === fake.id)?.body).toContain("trust me");

    const checks = s.sim.state.checkRuns(REPO, s.headSha(pull));
    expect(checks.map((c) => [c.name, c.status, c.conclusion, c.app?.slug, c.externalId])).toEqual([
      ["modelgate", "completed", "success", "modelgate", `run:${run.id}`],
    ]);
    expect(checks[0]!.output.title).toMatch(/^gate passed · mpg rmse [\d.]+ \(-\d+% vs v1, better\)$/);
    expect(checks[0]!.output.summary).toContain("### ✅ mpg: passed");
    expect(readHistory(body)).toEqual([
      expect.objectContaining({
        sha: s.headSha(pull),
        run: run.id,
        model: "mpg",
        metric: "rmse",
        verdict: "passed",
      }),
    ]);
  });

  it("keeps one check per head commit and a history of the PR's earlier runs", async () => {
    const pull = s.openPull("history");
    const first = await s.runWorkflow(pull, async (r) => ({
      "modelgate-report-mpg": await carsArtifact(r.headSha),
    }));
    const firstSha = s.headSha(pull);
    s.sim.state.pushCommit(REPO, { branch: "history", files: { "notes/more.md": "more\n" } });
    await s.sim.webhooks.settle();
    const secondSha = s.headSha(pull);
    // The second run's gate fails: the challenger's rmse is over the absolute bound of 4.5.
    const second = await s.runWorkflow(pull, async (r) => ({
      "modelgate-report-mpg": await carsArtifact(r.headSha, (report) => {
        const m = report.models[0]!;
        m.challenger.metrics.rmse!.value = 5.25;
        m.passed = false;
        m.gate.passed = false;
        m.gate.checks[0]!.status = "fail";
        report.passed = false;
      }),
    }));

    expect(s.sim.state.checkRuns(REPO, firstSha).map((c) => [c.name, c.conclusion, c.externalId])).toEqual([
      ["modelgate", "success", `run:${first.id}`],
    ]);
    expect(s.sim.state.checkRuns(REPO, secondSha).map((c) => [c.name, c.conclusion, c.externalId])).toEqual([
      ["modelgate", "failure", `run:${second.id}`],
    ]);
    const own = appComments(s, pull);
    expect(own).toHaveLength(1);
    expect(own[0]!.body).toContain("modelgate: the gate failed");
    expect(own[0]!.body).toContain("Earlier runs of this pull request (1)");
    expect(own[0]!.body).toContain(`| \`${firstSha.slice(0, 7)}\` | ${first.id} | \`mpg\` | \`rmse\` `);
    expect(readHistory(own[0]!.body).map((e) => [e.sha, e.run, e.value, e.verdict])).toEqual([
      [firstSha, first.id, expect.any(Number), "passed"],
      [secondSha, second.id, 5.25, "failed"],
    ]);
  });

  it("comments on a fork's PR although the fork's workflow token could not write", async () => {
    s.sim.state.fork(REPO, "outsider");
    const pull = s.openPull("fork-idea", { from: "outsider/models", user: "outsider" });
    let tokenStatus = 0;
    await s.runWorkflow(pull, async () => ({}), {
      job: async ({ run, env, token }) => {
        const res = await fetch(`${env.GITHUB_API_URL}/repos/${REPO}/issues/${pull}/comments`, {
          method: "POST",
          headers: { authorization: `token ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ body: "from the fork's run" }),
        });
        tokenStatus = res.status;
        s.sim.state.addArtifact(run, "modelgate-report-mpg", await carsArtifact(run.headSha));
      },
    });
    expect(tokenStatus).toBe(403);
    // As on GitHub, the run of a fork's PR lists no pull requests.
    const completed = s.sim.webhooks.deliveries.filter((d) => d.action === "completed").at(-1)!;
    expect((completed.payload.workflow_run as { pull_requests: unknown[] }).pull_requests).toEqual([]);
    const own = appComments(s, pull);
    expect(own).toHaveLength(1);
    expect(own[0]!.body).toContain("the gate passed for 1 model");
    expect(s.sim.state.checkRuns(REPO, s.headSha(pull)).map((c) => c.conclusion)).toEqual(["success"]);
  });

  it("answers a failed run without artifacts with a failed check, and a cancelled one with a neutral check", async () => {
    const failed = s.openPull("broken");
    await s.runWorkflow(failed, async () => ({}), { exitCode: 1 });
    const [check] = s.sim.state.checkRuns(REPO, s.headSha(failed));
    expect([check?.conclusion, check?.output.title]).toEqual([
      "failure",
      "no report: the run uploaded no report artifact",
    ]);
    expect(appComments(s, failed)[0]!.body).toContain("ended as `failure` without uploading");

    const cancelled = s.openPull("cancelled");
    const run = s.sim.state.createWorkflowRun(REPO, {
      headSha: s.headSha(cancelled),
      headBranch: "cancelled",
      path: ".github/workflows/modelgate.yml",
      pullNumbers: [cancelled],
      actor: "acme",
    });
    s.sim.state.completeWorkflowRun(REPO, run, "cancelled");
    await s.sim.webhooks.settle();
    const [neutral] = s.sim.state.checkRuns(REPO, s.headSha(cancelled));
    expect([neutral?.conclusion, neutral?.output.title]).toEqual([
      "neutral",
      "workflow run cancelled: no report",
    ]);
  });

  it("ignores runs of other workflows", async () => {
    const pull = s.openPull("other-ci");
    const run = s.sim.state.createWorkflowRun(REPO, {
      headSha: s.headSha(pull),
      headBranch: "other-ci",
      path: ".github/workflows/ci.yml",
      pullNumbers: [pull],
      actor: "acme",
    });
    s.sim.state.addArtifact(run, "modelgate-report-mpg", await carsArtifact(s.headSha(pull)));
    s.sim.state.completeWorkflowRun(REPO, run, "success");
    await s.sim.webhooks.settle();
    expect(s.sim.state.checkRuns(REPO, s.headSha(pull))).toEqual([]);
    expect(appComments(s, pull)).toEqual([]);
  });

  it("fails the check with an explanation when modelgate.yml on the default branch is malformed", async () => {
    const pull = s.openPull("config-broken");
    const good = s.sim.state.readFile(REPO, "main", "modelgate.yml")!;
    s.sim.state.pushCommit(REPO, {
      branch: "main",
      files: { "modelgate.yml": good.replace("promoters: write", "promoters: everyone") },
    });
    await s.runWorkflow(pull, async (r) => ({ "modelgate-report-mpg": await carsArtifact(r.headSha) }));
    const [check] = s.sim.state.checkRuns(REPO, s.headSha(pull));
    expect([check?.conclusion, check?.output.title]).toEqual([
      "failure",
      "modelgate.yml on the default branch is invalid",
    ]);
    const line = good.split("\n").findIndex((l) => l.includes("promoters:")) + 1;
    expect(check?.output.summary?.replace(/\\/g, "")).toContain(
      `- modelgate.yml:${line}:14: "app.promoters" is the string "everyone"; expected one of "write", "maintain", "admin"`,
    );
    expect(appComments(s, pull)[0]!.body).toContain(
      "## ❌ modelgate: the configuration on the default branch is invalid",
    );
  });
});
