import { unzipSync } from "fflate";
import { Octokit, RequestError } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubSim, type GitHubSim } from "./index.js";
import { simOctokitOptions } from "./octokit-options.js";

let sim: GitHubSim;
let octokit: Octokit;
const repo = { owner: "acme", repo: "rest" };

beforeAll(async () => {
  sim = await startGitHubSim();
  sim.state.createRepo({
    owner: "acme",
    name: "rest",
    files: { "README.md": "# rest\n", "data/cars.csv": "mpg\n21\n", "data/iris.csv": "x\n" },
  });
  octokit = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme") }));
});
afterAll(async () => {
  sim.assertNoViolations();
  await sim?.close();
});

const statusOf = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof RequestError) return e.status;
    throw e;
  }
};

describe("REST endpoints keep state", () => {
  it("creates, updates, filters issues; edits and deletes comments; removes labels", async () => {
    const { data: issue } = await octokit.rest.issues.create({
      ...repo,
      title: "Drift on cars",
      labels: ["drift"],
    });
    await octokit.rest.issues.create({ ...repo, title: "Other" });
    const drift = await octokit.rest.issues.listForRepo({ ...repo, labels: "drift" });
    expect(drift.data.map((i) => i.title)).toEqual(["Drift on cars"]);
    await octokit.rest.issues.update({ ...repo, issue_number: issue.number, state: "closed" });
    expect(
      (await octokit.rest.issues.listForRepo({ ...repo, state: "closed" })).data.map((i) => i.number),
    ).toEqual([issue.number]);

    const { data: c } = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: issue.number,
      body: "first",
    });
    await octokit.rest.issues.updateComment({ ...repo, comment_id: c.id, body: "edited" });
    expect(sim.state.comments("acme/rest", issue.number).map((x) => x.body)).toEqual(["edited"]);
    await octokit.rest.issues.deleteComment({ ...repo, comment_id: c.id });
    expect(sim.state.comments("acme/rest", issue.number)).toEqual([]);
    expect(await statusOf(octokit.rest.issues.getComment({ ...repo, comment_id: c.id }))).toBe(404);

    await octokit.rest.issues.removeLabel({ ...repo, issue_number: issue.number, name: "drift" });
    expect(
      await statusOf(octokit.rest.issues.removeLabel({ ...repo, issue_number: issue.number, name: "drift" })),
    ).toBe(404);
    expect(
      (await octokit.rest.issues.listLabelsOnIssue({ ...repo, issue_number: issue.number })).data,
    ).toEqual([]);
  });

  it("reads contents by ref, directories, recursive trees and blobs", async () => {
    const branchSha = sim.state.pushCommit("acme/rest", {
      branch: "next",
      files: { "data/cars.csv": "mpg\n22\n" },
    });
    const file = async (ref: string) => {
      const { data } = await octokit.rest.repos.getContent({ ...repo, path: "data/cars.csv", ref });
      if (Array.isArray(data) || data.type !== "file") throw new Error("expected a file");
      return Buffer.from(data.content, "base64").toString("utf8");
    };
    expect(await file("main")).toBe("mpg\n21\n");
    expect(await file("next")).toBe("mpg\n22\n");
    expect(await file(branchSha)).toBe("mpg\n22\n");
    const dir = await octokit.rest.repos.getContent({ ...repo, path: "data" });
    expect(Array.isArray(dir.data) && dir.data.map((d) => d.name)).toEqual(["cars.csv", "iris.csv"]);
    expect(await statusOf(octokit.rest.repos.getContent({ ...repo, path: "missing.txt" }))).toBe(404);

    const commit = await octokit.rest.git.getCommit({ ...repo, commit_sha: branchSha });
    const tree = await octokit.rest.git.getTree({ ...repo, tree_sha: commit.data.tree.sha, recursive: "1" });
    expect(tree.data.tree.map((e) => e.path)).toEqual([
      "README.md",
      "data",
      "data/cars.csv",
      "data/iris.csv",
    ]);
    const blobSha = tree.data.tree.find((e) => e.path === "data/cars.csv")?.sha as string;
    const blob = await octokit.rest.git.getBlob({ ...repo, file_sha: blobSha });
    expect(Buffer.from(blob.data.content, "base64").toString("utf8")).toBe("mpg\n22\n");
  });

  it("merges with GitHub's refusals: 409 for a stale head sha, 405 for a conflict or a closed PR", async () => {
    sim.state.pushCommit("acme/rest", { branch: "a", files: { "x.txt": "a\n" } });
    const pr = sim.state.openPullRequest("acme/rest", { head: "a" });
    expect(
      await statusOf(octokit.rest.pulls.merge({ ...repo, pull_number: pr.number, sha: "0".repeat(40) })),
    ).toBe(409);
    sim.state.pushCommit("acme/rest", { branch: "main", files: { "x.txt": "main\n" } });
    expect(await statusOf(octokit.rest.pulls.merge({ ...repo, pull_number: pr.number }))).toBe(405);
    await octokit.rest.pulls.update({ ...repo, pull_number: pr.number, state: "closed" });
    expect((await octokit.rest.pulls.list({ ...repo, state: "closed" })).data.map((p) => p.number)).toContain(
      pr.number,
    );
    expect(await statusOf(octokit.rest.pulls.merge({ ...repo, pull_number: pr.number }))).toBe(405);
    expect(
      await statusOf(octokit.rest.pulls.create({ ...repo, head: "main", base: "main", title: "empty" })),
    ).toBe(422);
  });

  it("serves workflow runs and their artifacts, downloading a real zip through the redirect", async () => {
    const head = sim.state.refSha("acme/rest", "next") as string;
    const run = sim.state.createWorkflowRun("acme/rest", {
      headSha: head,
      headBranch: "next",
      path: ".github/workflows/modelgate.yml",
      actor: "acme",
    });
    sim.state.addArtifact(run, "modelgate-report-cars", {
      "report.json": '{"ok":true}\n',
      "report.md": "# ok\n",
    });
    sim.state.completeWorkflowRun("acme/rest", run, "success");

    const got = await octokit.rest.actions.getWorkflowRun({ ...repo, run_id: run.id });
    expect([got.data.status, got.data.conclusion, got.data.head_sha]).toEqual(["completed", "success", head]);
    const list = await octokit.rest.actions.listWorkflowRunArtifacts({ ...repo, run_id: run.id });
    expect(list.data.artifacts.map((a) => a.name)).toEqual(["modelgate-report-cars"]);
    const zip = await octokit.rest.actions.downloadArtifact({
      ...repo,
      artifact_id: list.data.artifacts[0]!.id,
      archive_format: "zip",
    });
    const files = unzipSync(new Uint8Array(zip.data as ArrayBuffer));
    expect(Object.keys(files).sort()).toEqual(["report.json", "report.md"]);
    expect(Buffer.from(files["report.json"]!).toString("utf8")).toBe('{"ok":true}\n');
  });

  it("records deployments and statuses, marking the previous success in an environment inactive", async () => {
    const first = await octokit.rest.repos.createDeployment({
      ...repo,
      ref: "main",
      environment: "production",
      auto_merge: false,
      required_contexts: [],
    });
    if (!("id" in first.data)) throw new Error("expected a deployment");
    await octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: first.data.id,
      state: "success",
    });
    const second = await octokit.rest.repos.createDeployment({
      ...repo,
      ref: "next",
      environment: "production",
      auto_merge: false,
      required_contexts: [],
      payload: { version: 2 },
    });
    if (!("id" in second.data)) throw new Error("expected a deployment");
    await octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: second.data.id,
      state: "success",
      environment_url: "https://example.com",
    });
    const statuses = await octokit.rest.repos.listDeploymentStatuses({
      ...repo,
      deployment_id: first.data.id,
    });
    expect(statuses.data.map((s) => s.state)).toEqual(["inactive", "success"]);
    const listed = await octokit.rest.repos.listDeployments({ ...repo, environment: "production" });
    expect(listed.data.map((d) => d.payload)).toEqual([{ version: 2 }, {}]);
    expect(sim.state.deployments("acme/rest").map((d) => d.sha)).toEqual([
      sim.state.refSha("acme/rest", "main"),
      sim.state.refSha("acme/rest", "next"),
    ]);
  });
});
