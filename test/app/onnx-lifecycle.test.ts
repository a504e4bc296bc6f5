/**
 * The pull-request loop with an ONNX challenger, in the GitHub simulator: the run's artifact
 * carries the .onnx beside its model file; the app comments, approves the label, and on merge
 * commits the bytes into the registry pinned by sha256; the next pull request's run reads the
 * ONNX champion through the contents API (as the Action does) and compares a built-in model
 * with it; a rollback moves back to the built-in version. Bad ONNX artifacts are refused.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { zipSync } from "fflate";
import { Octokit } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentsReader, type ActionOctokit } from "../../action/github-client.js";
import { checkArtifact } from "../../app/load-run-reports.js";
import { ArtifactError } from "../../app/read-artifact-zip.js";
import { canonicalJson } from "../../src/canonical-json.js";
import { cachedSource, loadChampion, workingTreeSource } from "../../src/model/load-model.js";
import { loadProject } from "../../src/project/load-project.js";
import { parseRegistry } from "../../src/registry/registry-document.js";
import type { Report } from "../../src/report/report-schema.js";
import { evaluateProject } from "../../src/run/evaluate-project.js";
import { ModelTable } from "../../src/serve/model-table.js";
import { githubSnapshot, type ContentsClient } from "../../serve/registry-sources.js";
import { simOctokitOptions } from "../github-sim/octokit-options.js";
import { appComments, REPO, startScenario, type Scenario } from "./scenario.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

interface Evaluated {
  report: Report;
  modelText: string;
  onnxBytes: Uint8Array | undefined;
}

/** Runs the engine on an example, its champion read from `source` (default: its own registry). */
async function evaluate(example: string, source?: Parameters<typeof loadChampion>[0]): Promise<Evaluated> {
  const project = loadProject(path.resolve("examples", example, "modelgate.yml"), {
    displayBase: process.cwd(),
  });
  const from = source ?? workingTreeSource(project.root);
  const result = await evaluateProject(project, {
    displayBase: process.cwd(),
    championOf: (model) => loadChampion(from, ".modelgate", model),
    head: { sha: null, ref: null },
  });
  const e = result.evaluations[0]!;
  return { report: result.report, modelText: e.modelText, onnxBytes: e.onnxBytes };
}

function artifact(run: Evaluated, headSha: string): Record<string, string | Buffer> {
  const report = structuredClone(run.report);
  report.head = { sha: headSha, ref: null };
  return {
    "report.json": canonicalJson(report),
    "models/mpg.json": run.modelText,
    ...(run.onnxBytes ? { "models/mpg.onnx": Buffer.from(run.onnxBytes) } : {}),
  };
}

let s: Scenario;
let onnxRun: Evaluated;
beforeAll(async () => {
  s = await startScenario();
  s.sim.state.addCollaborator(REPO, "wendy", "write");
  onnxRun = await evaluate("cars-onnx");
});
afterAll(async () => {
  s.sim.assertNoViolations();
  await s?.close();
});

const registry = () => parseRegistry(s.sim.state.readFile(REPO, "main", ".modelgate/registry.json")!);

describe("an ONNX challenger through the pull-request loop", () => {
  it("refuses a run whose .onnx is not the one pinned, and commits nothing on merge", async () => {
    const tip = s.sim.state.refSha(REPO, "main");
    const pull = s.openPull("tampered");
    await s.runWorkflow(pull, async (run) => {
      const files = artifact(onnxRun, run.headSha);
      const bytes = Buffer.from(files["models/mpg.onnx"]!);
      bytes[bytes.length - 3]! ^= 1;
      return { "modelgate-report-mpg": { ...files, "models/mpg.onnx": bytes } };
    });
    const gate = s.sim.state.checkRuns(REPO, s.headSha(pull)).find((c) => c.name === "modelgate");
    expect([gate?.conclusion, gate?.output.title]).toEqual(["failure", "1 report artifact was refused"]);
    expect(gate?.output.summary).toContain(
      "models/mpg.onnx is refused\\: its sha256 is not the one its model file",
    );
    s.sim.state.addLabels(REPO, pull, ["promote:production"], "wendy");
    await s.sim.webhooks.settle();
    const mergeSha = s.sim.state.mergePullRequest(REPO, pull, { by: "wendy" });
    await s.sim.webhooks.settle();
    // The merge is the branch's tip: no registry commit on top of it.
    expect(s.sim.state.refSha(REPO, "main")).toBe(mergeSha);
    expect(s.sim.state.commit(REPO, "main")!.parents[0]).toBe(tip);
    expect(registry().models.mpg!.versions).toHaveLength(1);
  });

  it("comments, promotes on merge, and commits the .onnx byte for byte", async () => {
    expect(onnxRun.onnxBytes).toBeDefined();
    expect(onnxRun.report.models[0]!.passed).toBe(true);
    const pull = s.openPull("gbr");
    await s.runWorkflow(pull, async (run) => ({ "modelgate-report-mpg": artifact(onnxRun, run.headSha) }));
    const gate = s.sim.state.checkRuns(REPO, s.headSha(pull)).find((c) => c.name === "modelgate");
    expect(gate?.conclusion).toBe("success");
    expect(appComments(s, pull).some((c) => c.body.includes("mpg"))).toBe(true);

    s.sim.state.addLabels(REPO, pull, ["promote:production"], "wendy");
    await s.sim.webhooks.settle();
    const promote = s.sim.state.checkRuns(REPO, s.headSha(pull)).find((c) => c.name === "modelgate/promote");
    expect(promote?.conclusion).toBe("success");
    const mergeSha = s.sim.state.mergePullRequest(REPO, pull, { by: "wendy" });
    await s.sim.webhooks.settle();

    const mpg = registry().models.mpg!;
    expect(mpg.aliases.production).toBe(2);
    const v2 = mpg.versions[1]!;
    expect(v2.mergeCommit).toBe(mergeSha);
    expect(v2.onnx?.sha256).toBe(sha256(onnxRun.onnxBytes!));
    const stored = s.sim.state.readFileBytes(REPO, "main", `.modelgate/${v2.onnx!.file}`);
    expect(stored && Buffer.compare(stored, Buffer.from(onnxRun.onnxBytes!))).toBe(0);
    expect(s.sim.state.readFile(REPO, "main", ".modelgate/models/mpg/v2.json")).toBe(onnxRun.modelText);
    expect(s.sim.state.deployments(REPO).map((d) => [d.environment, d.sha])).toEqual([
      ["production", mergeSha],
    ]);
  });

  it("compares the next pull request's built-in challenger with the ONNX champion read through the API", async () => {
    const octokit = new Octokit(simOctokitOptions(s.sim, { auth: s.sim.state.userToken("wendy") }));
    const reader = contentsReader(octokit as unknown as ActionOctokit, { owner: "acme", repo: "models" });
    const base = s.sim.state.refSha(REPO, "main")!;
    const source = cachedSource({
      describe: `the base commit ${base.slice(0, 7)}`,
      read: (p) => reader.fileAt(base, p),
      readBytes: (p) => reader.bytesAt!(base, p),
    });
    const ridge = await evaluate("cars", source);
    const m = ridge.report.models[0]!;
    expect(m.champion).toMatchObject({ version: 2, comparable: true });
    // The ONNX champion scores exactly as it did as the challenger, on the same test rows.
    expect(m.champion!.metrics!.rmse!.value).toBe(onnxRun.report.models[0]!.challenger.metrics.rmse!.value);
    expect(m.differences.rmse!.ci!.lower).toBeGreaterThan(0);
  });

  it("serves the ONNX production version read through the contents API, refusing altered bytes", async () => {
    const octokit = new Octokit(simOctokitOptions(s.sim, { auth: s.sim.state.userToken("wendy") }));
    const snapshot = githubSnapshot(
      octokit as unknown as ContentsClient,
      { owner: "acme", repo: "models" },
      "main",
    );
    const project = loadProject(path.resolve("examples/cars-onnx/modelgate.yml"));
    const target = { model: "mpg", alias: "production", dataSpec: project.models[0]!.data };
    const table = new ModelTable([target], ".modelgate");
    expect(await table.refresh(await snapshot())).toMatchObject([
      { kind: "loaded", model: "mpg", version: 2 },
    ]);
    // The model's own record: the metrics it was promoted with, which only the ONNX run has.
    const served = table.get("mpg")!.served;
    expect(served.metrics.rmse).toBe(onnxRun.report.models[0]!.challenger.metrics.rmse!.value);

    // The same registry with the .onnx altered by one byte: the version is refused.
    const v2 = registry().models.mpg!.versions[1]!;
    const file = `.modelgate/${v2.onnx!.file}`;
    const original = s.sim.state.readFileBytes(REPO, "main", file)!;
    const altered = Buffer.from(original);
    altered[altered.length - 3]! ^= 1;
    s.sim.state.pushCommit(REPO, { branch: "altered", files: { [file]: altered } });
    const other = new ModelTable([target], ".modelgate");
    const refused = await other.refresh(
      await githubSnapshot(
        octokit as unknown as ContentsClient,
        { owner: "acme", repo: "models" },
        "altered",
      )(),
    );
    expect(refused).toMatchObject([{ kind: "failed", model: "mpg", version: 2 }]);
    expect((refused[0] as { reason: string }).reason).toMatch(/sha256/);
  });

  it("rolls back from the ONNX version by command", async () => {
    const issue = s.sim.state.createIssue(REPO, { title: "back to ridge", user: "wendy" }).number;
    s.sim.state.addComment(REPO, issue, "/modelgate rollback mpg 1", "wendy");
    await s.sim.webhooks.settle();
    expect(registry().models.mpg!.aliases.production).toBe(1);
  });
});

describe("ONNX bytes the app refuses", () => {
  const head = "a".repeat(40);
  const zipOf = (files: Record<string, string | Uint8Array>) =>
    zipSync(
      Object.fromEntries(
        Object.entries(files).map(([k, v]) => [k, typeof v === "string" ? new TextEncoder().encode(v) : v]),
      ),
    );
  const refusal = (
    files: Record<string, string | Uint8Array>,
    limits?: Parameters<typeof checkArtifact>[3],
  ) => {
    try {
      checkArtifact("mpg", zipOf(files), head, limits);
    } catch (e) {
      if (e instanceof ArtifactError) return e.message;
      throw e;
    }
    return null;
  };

  it("accepts the run's artifact as it is", () => {
    expect(refusal(artifact(onnxRun, head))).toBeNull();
  });

  it("refuses a model over the cap, naming it", () => {
    const message = refusal(artifact(onnxRun, head), {
      maxArtifacts: 100,
      maxZipBytes: 25 << 20,
      maxEntries: 1000,
      maxReportBytes: 5 << 20,
      maxModelBytes: 20 << 20,
      maxOnnxBytes: 1000,
    });
    expect(message).toMatch(/over 1000 bytes/);
    expect(message).toMatch(/app\.maxOnnxBytes/);
  });

  it("refuses bytes whose sha256 is not the one pinned", () => {
    const files = artifact(onnxRun, head);
    const bytes = Buffer.from(files["models/mpg.onnx"]!);
    bytes[bytes.length - 3]! ^= 1;
    expect(refusal({ ...files, "models/mpg.onnx": bytes })).toMatch(/sha256/);
  });

  it("refuses a file that is not ONNX even when everything pins it", () => {
    const junk = Buffer.from("this is not an ONNX model at all, only text".repeat(10));
    const model = JSON.parse(onnxRun.modelText);
    model.onnx = { ...model.onnx, sha256: sha256(junk), bytes: junk.length };
    const modelText = canonicalJson(model);
    const report = structuredClone(onnxRun.report);
    report.head = { sha: head, ref: null };
    report.models[0]!.challenger.modelSha256 = sha256(Buffer.from(modelText));
    expect(
      refusal({
        "report.json": canonicalJson(report),
        "models/mpg.json": modelText,
        "models/mpg.onnx": junk,
      }),
    ).toMatch(/does not parse as an ONNX model/);
  });

  it("refuses a model file that pins an ONNX model the artifact lacks", () => {
    const files = artifact(onnxRun, head);
    delete files["models/mpg.onnx"];
    expect(refusal(files)).toMatch(/holds no models\/mpg\.onnx/);
  });
});
