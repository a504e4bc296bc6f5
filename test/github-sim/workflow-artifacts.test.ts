import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DefaultArtifactClient } from "@actions/artifact";
import { unzipSync } from "fflate";
import { Octokit } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runtimeToken, startGitHubSim, withProcessEnv, type GitHubSim, type JobContext } from "./index.js";
import { simOctokitOptions } from "./octokit-options.js";

let sim: GitHubSim;
beforeAll(async () => {
  sim = await startGitHubSim();
  sim.state.createRepo({ owner: "acme", name: "models", files: { "modelgate.yml": "models: [cars]\n" } });
});
afterAll(async () => {
  await sim?.close();
});

/** What a job does with the real clients: upload the workspace's report, set an output and a summary. */
const UPLOAD_SCRIPT = `
import * as core from "@actions/core";
import { DefaultArtifactClient } from "@actions/artifact";
import { Octokit } from "octokit";
const workspace = process.env.GITHUB_WORKSPACE;
const client = new DefaultArtifactClient();
const { id, size } = await client.uploadArtifact("modelgate-report-cars", [workspace + "/report/report.json", workspace + "/report/notes.md"], workspace + "/report");
core.setOutput("artifact-id", String(id));
core.setOutput("multi", "line one\\nline two");
await core.summary.addHeading("Gate passed").write();
const octokit = new Octokit({ auth: core.getInput("github-token"), baseUrl: process.env.GITHUB_API_URL });
const [owner, repo] = process.env.GITHUB_REPOSITORY.split("/");
const pr = JSON.parse(await import("node:fs").then((fs) => fs.readFileSync(process.env.GITHUB_EVENT_PATH, "utf8"))).pull_request;
await octokit.rest.pulls.get({ owner, repo, pull_number: pr.number });
console.log("uploaded", id, size);
`;

describe("workflow runs and the Actions artifact service", () => {
  it("runs a job process whose real @actions/artifact upload the real octokit downloads as a zip", async () => {
    sim.state.pushCommit("acme/models", {
      branch: "cars",
      files: { "report/report.json": '{"gate":"pass"}\n', "report/notes.md": "# notes\n" },
    });
    const pr = sim.state.openPullRequest("acme/models", { head: "cars" });
    const result = await sim.runWorkflow({
      repo: "acme/models",
      pullNumber: pr.number,
      path: ".github/workflows/modelgate.yml",
      inputs: { "github-token": "${{ github.token }}" },
      job: {
        command: process.execPath,
        args: ["--input-type=module", "-e", UPLOAD_SCRIPT],
        cwd: process.cwd(),
      },
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.conclusion).toBe("success");
    expect(result.outputs.multi).toBe("line one\nline two");
    expect(result.summary).toContain("<h1>Gate passed</h1>");
    expect(result.env.GITHUB_SHA).toBe(sim.state.refSha("acme/models", `refs/pull/${pr.number}/merge`));

    const octokit = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme") }));
    const run = await octokit.rest.actions.getWorkflowRun({
      owner: "acme",
      repo: "models",
      run_id: result.run.id,
    });
    expect([run.data.status, run.data.conclusion, run.data.path]).toEqual([
      "completed",
      "success",
      ".github/workflows/modelgate.yml",
    ]);
    const { data } = await octokit.rest.actions.listWorkflowRunArtifacts({
      owner: "acme",
      repo: "models",
      run_id: result.run.id,
    });
    expect(data.artifacts.map((a) => [a.id, a.name])).toEqual([
      [Number(result.outputs["artifact-id"]), "modelgate-report-cars"],
    ]);
    const zip = await octokit.rest.actions.downloadArtifact({
      owner: "acme",
      repo: "models",
      artifact_id: data.artifacts[0]!.id,
      archive_format: "zip",
    });
    const files = unzipSync(new Uint8Array(zip.data as ArrayBuffer));
    expect(
      Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v).toString("utf8")])),
    ).toEqual({
      "report.json": '{"gate":"pass"}\n',
      "notes.md": "# notes\n",
    });
    expect(
      sim.exchanges.filter((x) => x.operationId?.startsWith("twirp/")).map((x) => x.operationId),
    ).toEqual(["twirp/CreateArtifact", "twirp/FinalizeArtifact"]);
    sim.assertNoViolations();
  });

  it("lets an in-process job list and download its run's artifacts through the twirp service", async () => {
    sim.state.pushCommit("acme/models", { branch: "more", files: { "data.csv": "x\n1\n" } });
    const pr = sim.state.openPullRequest("acme/models", { head: "more" });
    const out = await mkdtemp(join(tmpdir(), "github-sim-dl-"));
    try {
      const result = await sim.runWorkflow({
        repo: "acme/models",
        pullNumber: pr.number,
        job: ({ env }: JobContext) =>
          withProcessEnv(env, async () => {
            const client = new DefaultArtifactClient();
            await client.uploadArtifact(
              "data",
              [join(env.GITHUB_WORKSPACE!, "data.csv")],
              env.GITHUB_WORKSPACE!,
            );
            const { artifacts } = await client.listArtifacts();
            expect(artifacts.map((a) => a.name)).toEqual(["data"]);
            await client.downloadArtifact(artifacts[0]!.id, { path: out });
          }),
      });
      expect(result.conclusion).toBe("success");
      expect(await readFile(join(out, "data.csv"), "utf8")).toBe("x\n1\n");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
    sim.assertNoViolations();
  });

  it("gives a fork PR's job a read-only token, so its attempt to comment fails the run", async () => {
    const fork = sim.state.fork("acme/models", "outsider");
    sim.state.pushCommit(fork, { branch: "patch", files: { "modelgate.yml": "models: [cars, iris]\n" } });
    const pr = sim.state.openPullRequest("acme/models", { head: "patch", from: fork });
    const result = await sim.runWorkflow({
      repo: "acme/models",
      pullNumber: pr.number,
      permissions: { pull_requests: "write", issues: "write" },
      job: async ({ token }) => {
        const octokit = new Octokit({ ...simOctokitOptions(sim, { auth: token }) });
        await octokit.rest.issues.createComment({
          owner: "acme",
          repo: "models",
          issue_number: pr.number,
          body: "hi",
        });
      },
    });
    expect(result.conclusion).toBe("failure");
    expect(result.stderr).toContain("Resource not accessible by integration");
    const run = sim.state.workflowRuns("acme/models").find((r) => r.id === result.run.id);
    expect([run?.status, run?.conclusion, run?.headRepo.fullName]).toEqual([
      "completed",
      "failure",
      "outsider/models",
    ]);
    sim.assertNoViolations();
  });

  it("checks twirp bodies against the client's own message types and the runtime token's scope", async () => {
    const head = sim.state.refSha("acme/models", "main") as string;
    const run = sim.state.createWorkflowRun("acme/models", { headSha: head, actor: "acme" });
    const other = sim.state.createWorkflowRun("acme/models", { headSha: head, actor: "acme" });
    const call = (token: string, body: unknown) =>
      fetch(`${sim.url}/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const ids = { workflow_run_backend_id: run.backendId, workflow_job_run_backend_id: run.jobBackendId };
    const before = sim.violations.length;

    const malformed = await call(runtimeToken(run), { ...ids, name: "x", version: 7, retention: 5 });
    expect(malformed.status).toBe(400);
    expect(sim.violations.slice(before)).toMatchObject([
      {
        operationId: "twirp/CreateArtifact",
        direction: "request",
        schemaPath: "@actions/artifact github.actions.results.api.v1.CreateArtifactRequest",
      },
    ]);
    expect(sim.violations.at(-1)?.message).toContain("retention");
    sim.violations.length = before;

    const foreign = await call(runtimeToken(other), { ...ids, name: "x", version: 7 });
    expect([foreign.status, ((await foreign.json()) as { code: string }).code]).toEqual([
      403,
      "permission_denied",
    ]);
    const ok = await call(runtimeToken(run), { ...ids, name: "x", version: 7 });
    expect(((await ok.json()) as { ok: boolean; signed_upload_url: string }).ok).toBe(true);
    sim.assertNoViolations();
  });
});
