/**
 * A replica dies in the middle of handling a delivery it accepted, and GitHub does not redeliver
 * it: the reconciliation pass (here by `/modelgate refresh`, handled by another replica) reaches
 * the same end state as an undisturbed run. The replica "dies" at a chosen request: the simulator
 * never answers it, and the replica's server is closed with its connections, so nothing after
 * that point happens (the webhook sender sees the connection drop).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMOTION_MARKER } from "../../app/handle-promotion-label.js";
import { COMMENT_MARKER } from "../../app/plan-comment.js";
import { readVersionLine } from "../../app/report-version.js";
import { parseRegistry } from "../../src/registry/registry-document.js";
import { createFaults, type FaultRule, type HeldDelivery } from "../github-sim/index.js";
import { startReplicas, type Replicas } from "./replicas.js";
import { carsArtifact, REPO, WORKFLOW } from "./scenario.js";

let r: Replicas;
beforeAll(async () => {
  r = await startReplicas(4);
  r.sim.state.addCollaborator(REPO, "wendy", "write");
});
afterAll(async () => {
  r?.sim.assertNoViolations();
  await r?.close();
});

const registry = () => parseRegistry(r.sim.state.readFile(REPO, "main", ".modelgate/registry.json")!);
const own = (pull: number) =>
  r.sim.state.comments(REPO, pull).filter((c) => c.user.login === `${r.app.slug}[bot]`);
const sticky = (pull: number) => own(pull).filter((c) => c.body.startsWith(COMMENT_MARKER));
const gateChecks = (sha: string) => r.sim.state.checkRuns(REPO, sha).filter((c) => c.name === "modelgate");

/** Sends what the simulator held back (events matching `keep`) to one replica. */
async function deliver(replica: number, keep: (d: HeldDelivery) => boolean = () => true): Promise<void> {
  const held = r.sim.webhooks.takeHeld().filter(keep);
  await r.sim.webhooks.send(held.map((delivery) => ({ delivery, url: r.urls[replica]! })));
}

/** A PR with one completed run whose report passes against the production version on main. */
async function pullWithRun(branch: string): Promise<{ pull: number; head: string; runId: number }> {
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
  const mpg = registry().models.mpg!;
  const production = mpg.versions[mpg.aliases.production! - 1]!;
  r.sim.state.addArtifact(
    run,
    "modelgate-report-mpg",
    await carsArtifact(head, (report) =>
      Object.assign(report.models[0]!.champion!, {
        version: production.version,
        modelSha256: production.modelSha256,
      }),
    ),
  );
  r.sim.state.completeWorkflowRun(REPO, run);
  return { pull, head, runId: run.id };
}

/**
 * Sends the held deliveries matching `keep` to `replica`, which dies at the request the last of
 * `rules` (a latency rule) matches: the simulator never answers it. Resolves once it is dead.
 */
async function dieAt(replica: number, rules: FaultRule[], keep: (d: HeldDelivery) => boolean): Promise<void> {
  const faults = createFaults(rules);
  r.sim.setFaults(faults.hook);
  const held = r.sim.webhooks.takeHeld().filter(keep);
  const sending = r.sim.webhooks.send(held.map((delivery) => ({ delivery, url: r.urls[replica]! })));
  const hung = () => faults.fired.filter((f) => f.kind === "latency").length;
  for (let i = 0; i < 500 && hung() === 0; i++) await new Promise((ok) => setTimeout(ok, 20));
  expect(faults.fired.map((f) => f.kind)).toEqual(rules.map((rule) => rule.kind));
  await r.kill(replica);
  await sending;
  r.sim.setFaults(undefined);
}

/** A request that is never answered. */
const hang = (match: Omit<FaultRule, "kind" | "ms">): FaultRule => ({
  kind: "latency",
  ms: 3_600_000,
  times: 1,
  ...match,
});

/** `/modelgate refresh` on `pull` by wendy, handled by replica 0. */
async function refresh(pull: number): Promise<string> {
  r.sim.webhooks.takeHeld();
  const command = r.sim.state.addComment(REPO, pull, "/modelgate refresh", "wendy");
  await deliver(0, (d) => d.event === "issue_comment");
  const reply = own(pull).find((c) => c.body.startsWith(`<!-- modelgate:command:${command.id} -->`));
  return reply?.body ?? "";
}

const completed = (d: HeldDelivery) => d.event === "workflow_run" && d.action === "completed";

describe("a replica killed mid-handling", () => {
  // The check run and the comment are written in one GraphQL mutation: a handler is left with one
  // and not the other when a field of it fails, and then dies while the other waits for its listing.
  it.each([
    { what: "the check, before the comment", fails: "addComment", checks: 1, comments: 0, replica: 1 },
    { what: "the comment, before the check", fails: "createCheckRun", checks: 0, comments: 1, replica: 2 },
  ])(
    "after $what: refresh brings up what an undisturbed run has",
    async ({ fails, checks, comments, replica }) => {
      const calm = await pullWithRun(`calm-${fails}`);
      await deliver(0, completed);

      const hit = await pullWithRun(`hit-${fails}`);
      const rules: FaultRule[] = [
        { kind: "graphql-field-error", graphqlField: fails, times: 1 },
        // The first query reads what is published; the second is the survivor's listing after its write.
        hang({ operationId: "graphql", graphqlField: "repository", after: 1 }),
      ];
      await dieAt(replica, rules, completed);
      const lost = r.sim.webhooks.deliveries.at(-1)!;
      expect([lost.status, lost.error]).toEqual([undefined, expect.any(String)]);
      expect(gateChecks(hit.head)).toHaveLength(checks);
      expect(sticky(hit.pull)).toHaveLength(comments);

      const reply = await refresh(hit.pull);
      expect(reply).toContain(`- #${hit.pull}: comment and check brought up to run ${hit.runId}.`);
      // The same end state as the undisturbed PR: one comment with its run's report, one check.
      for (const p of [calm, hit]) {
        expect(sticky(p.pull)).toHaveLength(1);
        expect(readVersionLine(sticky(p.pull)[0]!.body)).toEqual({
          runId: p.runId,
          attempt: 1,
          headSha: p.head,
        });
        expect(gateChecks(p.head).map((c) => [c.conclusion, c.externalId])).toEqual([
          ["success", `run:${p.runId}`],
        ]);
      }
      // The bodies differ only in the head commit, the run id and the encoded history naming them.
      const strip = (body: string, p: typeof calm) =>
        body
          .replace(/<!-- modelgate:history [A-Za-z0-9_-]* -->/, "")
          .replaceAll(p.head, "HEAD")
          .replaceAll(p.head.slice(0, 12), "HEAD")
          .replaceAll(p.head.slice(0, 7), "HEAD")
          .replaceAll(String(p.runId), "RUN");
      expect(strip(sticky(hit.pull)[0]!.body, hit)).toBe(strip(sticky(calm.pull)[0]!.body, calm));
      // A second refresh finds nothing to do.
      expect(await refresh(hit.pull)).toContain(
        "every open pull request's comment and check were up to date",
      );
    },
  );

  it("after the registry commit, before the deployment: refresh deploys as an undisturbed merge does", async () => {
    const promoteAndMerge = async (branch: string) => {
      const p = await pullWithRun(branch);
      await deliver(0, completed);
      r.sim.state.addLabels(REPO, p.pull, ["promote:production"], "wendy");
      await deliver(0, (d) => d.event === "pull_request" && d.action === "labeled");
      const mergeSha = r.sim.state.mergePullRequest(REPO, p.pull, { by: "wendy" });
      return { ...p, mergeSha };
    };
    const closed = (d: HeldDelivery) => d.event === "pull_request" && d.action === "closed";
    const calm = await promoteAndMerge("calm-merge");
    await deliver(0, closed);

    const hit = await promoteAndMerge("hit-merge");
    await dieAt(3, [hang({ operationId: "repos/create-deployment" })], closed);
    const versionOf = (head: string) => registry().models.mpg!.versions.find((v) => v.headSha === head);
    expect(versionOf(hit.head)).toBeDefined();
    expect(r.sim.state.deployments(REPO).filter((d) => d.sha === hit.mergeSha)).toEqual([]);

    const reply = await refresh(hit.pull);
    expect(reply).toContain(`- #${hit.pull}: promotion checked (promoted).`);
    const mpg = registry().models.mpg!;
    for (const p of [calm, hit]) {
      const version = versionOf(p.head)!;
      expect(version).toMatchObject({ pr: p.pull, mergeCommit: p.mergeSha });
      expect(mpg.events.filter((e) => e.pr === p.pull).map((e) => [e.action, e.actor])).toEqual([
        ["register", "wendy"],
        ["move", "wendy"],
      ]);
      const deployments = r.sim.state.deployments(REPO).filter((d) => d.sha === p.mergeSha);
      // One deployment with one success status (GitHub marks the earlier one inactive after the later succeeds).
      expect(
        deployments.map((d) => [
          d.environment,
          d.statuses.filter((s) => s.state !== "inactive").map((s) => s.state),
        ]),
      ).toEqual([["production", ["success"]]]);
      expect(deployments[0]!.payload).toMatchObject({ models: [{ model: "mpg", version: version.version }] });
      const comment = own(p.pull).find((c) => c.body.startsWith(PROMOTION_MARKER))!.body;
      expect(comment).toContain(`- \`mpg\` is now **v${version.version}** under \`production\`.`);
    }
    expect(mpg.aliases.production).toBe(versionOf(hit.head)!.version);
  });
});
