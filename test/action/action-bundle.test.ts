/**
 * The committed Action bundle (dist/index.js), run as a separate node process with the
 * environment a runner gives it, against the GitHub simulator.
 */
import { unzipSync, strFromU8 } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubSim, type GitHubSim } from "../github-sim/index.js";
import { reportSchema } from "../../src/report/report-schema.js";
import { renderMarkdown } from "../../src/report/render-markdown.js";
import { actionBundle, carsFiles, exampleFiles } from "../helpers/cars-repo.js";

let sim: GitHubSim;
beforeAll(async () => {
  sim = await startGitHubSim();
});
afterAll(async () => {
  sim.assertNoViolations();
  await sim.close();
});

const job = { command: process.execPath, args: [actionBundle], timeoutMs: 120_000 };
const inputs = { "github-token": "${{ github.token }}", config: "modelgate.yml" };
let repoCount = 0;

/** A repository with the cars example, and a pull request changing files on a branch. */
function openPullRequest(
  changes: Record<string, string | null>,
  options: { fork?: boolean; files?: Record<string, string> } = {},
) {
  const name = `cars-${++repoCount}`;
  const repo = sim.state.createRepo({ owner: "acme", name, files: options.files ?? carsFiles() });
  if (options.fork) {
    const fork = sim.state.fork(repo, "outsider");
    sim.state.pushCommit(fork, { branch: "main", files: changes, message: "change from a fork" });
    const pr = sim.state.openPullRequest(repo, {
      head: "main",
      from: fork,
      user: "outsider",
      title: "fork change",
    });
    return { repo: `acme/${name}`, number: pr.number };
  }
  sim.state.pushCommit(repo, { branch: "feature", from: "main", files: changes, message: "change" });
  const pr = sim.state.openPullRequest(repo, { head: "feature", title: "change" });
  return { repo: `acme/${name}`, number: pr.number };
}

function artifactFiles(
  run: { artifacts: { name: string; content: Buffer }[] },
  name: string,
): Record<string, string> {
  const artifact = run.artifacts.find((a) => a.name === name);
  if (!artifact) throw new Error(`no artifact ${name}; have ${run.artifacts.map((a) => a.name).join(", ")}`);
  return Object.fromEntries(
    Object.entries(unzipSync(new Uint8Array(artifact.content))).map(([k, v]) => [k, strFromU8(v)]),
  );
}

describe("the Action bundle on a pull request", () => {
  it("evaluates the cars example: summary, outputs, one artifact per model", async () => {
    const pr = openPullRequest({ "README.md": "a change that leaves the model alone\n" });
    const before = sim.exchanges.length;
    const result = await sim.runWorkflow({ repo: pr.repo, pullNumber: pr.number, job, inputs });
    // Each registry file is read once at the base commit, however many times the run needs it.
    const reads = sim.exchanges
      .slice(before)
      .filter((e) => e.operationId === "repos/get-content")
      .map((e) => e.path);
    expect(reads.filter((p) => p.includes("registry.json"))).toHaveLength(1);
    expect(new Set(reads).size).toBe(reads.length);
    expect(result.stderr).toBe("");
    expect(result.conclusion).toBe("success");
    expect(result.outputs["passed"]).toBe("true");
    expect(JSON.parse(result.outputs["models"]!)).toEqual(["mpg"]);
    expect(result.outputs["summary"]).toMatch(/mpg/);
    expect(result.outputs["report-json"]).toMatch(/modelgate\/report\.json$/);
    expect(result.summary).toMatch(/mpg/);
    expect(result.summary).toMatch(/rmse/i);

    const files = artifactFiles(result.run, "modelgate-report-mpg");
    expect(Object.keys(files).sort()).toEqual(["models/mpg.json", "report.html", "report.json", "report.md"]);
    const report = reportSchema.parse(JSON.parse(files["report.json"]!));
    expect(report.models.map((m) => m.name)).toEqual(["mpg"]);
    const head = sim.state.pullRequests(pr.repo).find((p) => p.number === pr.number)!;
    expect(report.head.sha).toBe(head.pull!.headSha);
    // The champion is production v1 from the base commit's registry, scored on the same rows.
    expect(report.models[0]!.champion).toMatchObject({ alias: "production", version: 1, comparable: true });
    expect(files["report.html"]).toMatch(/^<!doctype html>/i);
  });

  it("fails the job on a failed gate, after writing the summary and uploading the artifact", async () => {
    const spec = carsFiles()["models/mpg.model.yml"]!;
    const worse = spec
      .replace(/features:\n(  - .*\n)+/, "features:\n  - Acceleration\n")
      .replace(/search:\n(  .*\n)+/, "");
    const pr = openPullRequest({ "models/mpg.model.yml": worse });
    const result = await sim.runWorkflow({ repo: pr.repo, pullNumber: pr.number, job, inputs });
    expect(result.conclusion).toBe("failure");
    expect(result.outputs["passed"]).toBe("false");
    expect(result.stdout).toMatch(/::error::.*mpg/);
    expect(result.summary).toMatch(/mpg/);
    expect(artifactFiles(result.run, "modelgate-report-mpg")["report.json"]).toContain('"passed": false');
  });

  it("annotates a malformed spec on its file and line and fails", async () => {
    const spec = carsFiles()["models/mpg.model.yml"]!.replace(
      "target: Miles_per_Gallon",
      "target: Miles_per_Galon",
    );
    const pr = openPullRequest({ "models/mpg.model.yml": spec });
    const result = await sim.runWorkflow({ repo: pr.repo, pullNumber: pr.number, job, inputs });
    expect(result.conclusion).toBe("failure");
    expect(result.stdout).toMatch(
      /::error title=modelgate,file=models\/mpg\.model\.yml,line=5,col=9::target "Miles_per_Galon" is not a column of the data spec \(hint: did you mean "Miles_per_Gallon"\?\)/,
    );
    expect(result.stdout).toMatch(/::error::the modelgate specs are invalid: 1 problem/);
  });

  it("lists the models as JSON for a matrix in list mode", async () => {
    const pr = openPullRequest({ "README.md": "x\n" });
    const result = await sim.runWorkflow({
      repo: pr.repo,
      pullNumber: pr.number,
      job,
      inputs: { ...inputs, mode: "list" },
    });
    expect(result.conclusion).toBe("success");
    expect(JSON.parse(result.outputs["models"]!)).toEqual(["mpg"]);
    expect(result.run.artifacts).toEqual([]);
  });

  it("ignores a pull request's edit of the registry for the champion, and says so", async () => {
    const registry = JSON.parse(carsFiles()[".modelgate/registry.json"]!);
    registry.models.mpg.aliases.production = 1;
    registry.models.mpg.versions[0].metrics.rmse = 99; // a forged, much worse champion record
    const pr = openPullRequest({ ".modelgate/registry.json": JSON.stringify(registry, null, 2) + "\n" });
    const result = await sim.runWorkflow({ repo: pr.repo, pullNumber: pr.number, job, inputs });
    expect(result.conclusion).toBe("success");
    const report = reportSchema.parse(
      JSON.parse(artifactFiles(result.run, "modelgate-report-mpg")["report.json"]!),
    );
    expect(report.models[0]!.registryChanged).toBe(true);
    expect(report.models[0]!.champion?.version).toBe(1);
    expect(result.summary).toContain("This pull request changes the registry (.modelgate/registry.json)");
  });

  it("works for a fork pull request with its read-only token", async () => {
    const pr = openPullRequest({ "README.md": "from a fork\n" }, { fork: true });
    const result = await sim.runWorkflow({ repo: pr.repo, pullNumber: pr.number, job, inputs });
    expect(result.conclusion).toBe("success");
    expect(result.run.artifacts.map((a) => a.name)).toEqual(["modelgate-report-mpg"]);
  });

  it("evaluates the credit-scoring example with calibration and fairness in its report", async () => {
    const pr = openPullRequest({ "README.md": "credit\n" }, { files: exampleFiles("credit") });
    const result = await sim.runWorkflow({ repo: pr.repo, pullNumber: pr.number, job, inputs });
    expect(result.conclusion).toBe("success");
    const files = artifactFiles(result.run, "modelgate-report-credit-risk");
    const report = reportSchema.parse(JSON.parse(files["report.json"]!));
    const m = report.models[0]!;
    expect(m.task).toBe("classification");
    expect(m.champion).toMatchObject({ version: 1, comparable: true });
    expect(m.calibration?.length).toBe(10);
    expect(m.fairness?.map((f) => f.column)).toEqual(["personal_status", "age"]);
    expect(m.metricOrder).toEqual([
      "auc",
      "ks",
      "log_loss",
      "brier",
      "accuracy",
      "precision",
      "recall",
      "f1",
    ]);
    // What the App posts: rendered from report.json by the engine's renderer.
    const comment = renderMarkdown(report);
    expect(comment).toContain("Fairness by 2 columns");
    expect(comment).toContain("Calibration of the challenger");
    expect(result.summary).toContain("Fairness by 2 columns");
  });
});
