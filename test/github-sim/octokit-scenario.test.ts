import { Octokit, RequestError } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubSim, type GitHubSim } from "./index.js";
import { simOctokitOptions } from "./octokit-options.js";

let sim: GitHubSim;
beforeAll(async () => {
  sim = await startGitHubSim();
});
afterAll(async () => {
  await sim?.close();
});

const status = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof RequestError) return e.status;
    throw e;
  }
};

describe("the real octokit client against the simulator", () => {
  it("creates a repository, opens a PR, comments past three pages, labels, races a ref update and merges", async () => {
    sim.state.createUser("alice");
    const octokit = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("alice") }));

    const { data: created } = await octokit.rest.repos.createForAuthenticatedUser({
      name: "models",
      description: "registry",
    });
    expect(created.full_name).toBe("alice/models");
    const repo = { owner: "alice", repo: "models" };
    const main = await octokit.rest.git.getRef({ ...repo, ref: "heads/main" });

    // A commit on a new branch through the Git data API.
    const blob = await octokit.rest.git.createBlob({ ...repo, content: "model: cars\n", encoding: "utf-8" });
    const baseCommit = await octokit.rest.git.getCommit({ ...repo, commit_sha: main.data.object.sha });
    const tree = await octokit.rest.git.createTree({
      ...repo,
      base_tree: baseCommit.data.tree.sha,
      tree: [{ path: "models/cars.yml", mode: "100644", type: "blob", sha: blob.data.sha }],
    });
    const commit = await octokit.rest.git.createCommit({
      ...repo,
      message: "Add cars",
      tree: tree.data.sha,
      parents: [main.data.object.sha],
    });
    await octokit.rest.git.createRef({ ...repo, ref: "refs/heads/cars", sha: commit.data.sha });

    const { data: pr } = await octokit.rest.pulls.create({
      ...repo,
      head: "cars",
      base: "main",
      title: "Add cars",
    });
    expect(pr.head.sha).toBe(commit.data.sha);
    const open = await octokit.rest.pulls.list({ ...repo, head: "alice:cars", state: "open" });
    expect(open.data.map((p) => p.number)).toEqual([pr.number]);

    for (let i = 1; i <= 148; i++) sim.state.addComment("alice/models", pr.number, `seeded ${i}`, "alice");
    await octokit.rest.issues.createComment({ ...repo, issue_number: pr.number, body: "seeded 149" });
    await octokit.rest.issues.createComment({ ...repo, issue_number: pr.number, body: "seeded 150" });
    const bodies = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: pr.number,
      per_page: 50,
    });
    expect(bodies.map((c) => c.body)).toEqual(Array.from({ length: 150 }, (_, i) => `seeded ${i + 1}`));
    const pageRequests = sim.exchanges.filter((x) => x.operationId === "issues/list-comments");
    expect(pageRequests).toHaveLength(3);

    const labels = await octokit.rest.issues.addLabels({
      ...repo,
      issue_number: pr.number,
      labels: ["promote:production"],
    });
    expect(labels.data.map((l) => l.name)).toEqual(["promote:production"]);
    expect(sim.state.labels("alice/models", pr.number)).toEqual(["promote:production"]);

    // A fast-forward ref update succeeds; the same update after someone else moved the branch is a 422.
    const registryCommit = async (parent: string, content: string) => {
      const parentCommit = await octokit.rest.git.getCommit({ ...repo, commit_sha: parent });
      const t = await octokit.rest.git.createTree({
        ...repo,
        base_tree: parentCommit.data.tree.sha,
        tree: [{ path: ".modelgate/registry.json", mode: "100644", type: "blob", content }],
      });
      return (
        await octokit.rest.git.createCommit({
          ...repo,
          message: "registry",
          tree: t.data.sha,
          parents: [parent],
        })
      ).data.sha;
    };
    const first = await registryCommit(main.data.object.sha, "{}\n");
    await octokit.rest.git.updateRef({ ...repo, ref: "heads/main", sha: first, force: false });
    const stale = await registryCommit(main.data.object.sha, '{"stale":true}\n');
    expect(
      await status(octokit.rest.git.updateRef({ ...repo, ref: "heads/main", sha: stale, force: false })),
    ).toBe(422);
    expect(sim.state.refSha("alice/models", "main")).toBe(first);
    const rebased = await registryCommit(first, '{"v":1}\n');
    await octokit.rest.git.updateRef({ ...repo, ref: "heads/main", sha: rebased, force: false });

    const merged = await octokit.rest.pulls.merge({ ...repo, pull_number: pr.number, merge_method: "merge" });
    expect(merged.data.merged).toBe(true);
    const after = await octokit.rest.pulls.get({ ...repo, pull_number: pr.number });
    expect(after.data.merged).toBe(true);
    expect(after.data.merge_commit_sha).toBe(merged.data.sha);
    expect(sim.state.commit("alice/models", "main")?.parents).toEqual([rebased, commit.data.sha]);
    expect(sim.state.readFile("alice/models", "main", "models/cars.yml")).toBe("model: cars\n");
    expect(sim.state.readFile("alice/models", "main", ".modelgate/registry.json")).toBe('{"v":1}\n');

    const content = await octokit.rest.repos.getContent({
      ...repo,
      path: ".modelgate/registry.json",
      ref: "main",
    });
    expect(Array.isArray(content.data)).toBe(false);
    if (!Array.isArray(content.data) && content.data.type === "file") {
      expect(Buffer.from(content.data.content, "base64").toString("utf8")).toBe('{"v":1}\n');
    }

    expect(sim.exchanges.every((x) => x.operationId !== undefined)).toBe(true);
    sim.assertNoViolations();
  });

  it("lists the PRs of a commit, but none for a commit that exists only in a fork", async () => {
    sim.state.createRepo({ owner: "org1", name: "lib", files: { "a.txt": "a\n" } });
    const fork = sim.state.fork("org1/lib", "mallory");
    const forkSha = sim.state.pushCommit(fork, { branch: "evil", files: { "a.txt": "b\n" } });
    const forkPr = sim.state.openPullRequest("org1/lib", { head: "evil", from: fork });
    const branchSha = sim.state.pushCommit("org1/lib", { branch: "fix", files: { "a.txt": "c\n" } });
    const pr = sim.state.openPullRequest("org1/lib", { head: "fix", user: "org1" });
    const octokit = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("org1") }));

    const viaBranch = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner: "org1",
      repo: "lib",
      commit_sha: branchSha,
    });
    expect(viaBranch.data.map((p) => p.number)).toEqual([pr.number]);
    const viaFork = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner: "org1",
      repo: "lib",
      commit_sha: forkSha,
    });
    expect(viaFork.data).toEqual([]);
    // Listing open PRs and matching the head sha finds the fork PR, as the app must do.
    const openPulls = await octokit.paginate(octokit.rest.pulls.list, {
      owner: "org1",
      repo: "lib",
      state: "open",
    });
    expect(openPulls.find((p) => p.head.sha === forkSha)?.number).toBe(forkPr.number);
    sim.assertNoViolations();
  });
});
