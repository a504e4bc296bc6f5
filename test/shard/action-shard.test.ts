/**
 * The Action's shard and merge modes (the committed bundle, run as a runner runs it) against
 * the GitHub simulator, as examples/workflows/sharded.yml runs them: a matrix of
 * shard jobs uploading partial results, a merge job on the downloaded artifacts, a second
 * matrix scoring with the plans, and the final merge writing the report artifact.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import { Octokit } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { startGitHubSim, type GitHubSim } from "../github-sim/index.js";
import { simOctokitOptions } from "../github-sim/octokit-options.js";
import { actionBundle } from "../helpers/cars-repo.js";
import { expectClose, shardProject } from "./shard-project.js";
import type { TempProject } from "../helpers/temp-project.js";

let sim: GitHubSim;
let project: TempProject;
const downloads = mkdtempSync(path.join(tmpdir(), "modelgate-downloads-"));
beforeAll(async () => {
  sim = await startGitHubSim();
  project = shardProject({ rows: 1500, parts: 4 });
});
afterAll(async () => {
  project.remove();
  rmSync(downloads, { recursive: true, force: true });
  sim.assertNoViolations();
  await sim.close();
});

function filesOf(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) Object.assign(out, filesOf(p, base));
    else out[path.relative(base, p).split(path.sep).join("/")] = readFileSync(p, "utf8");
  }
  return out;
}

/** One job of the workflow: the committed Action bundle with its inputs, as a runner runs it. */
function actionJob(mode: "shard" | "merge", shard: string, partials: string[]) {
  return {
    job: { command: process.execPath, args: [actionBundle], timeoutMs: 120_000 },
    inputs: { mode, shard, partials: partials.join("\n"), "upload-artifact": "true", "fail-on-gate": "true" },
  };
}

/** What actions/download-artifact does: every artifact of a run, unzipped into its own folder. */
async function download(runId: number, into: string): Promise<string[]> {
  const octokit = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme") }));
  const { data } = await octokit.rest.actions.listWorkflowRunArtifacts({
    owner: "acme",
    repo: "demand",
    run_id: runId,
  });
  const dirs: string[] = [];
  for (const a of data.artifacts) {
    const zip = await octokit.rest.actions.downloadArtifact({
      owner: "acme",
      repo: "demand",
      artifact_id: a.id,
      archive_format: "zip",
    });
    const dir = path.join(into, a.name);
    for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(zip.data as ArrayBuffer)))) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), bytes);
    }
    dirs.push(dir);
  }
  return dirs;
}

describe("the Action's shard and merge modes on the simulator", () => {
  it("fan out over three shards in two rounds and merge into the report a single run writes", async () => {
    const files = filesOf(project.root);
    sim.state.createRepo({ owner: "acme", name: "demand", files: { "README.md": "demand\n" } });
    sim.state.pushCommit("acme/demand", { branch: "data", files });
    const pr = sim.state.openPullRequest("acme/demand", { head: "data" });
    const run = async ({ job, inputs }: ReturnType<typeof actionJob>) => {
      const result = await sim.runWorkflow({
        repo: "acme/demand",
        pullNumber: pr.number,
        path: ".github/workflows/sharded.yml",
        job,
        inputs,
      });
      expect(result.stderr).toBe("");
      expect(result.conclusion).toBe("success");
      return result;
    };

    const fitRuns = [];
    for (let i = 1; i <= 3; i++) fitRuns.push(await run(actionJob("shard", `${i}/3`, [])));
    expect(fitRuns[1]!.outputs.artifact).toBe("modelgate-shard-fit-2-of-3");
    const fitDirs = (
      await Promise.all(fitRuns.map((r, k) => download(r.run.id, path.join(downloads, `fit-${k}`))))
    ).flat();
    expect(fitDirs).toHaveLength(3);

    const mergeOne = await run(actionJob("merge", "", fitDirs));
    expect(mergeOne.outputs.stage).toBe("fit");
    const [planDir] = await download(mergeOne.run.id, path.join(downloads, "plan"));
    expect(Object.keys(filesOf(planDir!)).sort()).toEqual(["demand.plan.json", "models/demand.json"]);

    const scoreRuns = [];
    for (let i = 1; i <= 3; i++) scoreRuns.push(await run(actionJob("shard", `${i}/3`, [planDir!])));
    expect(scoreRuns[0]!.outputs.artifact).toBe("modelgate-shard-score-1-of-3");
    const scoreDirs = (
      await Promise.all(scoreRuns.map((r, k) => download(r.run.id, path.join(downloads, `score-${k}`))))
    ).flat();

    const last = await run(actionJob("merge", "", [planDir!, ...scoreDirs]));
    expect(last.outputs).toMatchObject({ stage: "report", passed: "true", models: '["demand"]' });
    expect(last.summary).toContain("demand");
    const [reportDir] = await download(last.run.id, path.join(downloads, "report"));
    expect(path.basename(reportDir!)).toBe("modelgate-report-demand");
    const artifact = filesOf(reportDir!);
    expect(Object.keys(artifact).sort()).toEqual([
      "models/demand.json",
      "report.html",
      "report.json",
      "report.md",
    ]);

    // The same data through `modelgate run` in one process.
    const io = memoryIo(project.root);
    expect(await main(["run", "--out", "single"], io)).toBe(0);
    const single = JSON.parse(readFileSync(project.file("single/report.json"), "utf8")) as {
      head: unknown;
      models: { challenger: { modelSha256: string } }[];
    };
    const merged = JSON.parse(artifact["report.json"]!) as typeof single;
    merged.models[0]!.challenger.modelSha256 = single.models[0]!.challenger.modelSha256;
    merged.head = single.head;
    expectClose(merged.models, single.models, 1e-9);
  });
});
