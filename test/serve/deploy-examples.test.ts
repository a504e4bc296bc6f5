/**
 * The container and Kubernetes examples of `modelgate serve` (examples/serving/), checked without a
 * Docker engine or a cluster: the files are parsed, what they copy exists, every flag they pass is
 * one `modelgate serve` knows, ports and probes agree, and the exact commands they run are run
 * against the bundled command line: the Dockerfile's entry point with its health check, and the
 * manifest's arguments following the registry through the GitHub simulator, each probed and
 * stopped by SIGTERM (exit 0).
 */
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { commonOptions } from "../../cli/args.js";
import { serveCommand } from "../../cli/commands/serve.js";
import { parseModelFile } from "../../src/model/model-file.js";
import { parseRegistry } from "../../src/registry/registry-document.js";
import { promote } from "../../src/registry/registry-transitions.js";
import { startGitHubSim, type GitHubSim } from "../github-sim/index.js";
import { carsFiles } from "../helpers/cars-repo.js";

const root = path.resolve(import.meta.dirname, "../..");
const examples = path.join(root, "examples/serving");
const cars = path.join(root, "examples/cars");
let dir: string;
let sim: GitHubSim;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "modelgate-deploy-"));
  execFileSync(process.execPath, [path.join(root, "scripts/bundle-cli.mjs"), dir], { stdio: "pipe" });
  writeFileSync(
    path.join(dir, "entry.js"),
    'import { main } from "./main.js";\nprocess.exitCode = await main(process.argv.slice(2));\n',
  );
  sim = await startGitHubSim();
}, 120_000);
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): Instruction[] {
  const text = readFileSync(path.join(examples, "Dockerfile"), "utf8").replace(/\\\n\s*/g, " ");
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

/** Every `--flag` in `args` is an option of `modelgate serve`. */
function unknownFlags(args: readonly string[]): string[] {
  const known = [...Object.keys(commonOptions), ...Object.keys(serveCommand.definition.options)];
  return args.filter((a) => a.startsWith("--") && !known.includes(a.slice(2)));
}

function valueOf(args: readonly string[], flag: string): string | undefined {
  const k = args.indexOf(flag);
  return k >= 0 ? args[k + 1] : undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Runs the bundled `modelgate` with `args`; resolves once it serves. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [path.join(dir, "entry.js"), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), 30_000);
    const check = () => {
      if (/serving on/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr.on("data", check);
    void exited.then(() => reject(new Error(`the server exited: ${stderr}`)));
  });
  return {
    stdout: () => stdout,
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

const oneRow = {
  inputs: [
    { name: "Weight_in_lbs", datatype: "INT64", shape: [1], data: [3504] },
    { name: "Horsepower", datatype: "FP64", shape: [1], data: [130] },
    { name: "Year", datatype: "BYTES", shape: [1], data: ["1970-01-01"] },
  ],
};

describe("examples/serving/Dockerfile", () => {
  const instructions = dockerfile();
  const of = (op: string) => instructions.filter((i) => i.op === op);
  const json = (op: string) => JSON.parse(of(op).at(-1)!.args) as string[];

  it("builds on Node's slim image and runs as a user that is not root", () => {
    const images = of("FROM").map((i) => i.args.split(" ")[0]!);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^node:\d+-slim$/);
    const lastFrom = instructions.map((i) => i.op).lastIndexOf("FROM");
    const users = instructions.slice(lastFrom).filter((i) => i.op === "USER");
    expect(users.length).toBe(1);
    expect(users[0]!.args).not.toMatch(/^(root|0)(:|$)/);
    // What the final stage copies from the build is what a build makes (or the repository has).
    for (const copy of of("COPY").filter((i) => i.args.includes("--from=build"))) {
      const source = copy.args.split(" ").filter((a) => !a.startsWith("--"))[0]!;
      expect(existsSync(path.join(root, source.replace(/^\/modelgate\//, ""))), source).toBe(true);
    }
  });

  it("runs `modelgate serve` with flags it knows, on the port it exposes and checks", async () => {
    const entry = json("ENTRYPOINT");
    const cmd = json("CMD");
    expect(entry.slice(0, 3)).toEqual(["node", "/modelgate/bin/modelgate.js", "serve"]);
    expect(existsSync(path.join(root, "bin/modelgate.js"))).toBe(true);
    expect(unknownFlags(cmd)).toEqual([]);
    const port = valueOf(cmd, "--port");
    expect(of("EXPOSE").map((i) => i.args)).toEqual([port]);
    const health = of("HEALTHCHECK")[0]!.args;
    expect(health).toContain(`http://127.0.0.1:${port}/v2/health/ready`);
    const script = (JSON.parse(health.slice(health.indexOf("["))) as string[]).at(-1)!;

    // The entry point's exact arguments, the example mounted where the image copies it.
    const free = await freePort();
    const args = cmd.map((a) => (a === port ? String(free) : a.replace(/^\/repo\//, `${cars}/`)));
    const server = await serve(["serve", ...args, "--host", "127.0.0.1", "--log-sample", "0"]);
    try {
      const healthy = spawnSync(process.execPath, ["-e", script.replace(`:${port}/`, `:${free}/`)]);
      expect(healthy.status).toBe(0);
      const res = await fetch(`http://127.0.0.1:${free}/v2/models/mpg/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(oneRow),
      });
      expect(res.status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Once stopped, the same health check fails.
    expect(spawnSync(process.execPath, ["-e", script.replace(`:${port}/`, `:${free}/`)]).status).toBe(1);
  }, 60_000);
});

describe("examples/serving/kubernetes.yml", () => {
  const docs = parseAllDocuments(readFileSync(path.join(examples, "kubernetes.yml"), "utf8"));
  for (const d of docs) expect(d.errors).toEqual([]);
  type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const manifests = docs.map((d) => d.toJS() as Manifest);
  const deployment = manifests.find((m) => m.kind === "Deployment")!;
  const service = manifests.find((m) => m.kind === "Service")!;

  it("is a Deployment with probes and resources, and a Service that reaches it", () => {
    expect(deployment.apiVersion).toBe("apps/v1");
    expect(service.apiVersion).toBe("v1");
    const pod = deployment.spec.template;
    expect(deployment.spec.selector.matchLabels).toEqual(pod.metadata.labels);
    expect(service.spec.selector).toEqual(pod.metadata.labels);
    const container = pod.spec.containers[0];
    const args = container.args as string[];
    expect(unknownFlags(args)).toEqual([]);
    const port = container.ports.find((p: Manifest) => p.name === "http");
    expect(String(port.containerPort)).toBe(valueOf(args, "--port"));
    expect(container.readinessProbe.httpGet).toEqual({ path: "/v2/health/ready", port: "http" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/v2/health/live", port: "http" });
    expect(service.spec.ports[0].targetPort).toBe("http");
    for (const kind of ["requests", "limits"])
      expect(Object.keys(container.resources[kind]).sort()).toEqual(["cpu", "memory"]);
    // Kubernetes waits longer than the server drains.
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(valueOf(args, "--drain")));
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container.env.find((e: Manifest) => e.name === "GITHUB_TOKEN")).toBeDefined();
    const scrape = pod.metadata.annotations as Record<string, string>;
    expect([scrape["prometheus.io/port"], scrape["prometheus.io/path"]]).toEqual([
      valueOf(args, "--port"),
      "/metrics",
    ]);
  });

  it("its arguments serve the registry on GitHub (the simulator), probes answering", async () => {
    const container = deployment.spec.template.spec.containers[0];
    const args = container.args as string[];
    const [owner, repo] = valueOf(args, "--github")!.split("/");
    // On GitHub, production has moved to v2: what answers shows where the registry was read.
    const files = carsFiles();
    const v1 = files[".modelgate/models/mpg/v1.json"]!;
    const parsed = parseModelFile(v1, "v1.json");
    const change = promote(parseRegistry(files[".modelgate/registry.json"]!, "registry.json"), {
      model: "mpg",
      alias: "production",
      modelFile: v1,
      headSha: "ef".repeat(20),
      pr: null,
      mergeCommit: null,
      specHash: parsed.specHash,
      dataHash: parsed.dataHash,
      metrics: { rmse: 3 },
      actor: "octocat",
      at: "2026-12-01T00:00:00.000Z",
      registryDir: ".modelgate",
    });
    for (const w of change.writes) files[w.path] = w.content;
    sim.state.createRepo({ owner: owner!, name: repo!, files });
    const free = await freePort();
    const port = valueOf(args, "--port")!;
    const mapped = args.map((a) => (a === port ? String(free) : a.replace(/^\/repo\//, `${cars}/`)));
    const server = await serve(["serve", ...mapped, "--host", "127.0.0.1", "--log-sample", "0"], {
      GITHUB_API_URL: sim.url,
      GITHUB_TOKEN: sim.state.userToken(owner!),
    });
    try {
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        const res = await fetch(`http://127.0.0.1:${free}${probe.httpGet.path}`);
        expect(res.status, probe.httpGet.path).toBe(200);
      }
      expect(server.stdout()).toContain(
        '"msg":"model loaded","model":"mpg","alias":"production","version":2',
      );
      const res = await fetch(`http://127.0.0.1:${free}/v2/models/mpg/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(oneRow),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { model_version: string }).model_version).toBe("2");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);
});
