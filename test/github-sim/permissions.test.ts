import { App, Octokit, RequestError } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubSim, type GitHubSim } from "./index.js";
import { simOctokitOptions } from "./octokit-options.js";

let sim: GitHubSim;
let prNumber: number;
const repo = { owner: "acme", repo: "models" };

beforeAll(async () => {
  sim = await startGitHubSim();
  sim.state.createRepo({
    owner: "acme",
    name: "models",
    files: { "modelgate.yml": "models: []\n" },
    protected: true,
  });
  const fork = sim.state.fork("acme/models", "contributor");
  sim.state.pushCommit(fork, { branch: "tweak", files: { "modelgate.yml": "models: [cars]\n" } });
  prNumber = sim.state.openPullRequest("acme/models", { head: "tweak", from: fork }).number;
});
afterAll(async () => {
  await sim?.close();
});

const client = (auth?: string) => new Octokit(simOctokitOptions(sim, auth ? { auth } : {}));
const statusOf = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof RequestError) return e.status;
    throw e;
  }
};

describe("tokens carry what they may do", () => {
  it("a fork PR's read-only workflow token reads but cannot comment or label", async () => {
    const octokit = client(sim.state.workflowToken("acme/models"));
    const pr = await octokit.rest.pulls.get({ ...repo, pull_number: prNumber });
    expect(pr.data.head.repo?.full_name).toBe("contributor/models");
    expect(
      await statusOf(octokit.rest.issues.createComment({ ...repo, issue_number: prNumber, body: "hi" })),
    ).toBe(403);
    expect(
      await statusOf(octokit.rest.issues.addLabels({ ...repo, issue_number: prNumber, labels: ["x"] })),
    ).toBe(403);
    expect(sim.state.comments("acme/models", prNumber)).toEqual([]);
    expect(sim.state.labels("acme/models", prNumber)).toEqual([]);
    sim.assertNoViolations();
  });

  it("a workflow token with write permissions may comment, as a same-repository PR's token can", async () => {
    const octokit = client(
      sim.state.workflowToken("acme/models", { permissions: { pull_requests: "write", issues: "write" } }),
    );
    await octokit.rest.issues.createComment({ ...repo, issue_number: prNumber, body: "from the workflow" });
    expect(sim.state.comments("acme/models", prNumber).map((c) => [c.user.login, c.body])).toEqual([
      ["github-actions[bot]", "from the workflow"],
    ]);
  });

  it("users act with their repository role: read may comment, triage may label, only write may move refs", async () => {
    sim.state.addCollaborator("acme/models", "reader", "read");
    sim.state.addCollaborator("acme/models", "triager", "triage");
    const reader = client(sim.state.userToken("reader"));
    const triager = client(sim.state.userToken("triager"));
    expect(
      await statusOf(
        reader.rest.issues.createComment({ ...repo, issue_number: prNumber, body: "looks good" }),
      ),
    ).toBe(200);
    expect(
      await statusOf(
        reader.rest.issues.addLabels({ ...repo, issue_number: prNumber, labels: ["promote:production"] }),
      ),
    ).toBe(403);
    expect(
      await statusOf(
        triager.rest.issues.addLabels({ ...repo, issue_number: prNumber, labels: ["promote:production"] }),
      ),
    ).toBe(200);
    const main = sim.state.refSha("acme/models", "main") as string;
    expect(await statusOf(triager.rest.git.createRef({ ...repo, ref: "refs/heads/x", sha: main }))).toBe(403);
    const perm = await reader.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: "triager" });
    expect([perm.data.permission, perm.data.role_name]).toEqual(["read", "triage"]);
    sim.assertNoViolations();
  });

  it("answers 401 to anonymous writes and 404 for a private repository it cannot see", async () => {
    sim.state.createRepo({ owner: "acme", name: "secret", private: true });
    expect(
      await statusOf(client().rest.issues.createComment({ ...repo, issue_number: prNumber, body: "x" })),
    ).toBe(401);
    expect(await statusOf(client().rest.repos.get({ owner: "acme", repo: "secret" }))).toBe(404);
    expect(
      await statusOf(client(sim.state.userToken("reader")).rest.repos.get({ owner: "acme", repo: "secret" })),
    ).toBe(404);
    expect(
      await statusOf(client(sim.state.userToken("acme")).rest.repos.get({ owner: "acme", repo: "secret" })),
    ).toBe(200);
  });

  it("refuses a non-fast-forward ref update with 422, with force too on a protected branch", async () => {
    const owner = client(sim.state.userToken("acme"));
    const base = sim.state.refSha("acme/models", "main") as string;
    const ahead = sim.state.pushCommit("acme/models", { branch: "main", files: { "a.txt": "1" } });
    const sideways = await owner.rest.git.createCommit({
      ...repo,
      message: "side",
      tree: sim.state.commit("acme/models", base)!.tree,
      parents: [base],
    });
    expect(
      await statusOf(
        owner.rest.git.updateRef({ ...repo, ref: "heads/main", sha: sideways.data.sha, force: false }),
      ),
    ).toBe(422);
    expect(
      await statusOf(
        owner.rest.git.updateRef({ ...repo, ref: "heads/main", sha: sideways.data.sha, force: true }),
      ),
    ).toBe(422);
    expect(sim.state.refSha("acme/models", "main")).toBe(ahead);
    // An unprotected branch takes a forced update.
    await owner.rest.git.createRef({ ...repo, ref: "refs/heads/scratch", sha: ahead });
    await owner.rest.git.updateRef({ ...repo, ref: "heads/scratch", sha: sideways.data.sha, force: true });
    expect(sim.state.refSha("acme/models", "scratch")).toBe(sideways.data.sha);
    sim.assertNoViolations();
  });

  it("an app authenticates with its JWT, gets an installation token with its permissions, and writes check runs", async () => {
    const ghApp = sim.state.createApp({
      slug: "modelgate",
      permissions: {
        checks: "write",
        pull_requests: "write",
        issues: "read",
        contents: "read",
        metadata: "read",
      },
    });
    const installation = sim.state.installApp(ghApp, "acme");
    const app = new App({
      appId: ghApp.id,
      privateKey: ghApp.privateKey,
      Octokit: Octokit.defaults(simOctokitOptions(sim)),
    });
    const octokit = await app.getInstallationOctokit(installation.id);
    const head = sim.state.pullRequests("acme/models")[0]!.pull!.headSha;

    const check = await octokit.rest.checks.create({
      ...repo,
      name: "modelgate",
      head_sha: head,
      status: "in_progress",
    });
    await octokit.rest.checks.update({
      ...repo,
      check_run_id: check.data.id,
      conclusion: "success",
      output: { title: "ok", summary: "gate passed" },
    });
    const listed = await octokit.rest.checks.listForRef({ ...repo, ref: head });
    expect(listed.data.check_runs.map((c) => [c.name, c.conclusion, c.app?.slug])).toEqual([
      ["modelgate", "success", "modelgate"],
    ]);
    expect(sim.state.checkRuns("acme/models", head)[0]?.output.summary).toBe("gate passed");

    await octokit.rest.issues.createComment({ ...repo, issue_number: prNumber, body: "report" });
    expect(sim.state.comments("acme/models", prNumber).at(-1)?.user.login).toBe("modelgate[bot]");
    const listed2 = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: prNumber,
    });
    expect(listed2.map((c) => c.performed_via_github_app?.slug ?? null).at(-1)).toBe("modelgate");
    expect(listed2.map((c) => c.performed_via_github_app?.slug ?? null)[0]).toBe(null);
    // issues: read, but pull_requests: write covers comments on a PR; contents: read cannot move refs.
    const main = sim.state.refSha("acme/models", "main") as string;
    expect(await statusOf(octokit.rest.git.createRef({ ...repo, ref: "refs/heads/y", sha: main }))).toBe(403);
    // A user token cannot create check runs at all.
    expect(
      await statusOf(
        client(sim.state.userToken("acme")).rest.checks.create({ ...repo, name: "x", head_sha: head }),
      ),
    ).toBe(403);
    // A JWT signed with another key is refused.
    const other = sim.state.createApp({ slug: "other" });
    const forged = new App({
      appId: ghApp.id,
      privateKey: other.privateKey,
      Octokit: Octokit.defaults(simOctokitOptions(sim)),
    });
    expect(
      await statusOf(forged.getInstallationOctokit(installation.id).then((o) => o.rest.repos.get(repo))),
    ).toBe(401);
    sim.assertNoViolations();
  });
});
