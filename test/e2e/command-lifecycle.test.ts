/**
 * examples/sklearn through a pull request, end to end: the repository holds the example (a
 * scikit-learn script as `type: command`, the ridge champion as production v1); the Action's
 * committed bundle, run as a runner runs it, trains through the command against the GitHub
 * simulator; the App comments and checks; a promotion label and a merge register the ONNX
 * version (its bytes committed into the registry, pinned by sha256) and deploy it.
 * Needs /usr/bin/python3 with scikit-learn, pandas and onnx (.ci/run installs them): their absence
 * fails the test.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleFiles } from "../../demo/example-files.js";
import { parseRegistry } from "../../src/registry/registry-document.js";
import type { WorkflowResult } from "../github-sim/index.js";
import { appComments, REPO, startScenario, WORKFLOW, type Scenario } from "../app/scenario.js";

const PYTHON = "/usr/bin/python3";
const hasPython = spawnSync(PYTHON, ["-c", "import sklearn, pandas, onnx"], { stdio: "ignore" }).status === 0;
const root = path.resolve(import.meta.dirname, "../..");
const LABEL = "promote:production";
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let s: Scenario;
let pull: number;
let run: WorkflowResult;
/** The files of the run's `modelgate-report-mpg` artifact. */
let artifact: Record<string, Uint8Array>;

beforeAll(async () => {
  const files = exampleFiles(root, "sklearn");
  files[WORKFLOW] = exampleFiles(root, "workflows")["modelgate-python.yml"]!;
  s = await startScenario({ files });
  s.sim.state.addCollaborator(REPO, "maya", "write");
  // The pull request keeps the search small: 2 folds instead of 3.
  const spec = files["models/mpg.model.yml"]!;
  const smaller = spec.replace("folds: 3", "folds: 2");
  expect(smaller).not.toBe(spec);
  s.sim.state.pushCommit(REPO, {
    branch: "two-folds",
    from: "main",
    files: { "models/mpg.model.yml": smaller },
    message: "mpg: cross-validate the script's models on 2 folds",
  });
  pull = s.sim.state.openPullRequest(REPO, { head: "two-folds", title: "Two folds", user: "maya" }).number;
  if (!hasPython) return;
  run = await s.sim.runWorkflow({
    repo: REPO,
    pullNumber: pull,
    path: WORKFLOW,
    name: "modelgate",
    job: { command: process.execPath, args: [path.join(root, "dist/index.js")], timeoutMs: 150_000 },
    inputs: { "github-token": "${{ github.token }}", config: "modelgate.yml" },
  });
  await s.sim.webhooks.settle();
  const zip = run.run.artifacts.find((a) => a.name === "modelgate-report-mpg");
  artifact = zip ? unzipSync(new Uint8Array(zip.content)) : {};
}, 180_000);
afterAll(async () => {
  s?.sim.assertNoViolations();
  await s?.close();
});

const registry = () => parseRegistry(s.sim.state.readFile(REPO, "main", ".modelgate/registry.json")!);
const checks = () =>
  Object.fromEntries(s.sim.state.checkRuns(REPO, s.headSha(pull)).map((c) => [c.name, c.conclusion]));

describe("examples/sklearn through a pull request", () => {
  it("runs the training command in the Action and uploads its ONNX model", () => {
    expect(hasPython, `${PYTHON} with scikit-learn, pandas and onnx`).toBe(true);
    expect([run.conclusion, run.stderr.includes("::error")]).toEqual(["success", false]);
    const report = JSON.parse(new TextDecoder().decode(artifact["report.json"]));
    const m = report.models[0];
    expect(m.search.folds).toBe(2);
    // 2 trials x 2 folds, then the final fit of the chosen one.
    expect(m.command.runs.map((r: { run: string }) => r.run)).toEqual([
      "trial-1-fold-1",
      "trial-1-fold-2",
      "trial-2-fold-1",
      "trial-2-fold-2",
      "final",
    ]);
    const final = m.command.runs.at(-1);
    expect(final).toMatchObject({ params: { model: "gbr" }, exitCode: 0 });
    expect(artifact["models/mpg.onnx"]).toBeDefined();
    expect(final.modelSha256).toBe(sha256(artifact["models/mpg.onnx"]!));
    expect(new TextDecoder().decode(artifact["runs/mpg/final/output.log"])).toContain(
      "fitted GradientBoostingRegressor",
    );
  });

  it("comments the comparison with the ridge champion and passes the check", () => {
    expect(checks()).toEqual({ modelgate: "success" });
    const comment = appComments(s, pull).find((c) => c.body.includes("modelgate:sticky-comment"))?.body;
    expect(comment).toContain("the gate passed for 1 model");
    expect(comment).toContain("Champion: version 1 (alias `production`)");
    expect(comment).toContain("model: gbr");
    expect(comment).toMatch(/\| \*\*RMSE\*\* +\| +3\.325 \| +\d\.\d+ \|/);
  });

  it("approves the label, and on merge commits the ONNX version and deploys it", async () => {
    s.sim.state.addLabels(REPO, pull, [LABEL], "maya");
    await s.sim.webhooks.settle();
    expect(checks()).toEqual({ modelgate: "success", "modelgate/promote": "success" });
    const mergeSha = s.sim.state.mergePullRequest(REPO, pull, { by: "maya" });
    await s.sim.webhooks.settle();

    const mpg = registry().models.mpg!;
    expect(mpg.aliases).toEqual({ production: 2 });
    const v2 = mpg.versions[1]!;
    expect([v2.version, v2.pr, v2.mergeCommit]).toEqual([2, pull, mergeSha]);
    const onnx = artifact["models/mpg.onnx"]!;
    expect(v2.onnx?.sha256).toBe(sha256(onnx));
    const stored = s.sim.state.readFileBytes(REPO, "main", `.modelgate/${v2.onnx!.file}`);
    expect(stored && Buffer.compare(stored, Buffer.from(onnx))).toBe(0);
    expect(s.sim.state.readFile(REPO, "main", ".modelgate/models/mpg/v2.json")).toBe(
      new TextDecoder().decode(artifact["models/mpg.json"]),
    );
    // The registry commit sits on top of the merge.
    expect(s.sim.state.commit(REPO, "main")!.parents[0]).toBe(mergeSha);
    expect(s.sim.state.deployments(REPO).map((d) => [d.environment, d.sha])).toEqual([
      ["production", mergeSha],
    ]);
  });
});
