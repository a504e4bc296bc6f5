import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMOTION_MARKER } from "../../app/handle-promotion-label.js";
import { parseRegistry } from "../../src/registry/registry-document.js";
import {
  appComments,
  carsArtifact,
  carsRun,
  concurrentReceiver,
  REPO,
  redeliver,
  SECRET,
  startScenario,
  type Scenario,
} from "./scenario.js";

let s: Scenario;
beforeAll(async () => {
  s = await startScenario();
  s.sim.state.addCollaborator(REPO, "wendy", "write");
  s.sim.state.addCollaborator(REPO, "trevor", "triage");
});
afterAll(async () => {
  s.sim.assertNoViolations();
  await s?.close();
});

const registry = () => parseRegistry(s.sim.state.readFile(REPO, "main", ".modelgate/registry.json")!);
const promoteChecks = (sha: string) =>
  s.sim.state.checkRuns(REPO, sha).filter((c) => c.name === "modelgate/promote");
const promotionComment = (pull: number) =>
  appComments(s, pull).find((c) => c.body.startsWith(PROMOTION_MARKER));

/**
 * A PR whose run uploaded the cars report, naming as champion the production version on main
 * when the run happened (as the Action would after merging main), so its gate passes.
 */
async function passingPull(branch: string): Promise<number> {
  const pull = s.openPull(branch);
  await s.runWorkflow(pull, async (run) => ({
    "modelgate-report-mpg": await carsArtifact(run.headSha, (r) => {
      const mpg = registry().models.mpg!;
      const production = mpg.versions[mpg.aliases.production! - 1]!;
      Object.assign(r.models[0]!.champion!, {
        version: production.version,
        modelSha256: production.modelSha256,
      });
    }),
  }));
  return pull;
}

async function label(pull: number, name: string, by: string): Promise<void> {
  s.sim.state.addLabels(REPO, pull, [name], by);
  await s.sim.webhooks.settle();
}

describe("promotion by label", () => {
  it("removes a label from someone who cannot write, and says why", async () => {
    const pull = await passingPull("triaged");
    await label(pull, "promote:production", "trevor");
    expect(s.sim.state.labels(REPO, pull)).toEqual([]);
    const [check] = promoteChecks(s.headSha(pull));
    expect([check?.conclusion, check?.output.title]).toEqual(["failure", "not allowed to promote"]);
    const body = promotionComment(pull)!.body;
    expect(body).toContain("### ⛔ Promotion refused: not allowed to promote");
    expect(body).toContain(
      "`trevor` has the `triage` role on this repository; promoting needs `write` or higher",
    );
    expect(body).toContain("The label `promote:production` was removed.");
  });

  it("refuses when the gate failed, and approves a writer's label on a passing report", async () => {
    const failing = s.openPull("failing");
    await s.runWorkflow(failing, async (run) => ({
      "modelgate-report-mpg": await carsArtifact(run.headSha, (r) => {
        const m = r.models[0]!;
        m.passed = m.gate.passed = r.passed = false;
        m.gate.checks[0]!.status = "fail";
      }),
    }));
    await label(failing, "promote:production", "wendy");
    expect(promoteChecks(s.headSha(failing)).map((c) => [c.conclusion, c.output.title])).toEqual([
      ["failure", "the gate did not pass"],
    ]);
    expect(s.sim.state.labels(REPO, failing)).toEqual([]);

    const pull = await passingPull("approved");
    await label(pull, "promote:staging", "wendy");
    expect(s.sim.state.labels(REPO, pull)).toEqual(["promote:staging"]);
    const [check] = promoteChecks(s.headSha(pull));
    expect([check?.conclusion, check?.output.title]).toEqual(["success", "approved: staging"]);
    expect(promotionComment(pull)!.body).toContain("### ✅ Promotion to `staging` approved");
  });

  it("resets the promote check when the label is removed or new commits arrive", async () => {
    const pull = await passingPull("reset");
    await label(pull, "promote:production", "wendy");
    expect(promoteChecks(s.headSha(pull)).map((c) => c.conclusion)).toEqual(["success"]);

    s.sim.state.pushCommit(REPO, { branch: "reset", files: { "notes/later.md": "later\n" } });
    await s.sim.webhooks.settle();
    expect(s.sim.state.labels(REPO, pull)).toEqual([]);
    expect(promoteChecks(s.headSha(pull)).map((c) => [c.conclusion, c.output.title])).toEqual([
      ["neutral", "no promotion requested"],
    ]);
    expect(promotionComment(pull)!.body).toContain("### 🔁 Promotion reset by new commits");

    await s.runWorkflow(pull, async (run) => ({ "modelgate-report-mpg": await carsArtifact(run.headSha) }));
    await label(pull, "promote:production", "wendy");
    expect(promoteChecks(s.headSha(pull)).map((c) => c.conclusion)).toEqual(["success"]);
    // Someone removes the label: the approval is gone, merging will not promote.
    const issue = s.sim.state.issue(REPO, pull);
    await fetch(`${s.sim.url}/repos/${REPO}/issues/${pull}/labels/promote%3Aproduction`, {
      method: "DELETE",
      headers: { authorization: `token ${s.sim.state.userToken("wendy")}` },
    });
    await s.sim.webhooks.settle();
    expect(issue.labels).toEqual([]);
    expect(promoteChecks(s.headSha(pull)).map((c) => [c.conclusion, c.output.summary])).toEqual([
      [
        "neutral",
        "The label `promote:production` was removed. Merging this pull request will not promote a model.",
      ],
    ]);
  });
});

describe("merging a promotion", () => {
  it("makes one registry commit, one deployment and one success status from three deliveries", async () => {
    const pull = await passingPull("ship-it");
    const headSha = s.headSha(pull);
    await label(pull, "promote:production", "wendy");
    s.sim.webhooks.configure({
      url: s.webhookUrl,
      secret: SECRET,
      faults: { duplicate: [{ event: "pull_request", action: "closed" }] },
    });
    const mergeSha = s.sim.state.mergePullRequest(REPO, pull, { by: "wendy" });
    await s.sim.webhooks.settle();
    expect(await redeliver(s, { event: "pull_request", action: "closed" })).toBe(200);
    s.sim.webhooks.configure({ url: s.webhookUrl, secret: SECRET });
    const closed = s.sim.webhooks.deliveries.filter((d) => d.action === "closed");
    expect(closed.map((d) => d.status)).toEqual([200, 200]);

    // Exactly one commit on top of the merge: the registry's.
    const tip = s.sim.state.commit(REPO, "main")!;
    expect(tip.parents).toEqual([mergeSha]);
    expect(tip.message).toMatch(/^modelgate: promote mpg to production \(#\d+\)/);
    expect(tip.author.name).toBe("modelgate[bot]");
    const doc = registry();
    const mpg = doc.models.mpg!;
    expect(mpg.aliases).toEqual({ production: 2 });
    expect(mpg.versions[1]).toMatchObject({ version: 2, headSha, pr: pull, mergeCommit: mergeSha });
    expect(mpg.events.slice(-2).map((e) => [e.action, e.actor])).toEqual([
      ["register", "wendy"],
      ["move", "wendy"],
    ]);
    expect(s.sim.state.readFile(REPO, "main", ".modelgate/models/mpg/v2.json")).toBe(
      (await carsRun()).modelText,
    );
    expect(
      s.sim.exchanges.filter((x) => x.operationId === "git/update-ref" && x.status === 200),
    ).toHaveLength(1);

    const deployments = s.sim.state.deployments(REPO);
    expect(deployments.map((d) => [d.environment, d.sha, d.statuses.map((st) => st.state)])).toEqual([
      ["production", mergeSha, ["success"]],
    ]);
    expect(deployments[0]!.payload).toMatchObject({
      tool: "modelgate",
      models: [{ model: "mpg", version: 2 }],
    });
    const body = promotionComment(pull)!.body;
    expect(body).toContain("- `mpg` is now **v2** under `production`.");
    expect(body).toContain(`Registry commit: \`${tip.sha.slice(0, 7)}\``);
  });

  it("lands two promotions merged at the same moment, retrying when the branch moved", async () => {
    const first = await passingPull("race-a");
    const second = await passingPull("race-b");
    await label(first, "promote:staging", "wendy");
    await label(second, "promote:production", "wendy");
    const versionsBefore = registry().models.mpg!.versions.length;

    // Deliveries handled concurrently, and the first ref update held back until both have read.
    const receiver = await concurrentReceiver(s.webhookUrl);
    s.sim.webhooks.configure({ url: receiver.url, secret: SECRET });
    let held = false;
    s.sim.setFaults((req) => {
      if (req.operationId !== "git/update-ref" || held) return undefined;
      held = true;
      return { delayMs: 400 };
    });
    const before = s.sim.exchanges.length;
    s.sim.state.mergePullRequest(REPO, first, { by: "wendy" });
    s.sim.state.mergePullRequest(REPO, second, { by: "wendy" });
    await s.sim.webhooks.settle();
    await receiver.settle();
    s.sim.setFaults(undefined);
    s.sim.webhooks.configure({ url: s.webhookUrl, secret: SECRET });
    await receiver.close();
    // Two `closed` deliveries, and the `issue_comment` ones of the app's own comments.
    expect(receiver.statuses.length).toBeGreaterThanOrEqual(2);
    expect(receiver.statuses.every((status) => status === 200)).toBe(true);

    const updates = s.sim.exchanges.slice(before).filter((x) => x.operationId === "git/update-ref");
    expect(updates.map((x) => x.status).sort()).toEqual([200, 200, 422]);
    const mpg = registry().models.mpg!;
    expect(mpg.versions).toHaveLength(versionsBefore + 2);
    expect(mpg.aliases.staging).toBe(mpg.versions.find((v) => v.pr === first)!.version);
    expect(mpg.aliases.production).toBe(mpg.versions.find((v) => v.pr === second)!.version);
    expect(
      s.sim.state
        .deployments(REPO)
        .slice(-2)
        .map((d) => d.environment)
        .sort(),
    ).toEqual(["production", "staging"]);
  });

  it("explains what to allow when the default branch refuses the app's commit", async () => {
    const pull = await passingPull("protected");
    await label(pull, "promote:production", "wendy");
    const tipBefore = s.sim.state.refSha(REPO, "main");
    s.sim.setFaults((req) =>
      req.operationId === "git/update-ref"
        ? {
            status: 422,
            body: {
              message: "Protected branch update failed for refs/heads/main.",
              documentation_url: "https://docs.github.com/rest/git/refs#update-a-reference",
              status: "422",
            },
          }
        : undefined,
    );
    const mergeSha = s.sim.state.mergePullRequest(REPO, pull, { by: "wendy" });
    await s.sim.webhooks.settle();
    s.sim.setFaults(undefined);
    expect(tipBefore).not.toBe(mergeSha);
    expect(s.sim.state.refSha(REPO, "main")).toBe(mergeSha);
    const body = promotionComment(pull)!.body;
    expect(body).toContain("### ⛔ Promotion could not be committed");
    expect(body).toContain("GitHub answered 422: Protected branch update failed for refs/heads/main.");
    expect(body).toContain("add the modelgate app to the actors allowed to bypass it");
    expect(s.sim.state.deployments(REPO).filter((d) => d.sha === mergeSha)).toEqual([]);
  });

  it("does not promote a merged PR whose label was never approved", async () => {
    const pull = await passingPull("unapproved");
    // The label arrives while the app is not listening: no promote check approves it.
    s.sim.webhooks.configure(undefined);
    s.sim.state.addLabels(REPO, pull, ["promote:production"], "wendy");
    s.sim.webhooks.configure({ url: s.webhookUrl, secret: SECRET });
    const tip = s.sim.state.refSha(REPO, "main");
    const mergeSha = s.sim.state.mergePullRequest(REPO, pull, { by: "wendy" });
    await s.sim.webhooks.settle();
    expect(tip).not.toBe(mergeSha);
    expect(s.sim.state.refSha(REPO, "main")).toBe(mergeSha);
    expect(promotionComment(pull)!.body).toContain("### ⚠️ Merged without promotion");
  });
  it("with app.server set, leaves the deployment queued for the model server", async () => {
    const config = s.sim.state.readFile(REPO, "main", "modelgate.yml")!;
    s.sim.state.pushCommit(REPO, {
      branch: "main",
      files: { "modelgate.yml": `${config.trimEnd()}\n  server: { url: "https://serve.example.com" }\n` },
    });
    const pull = await passingPull("served");
    await label(pull, "promote:staging", "wendy");
    const mergeSha = s.sim.state.mergePullRequest(REPO, pull, { by: "wendy" });
    await s.sim.webhooks.settle();
    const deployment = s.sim.state.deployments(REPO).find((d) => d.sha === mergeSha)!;
    expect(deployment.statuses.map((st) => [st.state, st.description, st.environmentUrl])).toEqual([
      [
        "queued",
        `modelgate: mpg v${registry().models.mpg!.aliases.staging} to staging; waiting for modelgate serve`,
        "https://serve.example.com",
      ],
    ]);
    s.sim.state.pushCommit(REPO, { branch: "main", files: { "modelgate.yml": config } });
  });
});
