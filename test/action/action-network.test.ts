/**
 * The bundled Action (dist/index.js, a child process) on the networks self-hosted runners have:
 * behind a forwarding proxy (HTTPS_PROXY with basic auth over TLS; HTTP_PROXY over plain HTTP),
 * with NO_PROXY, behind a proxy that refuses, and on GitHub Enterprise Server's `/api/v3`.
 *
 * The simulator is reached by the name github.test through two fronts: the proxy routes
 * github.test to one, a direct connection (the child resolves *.test to loopback) reaches the
 * other. So each front's log says which requests went through the proxy and which did not.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { strFromU8, unzipSync } from "fflate";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reportSchema } from "../../src/report/report-schema.js";
import { DRIFT_ISSUE_LABEL } from "../../src/monitor/plan-drift-issue.js";
import { startFrontDoor, type FrontDoor } from "../github-sim/front-door.js";
import { startGitHubSim, type GitHubSim } from "../github-sim/index.js";
import { actionBundle, carsFiles } from "../helpers/cars-repo.js";
import { bundled, removeJobFolders, scheduledJob } from "../monitor/monitor-job.js";
import { startForwardingProxy } from "./forwarding-proxy.js";

const here = import.meta.dirname;
const certFile = path.join(here, "fixtures/github-test.cert.pem");
const tls = {
  cert: readFileSync(certFile),
  key: readFileSync(path.join(here, "fixtures/github-test.key.pem")),
};
const preload = pathToFileURL(path.join(here, "resolve-test-hosts.mjs")).href;
const exampleDir = path.resolve(here, "../../examples/cars");

let sim: GitHubSim;
let simApiUrl: string;
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  sim = await startGitHubSim();
  simApiUrl = sim.state.apiUrl;
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  sim.state.apiUrl = simApiUrl;
  removeJobFolders();
});
afterAll(async () => {
  sim.assertNoViolations();
  await sim.close();
});

const job = { command: process.execPath, args: [actionBundle], timeoutMs: 120_000 };
const inputs = { "github-token": "${{ github.token }}", config: "modelgate.yml" };
let repoCount = 0;

function openPullRequest(): { repo: string; number: number } {
  const name = `net-${++repoCount}`;
  const repo = sim.state.createRepo({ owner: "acme", name, files: carsFiles() });
  sim.state.pushCommit(repo, {
    branch: "feature",
    from: "main",
    files: { "README.md": "x\n" },
    message: "x",
  });
  return {
    repo: `acme/${name}`,
    number: sim.state.openPullRequest(repo, { head: "feature", title: "x" }).number,
  };
}

/**
 * github.test served by two fronts (TLS or not), the simulator's own links made with that name,
 * and a proxy routing github.test to the `proxied` front.
 */
async function network(scheme: "https" | "http", credentials?: { user: string; password: string }) {
  const direct = await startFrontDoor(simApiUrl, scheme === "https" ? { tls } : {});
  closers.push(direct.close);
  const proxied = await startFrontDoor(simApiUrl, scheme === "https" ? { tls } : {});
  closers.push(proxied.close);
  const host = `github.test:${direct.port}`;
  const proxy = await startForwardingProxy({
    routes: { [host]: { host: "127.0.0.1", port: proxied.port } },
    ...(credentials ? { credentials } : {}),
  });
  closers.push(proxy.close);
  sim.state.apiUrl = `${scheme}://${host}`;
  return { direct, proxied, proxy, apiUrl: sim.state.apiUrl, host };
}

/** The child's environment: the proxy variables given (lower-case spellings inherited are cleared). */
function childEnv(vars: Record<string, string>): Record<string, string> {
  return {
    https_proxy: "",
    http_proxy: "",
    no_proxy: "",
    NODE_OPTIONS: `--import=${preload}`,
    NODE_EXTRA_CA_CERTS: certFile,
    ...vars,
  };
}

const operationsSince = (before: number) => sim.exchanges.slice(before).map((e) => e.operationId);

function expectAllThrough(front: FrontDoor, other: FrontDoor, before: number) {
  const exchanges = sim.exchanges.slice(before);
  expect(exchanges.length).toBeGreaterThan(0);
  expect(other.requests).toEqual([]);
  expect(front.requests).toHaveLength(exchanges.length);
}

describe("the Action behind a forwarding proxy", () => {
  it("sends every request, REST and artifact, through HTTPS_PROXY with basic auth", async () => {
    const net = await network("https", { user: "runner", password: "p@ss:word" });
    const pr = openPullRequest();
    const before = sim.exchanges.length;
    const result = await sim.runWorkflow({
      repo: pr.repo,
      pullNumber: pr.number,
      job,
      inputs,
      env: childEnv({ HTTPS_PROXY: net.proxy.url }),
      keepFiles: true,
    });
    // The toolkit's http-client tunnels through a proxy with the `tunnel` package, which builds
    // the Proxy-Authorization header with the deprecated Buffer(): Node warns, nothing else.
    expect(result.stderr.replace(/^.*(DEP0005|--trace-deprecation).*\n/gm, "")).toBe("");
    expect(result.conclusion).toBe("success");
    expect(result.env.GITHUB_API_URL).toBe(`https://${net.host}`);
    // The champion was read (REST) and the report uploaded (artifact service and blob storage).
    const artifact = result.run.artifacts.find((a) => a.name === "modelgate-report-mpg")!;
    const report = reportSchema.parse(
      JSON.parse(strFromU8(unzipSync(new Uint8Array(artifact.content))["report.json"]!)),
    );
    expect(report.models[0]!.champion).toMatchObject({ version: 1, comparable: true });
    const operations = operationsSince(before);
    for (const op of ["repos/get-content", "twirp/CreateArtifact", "blob", "twirp/FinalizeArtifact"])
      expect(operations).toContain(op);
    expectAllThrough(net.proxied, net.direct, before);
    expect(net.proxy.uses.length).toBeGreaterThan(0);
    expect(net.proxy.uses.every((u) => u.kind === "connect" && u.authorized && u.target === net.host)).toBe(
      true,
    );
    // Issue 29 item 6: one step writes its `models` output once.
    const outputFile = readFileSync(result.env.GITHUB_OUTPUT!, "utf8");
    expect(outputFile.match(/^models<</gm)).toHaveLength(1);
  });

  it("sends nothing through the proxy when NO_PROXY names GitHub's host", async () => {
    const net = await network("https");
    const pr = openPullRequest();
    const before = sim.exchanges.length;
    const result = await sim.runWorkflow({
      repo: pr.repo,
      pullNumber: pr.number,
      job,
      inputs,
      env: childEnv({ HTTPS_PROXY: net.proxy.url, NO_PROXY: "localhost,github.test" }),
    });
    expect(result.conclusion).toBe("success");
    expect(result.run.artifacts.map((a) => a.name)).toEqual(["modelgate-report-mpg"]);
    expect(operationsSince(before)).toContain("repos/get-content");
    expect(operationsSince(before)).toContain("blob");
    expectAllThrough(net.direct, net.proxied, before);
    expect(net.proxy.uses).toEqual([]);
  });

  it("runs monitor mode through HTTP_PROXY (tunnels and plain forwarding): issue and artifact", async () => {
    const net = await network("http");
    const { name, monitorJob } = driftedMonitorJob({
      GITHUB_API_URL: net.apiUrl,
      ACTIONS_RESULTS_URL: `${net.apiUrl}/`,
      ...childEnv({ HTTP_PROXY: net.proxy.url }),
    });
    const before = sim.exchanges.length;
    const result = await bundled(monitorJob);
    expect(result.failure).toMatch(/^drift alert/);
    const issues = sim.state.issues(`acme/${name}`).filter((i) => i.labels.includes(DRIFT_ISSUE_LABEL));
    expect(issues).toHaveLength(1);
    expect(result.outputs["issues"]).toBe(`[${issues[0]!.number}]`);
    const operations = operationsSince(before);
    for (const op of ["issues/list-for-repo", "issues/create", "twirp/CreateArtifact", "blob"])
      expect(operations).toContain(op);
    expectAllThrough(net.proxied, net.direct, before);
    const kinds = new Set(net.proxy.uses.map((u) => u.kind));
    expect(kinds).toEqual(new Set(["connect", "forward"]));
    expect(readFileSync(monitorJob.env.GITHUB_OUTPUT!, "utf8").match(/^models<</gm)).toHaveLength(1);
  });

  it("says that the proxy refused the connection", async () => {
    const net = await network("https");
    const closed = await closedPort();
    const pr = openPullRequest();
    const result = await sim.runWorkflow({
      repo: pr.repo,
      pullNumber: pr.number,
      job,
      inputs,
      env: childEnv({ HTTPS_PROXY: `http://127.0.0.1:${closed}` }),
    });
    expect(result.conclusion).toBe("failure");
    expect(result.stdout).toContain(
      `::error::the proxy http://127.0.0.1:${closed} (HTTPS_PROXY) refused the connection to https://${net.host} (ECONNREFUSED): check that the proxy runs, or name the host in NO_PROXY (while reading .modelgate/`,
    );
    expect(net.direct.requests).toEqual([]);
  }, 60_000);

  it("names the permission when the token may not read the registry", async () => {
    const pr = openPullRequest();
    const result = await sim.runWorkflow({
      repo: pr.repo,
      pullNumber: pr.number,
      job,
      inputs,
      permissions: { metadata: "read" },
    });
    expect(result.conclusion).toBe("failure");
    expect(result.stdout).toMatch(
      /::error::GitHub refused reading \.modelgate\/\S+ at commit [0-9a-f]{40} \(403: .+\): the job's token needs `permissions: contents: read` in the workflow/,
    );
  });
});

describe("the Action when the base commit lacks a registry file", () => {
  it("names the file and the commit", async () => {
    const files = carsFiles();
    delete files[".modelgate/models/mpg/v1.json"];
    const name = `net-${++repoCount}`;
    const repo = sim.state.createRepo({ owner: "acme", name, files });
    sim.state.pushCommit(repo, {
      branch: "feature",
      from: "main",
      files: { "README.md": "x\n" },
      message: "x",
    });
    const pr = sim.state.openPullRequest(repo, { head: "feature", title: "x" });
    const result = await sim.runWorkflow({ repo: `acme/${name}`, pullNumber: pr.number, job, inputs });
    expect(result.conclusion).toBe("failure");
    expect(result.stdout).toMatch(
      /::error title=modelgate,file=\.modelgate\/registry\.json::mpg v1 \(alias production\) names \.modelgate\/models\/mpg\/v1\.json, which is missing in the base commit [0-9a-f]{7}/,
    );
  });
});

describe("the Action on GitHub Enterprise Server (GITHUB_API_URL http://HOST/api/v3)", () => {
  async function enterprise() {
    const front = await startFrontDoor(simApiUrl, { pathPrefix: "/api/v3" });
    closers.push(front.close);
    sim.state.apiUrl = `${front.url}/api/v3`;
    return { front, apiUrl: sim.state.apiUrl, serverUrl: front.url };
  }

  it("evaluates a pull request against the base commit's champion", async () => {
    const ghes = await enterprise();
    const pr = openPullRequest();
    const before = sim.exchanges.length;
    const result = await sim.runWorkflow({
      repo: pr.repo,
      pullNumber: pr.number,
      job,
      inputs,
      env: { GITHUB_SERVER_URL: ghes.serverUrl },
    });
    expect(result.env.GITHUB_API_URL).toBe(`${ghes.serverUrl}/api/v3`);
    expect(result.conclusion).toBe("success");
    expect(result.outputs["passed"]).toBe("true");
    expect(operationsSince(before)).toContain("repos/get-content");
    expect(ghes.front.requests.length).toBe(sim.exchanges.length - before);
    expect(ghes.front.requests.every((r) => r.startsWith("GET /api/v3/repos/"))).toBe(true);
    // The toolkit's artifact service is github.com's only: said once, not a failure.
    expect(
      result.stdout.match(/::warning::Artifacts are not uploaded on GitHub Enterprise Server/g),
    ).toHaveLength(1);
    expect(result.run.artifacts).toEqual([]);
  });

  it("opens the drift issue in monitor mode", async () => {
    const ghes = await enterprise();
    const { name, monitorJob } = driftedMonitorJob({
      GITHUB_API_URL: ghes.apiUrl,
      GITHUB_SERVER_URL: ghes.serverUrl,
      ACTIONS_RESULTS_URL: `${ghes.serverUrl}/`,
    });
    const result = await bundled(monitorJob);
    expect(result.failure).toMatch(/^drift alert/);
    const issues = sim.state.issues(`acme/${name}`).filter((i) => i.labels.includes(DRIFT_ISSUE_LABEL));
    expect(issues).toHaveLength(1);
    expect(ghes.front.requests).toContain(`POST /api/v3/repos/acme/${name}/issues`);
    expect(ghes.front.requests.every((r) => / \/api\/v3\//.test(r))).toBe(true);
  });
});

/** A scheduled monitor run on a new repository with drifted data, its runner variables overridden by `env`. */
function driftedMonitorJob(env: Record<string, string>) {
  const name = `net-monitor-${++repoCount}`;
  sim.state.createRepo({ owner: "acme", name, files: carsFiles() });
  const monitorJob = scheduledJob(sim, `acme/${name}`, {
    exampleDir,
    extraFiles: { "incoming/new.json": heavierCars() },
    inputs: { data: "incoming/new.json" },
  });
  Object.assign(monitorJob.env, env);
  return { name, monitorJob };
}

/** The cars data with every car 30% heavier: a drift alert on Weight_in_lbs. */
function heavierCars(): string {
  const cars = JSON.parse(readFileSync(path.join(exampleDir, "data/cars.json"), "utf8")) as Record<
    string,
    unknown
  >[];
  return JSON.stringify(
    cars.map((c) => ({ ...c, Weight_in_lbs: Math.round(Number(c["Weight_in_lbs"]) * 1.3) })),
  );
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
