/**
 * What a `workflow_run.completed` costs in API calls (app/README.md, "API calls per
 * workflow_run"), counted by the app's Octokit for one model and one PR: a delivery that finds its
 * report published costs 1 call (one GraphQL query), the first report on a head 5, one that
 * replaces a report 6 or 7 (the deletion, and the PR's head when two heads are listed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HeldDelivery } from "../github-sim/index.js";
import { startReplicas, type Replicas } from "./replicas.js";
import { carsArtifact, REPO, WORKFLOW } from "./scenario.js";

let r: Replicas;
beforeAll(async () => {
  r = await startReplicas(1, { events: ["workflow_run"] });
});
afterAll(async () => {
  r?.sim.assertNoViolations();
  await r?.close();
});

function completeRun(pull: number, branch: string, event: string) {
  const head = r.sim.state.issue(REPO, pull).pull!.headSha;
  const run = r.sim.state.createWorkflowRun(REPO, {
    headSha: head,
    headBranch: branch,
    path: WORKFLOW,
    name: "modelgate",
    event,
    pullNumbers: event === "pull_request" ? [pull] : [],
    actor: "acme",
  });
  return { run, head };
}

/** Sends the held `completed` deliveries (each `times` times); returns the API calls of each handling. */
async function deliver(times = 1): Promise<number[]> {
  const held = r.sim.webhooks
    .takeHeld()
    .filter((d: HeldDelivery) => d.event === "workflow_run" && d.action === "completed");
  const before = r.handled.length;
  for (const delivery of held)
    for (let i = 0; i < times; i++) await r.sim.webhooks.send([{ delivery, url: r.urls[0]! }]);
  return r.handled.slice(before).map((h) => h.apiCalls);
}

describe("API calls per workflow_run, one model, one PR", () => {
  it("1 for a delivery with nothing to write, 5 for the first report on a head", async () => {
    const branch = "calls";
    r.sim.state.pushCommit(REPO, { branch, files: { "notes/calls.md": "one\n" } });
    const pull = r.sim.state.openPullRequest(REPO, { head: branch }).number;

    // First report on the head: the query, artifacts list and download, the mutation, the listing.
    // The replica has not seen main's commit yet: +2 (settings, registry).
    const first = completeRun(pull, branch, "pull_request");
    r.sim.state.addArtifact(first.run, "modelgate-report-mpg", await carsArtifact(first.head));
    r.sim.state.completeWorkflowRun(REPO, first.run);
    // And the installation token, made once and then cached for its hour: +1.
    expect(await deliver(2)).toEqual([5 + 2 + 1, 1]);

    // A newer run on the same head, without a PR in its payload (its PRs are found by head branch
    // in the same query): +1 to delete the older report's comment.
    const dispatched = completeRun(pull, branch, "workflow_dispatch");
    r.sim.state.addArtifact(dispatched.run, "modelgate-report-mpg", await carsArtifact(dispatched.head));
    r.sim.state.completeWorkflowRun(REPO, dispatched.run);
    expect(await deliver(2)).toEqual([6, 1]);

    // A push and a run on the new head: the old head's comment is deleted after reading the PR's head.
    r.sim.state.pushCommit(REPO, { branch, files: { "notes/calls.md": "two\n" } });
    const pushed = completeRun(pull, branch, "pull_request");
    r.sim.state.addArtifact(pushed.run, "modelgate-report-mpg", await carsArtifact(pushed.head));
    r.sim.state.completeWorkflowRun(REPO, pushed.run);
    expect(await deliver(1)).toEqual([7]);

    // The older run delivered late: its check is there, and its PR has left its head (read with its comments).
    const late = r.sim.webhooks.deliveries.find(
      (d) => d.event === "workflow_run" && (d.payload.workflow_run as { id: number }).id === first.run.id,
    )!;
    const before = r.handled.length;
    await r.sim.webhooks.send([{ delivery: { ...late }, url: r.urls[0]! }]);
    expect(r.handled.slice(before).map((h) => h.apiCalls)).toEqual([1]);
  });
});
