/**
 * Following the registry through GitHub's contents API (the simulator): under a steady load of
 * concurrent requests the alias moves by a registry commit; the server switches, every request
 * succeeds, each names the version that answered it, none mixes versions; the deployment gets
 * `in_progress` then `success`. Versions that fail to verify are refused, the old one serving.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Octokit } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/canonical-json.js";
import { parseRegistry } from "../../src/registry/registry-document.js";
import { promote } from "../../src/registry/registry-transitions.js";
import type { BatchScorer } from "../../src/model/fitted-model.js";
import { loadRegistryModel } from "../../src/serve/model-table.js";
import { parseModelFile, serialiseModel } from "../../src/model/model-file.js";
import type { JsonLog } from "../../serve/json-log.js";
import { openServer } from "../../serve/open-server.js";
import type { RunningServer } from "../../serve/start-server.js";
import { deployVersion } from "../../app/deploy-version.js";
import type { GitHubClient } from "../../app/github-client.js";
import { startGitHubSim, type GitHubSim } from "../github-sim/index.js";
import { simOctokitOptions } from "../github-sim/octokit-options.js";
import { carsFiles } from "../helpers/cars-repo.js";

const cars = path.resolve(import.meta.dirname, "../../examples/cars");
const v1Text = readFileSync(path.join(cars, ".modelgate/models/mpg/v1.json"), "utf8");
const v1 = parseModelFile(v1Text, "v1.json");

let sim: GitHubSim;
let repoCount = 0;
const events: Record<string, unknown>[] = [];
const log: JsonLog = { event: (e) => void events.push(e), request() {} };

beforeAll(async () => {
  sim = await startGitHubSim();
});
afterAll(async () => {
  await sim.close();
});

function client(): Octokit {
  return new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme") }));
}

/** A repository holding the cars example (registry with mpg v1 under production). */
function newRepo() {
  const name = `cars-${++repoCount}`;
  sim.state.createRepo({ owner: "acme", name, files: carsFiles() });
  return { owner: "acme", repo: name };
}

/** The files of a registry commit promoting `modelText` to production; `tamper` replaces the model's bytes after hashing. */
function promotion(
  repo: { owner: string; repo: string },
  modelText: string,
  tamper?: string,
  rehash = false,
): Record<string, string> {
  const registry = parseRegistry(
    sim.state.readFile(`${repo.owner}/${repo.repo}`, "main", ".modelgate/registry.json")!,
    "registry.json",
  );
  const change = promote(registry, {
    model: "mpg",
    alias: "production",
    modelFile: modelText,
    headSha: `${String(++repoCount).padStart(2, "0")}${"ab".repeat(19)}`,
    pr: null,
    mergeCommit: null,
    specHash: v1.specHash,
    dataHash: v1.dataHash,
    metrics: { rmse: 3 },
    actor: "octocat",
    at: "2026-12-01T00:00:00.000Z",
    registryDir: ".modelgate",
  });
  const files = Object.fromEntries(change.writes.map((w) => [w.path, w.content]));
  if (tamper !== undefined)
    for (const p of Object.keys(files)) if (p.endsWith(".json") && p.includes("/models/")) files[p] = tamper;
  // The registry records the tampered bytes' hash: they pass the sha256 check and fail later.
  if (tamper !== undefined && rehash)
    files[".modelgate/registry.json"] = files[".modelgate/registry.json"]!.replace(
      sha256Hex(modelText),
      sha256Hex(tamper),
    );
  return files;
}

/** A variant of v1 whose predictions are `shift` higher. */
function shifted(shift: number): string {
  return serialiseModel({ ...v1, intercept: v1.intercept! + shift }).text;
}

async function serve(
  repo: { owner: string; repo: string },
  pollMs: number,
  throwOn?: number,
): Promise<RunningServer> {
  return openServer({
    configFile: path.join(cars, "modelgate.yml"),
    alias: "production",
    host: "127.0.0.1",
    port: 0,
    pollMs,
    maxBodyBytes: 1_000_000,
    maxRows: 1000,
    batchWaitMs: 0,
    batchMaxRows: 1024,
    logSample: 0,
    logPayloads: false,
    drainMs: 2000,
    log,
    github: { client: client(), ...repo, branch: "main" },
    deployments: { url: "https://models.example.com" },
    loader: async (v) => {
      const fitted = await loadRegistryModel(v);
      if (v.version !== throwOn) return fitted;
      return {
        ...fitted,
        bind(columns) {
          const scorer = fitted.bind(columns) as BatchScorer;
          return {
            ...scorer,
            scoreBatch() {
              throw new Error("the runtime failed");
            },
          };
        },
      };
    },
  });
}

const row = { Weight_in_lbs: 3000, Horsepower: 100, Year: "1976-01-01" };

async function infer(url: string) {
  const started = performance.now();
  const res = await fetch(`${url}/v2/models/mpg/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      inputs: Object.entries(row).map(([name, v]) => ({
        name,
        datatype: name === "Year" ? "BYTES" : name === "Weight_in_lbs" ? "INT64" : "FP64",
        shape: [2],
        data: [v, v],
      })),
    }),
  });
  const body = (await res.json()) as { model_version: string; outputs: { data: number[] }[] };
  return {
    status: res.status,
    started,
    ended: performance.now(),
    header: res.headers.get("x-model-version"),
    version: body.model_version,
    data: body.outputs?.[0]?.data ?? [],
  };
}

async function deploy(repo: { owner: string; repo: string }, version: number): Promise<number> {
  const { data } = await client().rest.repos.createDeployment({
    ...repo,
    ref: "main",
    environment: "production",
    auto_merge: false,
    required_contexts: [],
    payload: {
      tool: "modelgate",
      trigger: `test:${version}`,
      alias: "production",
      models: [{ model: "mpg", version }],
    },
  });
  return (data as { id: number }).id;
}

function statuses(repo: { owner: string; repo: string }, id: number) {
  return sim.state
    .deployments(`${repo.owner}/${repo.repo}`)
    .find((d) => d.id === id)!
    .statuses.map((s) => ({ state: s.state, description: s.description, url: s.environmentUrl }));
}

describe("hot reload", () => {
  it("switches versions under load: every request succeeds, each names its version, none mixes", async () => {
    const repo = newRepo();
    const server = await serve(repo, 20);
    const results: Awaited<ReturnType<typeof infer>>[] = [];
    let stop = false;
    const workers = Array.from({ length: 8 }, async () => {
      while (!stop) results.push(await infer(server.url));
    });
    await new Promise((r) => setTimeout(r, 150));
    const id = await deploy(repo, 2);
    const movedAt = performance.now();
    sim.state.pushCommit(`${repo.owner}/${repo.repo}`, {
      branch: "main",
      files: promotion(repo, shifted(1)),
      message: "promote mpg v2",
    });
    // Until v2 has answered for a while.
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      const firstV2 = results.find((r) => r.version === "2");
      const posted = statuses(repo, id).some((st) => st.state === "success");
      if (firstV2 && posted && performance.now() - firstV2.ended > 150) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    stop = true;
    await Promise.all(workers);
    await server.drain(2000);

    expect(results.length).toBeGreaterThan(50);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    const byVersion = new Map<string, Set<string>>();
    for (const r of results) {
      expect(r.header).toBe(r.version);
      // Both rows of a request come from one version.
      expect(r.data[0]).toBe(r.data[1]);
      const seen = byVersion.get(r.version) ?? new Set();
      seen.add(String(r.data[0]));
      byVersion.set(r.version, seen);
    }
    expect([...byVersion.keys()].sort()).toEqual(["1", "2"]);
    // One prediction per version, v2's exactly one higher: no response mixes the two models.
    expect(byVersion.get("1")!.size).toBe(1);
    expect(byVersion.get("2")!.size).toBe(1);
    const p1 = Number([...byVersion.get("1")!][0]);
    const p2 = Number([...byVersion.get("2")!][0]);
    expect(p2 - p1).toBeCloseTo(1, 9);
    // No v1 answer for a request that started after v2 first answered.
    const firstV2End = Math.min(...results.filter((r) => r.version === "2").map((r) => r.ended));
    expect(results.filter((r) => r.started > firstV2End && r.version === "1")).toEqual([]);
    expect(firstV2End).toBeGreaterThan(movedAt);
    expect(events.filter((e) => e.error)).toEqual([]);
    expect(statuses(repo, id)).toEqual([
      { state: "in_progress", description: "loading mpg v2", url: expect.any(String) },
      { state: "success", description: "mpg v2 is serving", url: "https://models.example.com" },
    ]);
    sim.assertNoViolations();
  });
});

describe("refused versions: the old one keeps serving", () => {
  let repo: { owner: string; repo: string };
  let server: RunningServer;
  beforeAll(async () => {
    repo = newRepo();
    server = await serve(repo, 0, 3);
  });
  afterAll(async () => {
    await server.drain(1000);
  });

  async function moveAndRefresh(files: Record<string, string>, version: number) {
    const id = await deploy(repo, version);
    sim.state.pushCommit(`${repo.owner}/${repo.repo}`, {
      branch: "main",
      files,
      message: `promote mpg v${version}`,
    });
    const followed = await server.refresh();
    return { id, followed };
  }

  it("a sha256 mismatch", async () => {
    const { id, followed } = await moveAndRefresh(promotion(repo, shifted(1), shifted(5)), 2);
    expect(followed).toEqual([
      expect.objectContaining({
        kind: "failed",
        version: 2,
        reason: expect.stringMatching(/sha256 mismatch/),
      }),
    ]);
    expect((await infer(server.url)).version).toBe("1");
    expect(statuses(repo, id).map((s) => s.state)).toEqual(["in_progress", "failure"]);
  });

  it("a model that throws on the canary row", async () => {
    const { followed } = await moveAndRefresh(promotion(repo, shifted(2)), 3);
    expect(followed).toEqual([
      expect.objectContaining({
        kind: "failed",
        version: 3,
        reason: "the model throws on the canary row: the runtime failed",
      }),
    ]);
    expect((await infer(server.url)).version).toBe("1");
  });

  it("a corrupt model file", async () => {
    const { followed } = await moveAndRefresh(
      promotion(repo, shifted(3), '{"format": "modelgate.model/1", "model": "mpg"', true),
      4,
    );
    expect(followed).toEqual([
      expect.objectContaining({
        kind: "failed",
        version: 4,
        reason: expect.stringMatching(/not valid JSON/),
      }),
    ]);
    const after = await infer(server.url);
    expect(after).toMatchObject({ status: 200, version: "1" });
    // A refused version is not tried again at every poll.
    expect(await server.refresh()).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/modelgate_serve_model_load_failures_total\{model="mpg"\} 3/);
    sim.assertNoViolations();
  });
});

describe("deployments created after the server moved (app.server set)", () => {
  it("are settled at the next poll: success for the version served, failure for one refused", async () => {
    const repo = newRepo();
    const full = `${repo.owner}/${repo.repo}`;
    const server = await serve(repo, 0, 3);
    const appDeploys = (version: number, served = true) =>
      deployVersion(client() as unknown as GitHubClient, repo, {
        sha: sim.state.commit(full, "main")!.sha,
        environment: "production",
        description: `modelgate: mpg v${version} to production`,
        served,
        serverUrl: "https://serve.example.com",
        payload: {
          tool: "modelgate",
          trigger: `pr:${version}@${"ab".repeat(20)}`,
          alias: "production",
          models: [{ model: "mpg", version }],
          registryCommit: null,
          pr: version,
        },
      });
    try {
      // The registry commit lands and the server loads v2 before the App creates the deployment.
      sim.state.pushCommit(full, {
        branch: "main",
        files: promotion(repo, shifted(1)),
        message: "promote v2",
      });
      expect(await server.refresh()).toEqual([expect.objectContaining({ kind: "loaded", version: 2 })]);
      const v2 = await appDeploys(2);
      expect(statuses(repo, v2.id).map((s) => [s.state, s.description])).toEqual([
        ["queued", "modelgate: mpg v2 to production; waiting for modelgate serve"],
      ]);
      expect(statuses(repo, v2.id)[0]!.url).toBe("https://serve.example.com");
      await server.refresh();
      expect(statuses(repo, v2.id).map((s) => s.state)).toEqual(["queued", "success"]);
      expect(statuses(repo, v2.id)[1]!.url).toBe("https://models.example.com");

      // v3 throws on the canary: refused before its deployment exists, then marked failed.
      sim.state.pushCommit(full, {
        branch: "main",
        files: promotion(repo, shifted(2)),
        message: "promote v3",
      });
      expect(await server.refresh()).toEqual([expect.objectContaining({ kind: "failed", version: 3 })]);
      const v3 = await appDeploys(3);
      await server.refresh();
      expect(statuses(repo, v3.id).map((s) => s.state)).toEqual(["queued", "failure"]);
      expect(statuses(repo, v3.id)[1]!.description).toMatch(
        /^mpg v3 refused: the model throws on the canary/,
      );

      // Nothing twice: another poll, a repeated delivery of the App's merge.
      await server.refresh();
      expect((await appDeploys(3)).statusCreated).toBe(false);
      expect(statuses(repo, v2.id)).toHaveLength(2);
      expect(statuses(repo, v3.id)).toHaveLength(2);
      expect((await infer(server.url)).version).toBe("2");
    } finally {
      await server.drain(1000);
    }
  });

  it("without a server configured, the App's deployment is a success that says so", async () => {
    const repo = newRepo();
    const { id } = await deployVersion(client() as unknown as GitHubClient, repo, {
      sha: sim.state.commit(`${repo.owner}/${repo.repo}`, "main")!.sha,
      environment: "production",
      description: "modelgate: mpg v1 to production",
      payload: {
        tool: "modelgate",
        trigger: "pr:1@x",
        alias: "production",
        models: [{ model: "mpg", version: 1 }],
        registryCommit: null,
        pr: 1,
      },
    });
    expect(statuses(repo, id).map((s) => [s.state, s.description])).toEqual([
      ["success", "modelgate: mpg v1 to production (registry only: no server configured)"],
    ]);
    sim.assertNoViolations();
  });
});
