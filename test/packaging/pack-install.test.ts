/**
 * The npm package as a user gets it: `npm pack` on a copy of the repository (bundled by the same
 * scripts `npm run build` runs), the tarball installed into an empty project in the system's
 * temporary folder, where no node_modules of this repository can be found, and the command line
 * run there on a copy of examples/cars. The package has no runtime dependencies (the bundles carry
 * them), so the install runs with `--offline`: it needs neither the network nor npm's cache.
 */
import { execFile, spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

/** What a copy of the repository leaves out: installed, built, generated or local files. */
const NOT_COPIED = new Set(["node_modules", "build", "dist", ".git", "out", "coverage", ".bench", ".tmp"]);

/** The environment without what `npm test` sets for its own package (npm_config_*, npm_package_*). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

let work: string;
let stage: string;
let project: string;
let packed: PackResult;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "modelgate-pack-"));
  stage = path.join(work, "stage");
  cpSync(root, stage, {
    recursive: true,
    filter: (from) => !NOT_COPIED.has(path.relative(root, from).split(path.sep)[0]!),
  });
  // The bundler resolves the repository's packages; the installed project below cannot.
  symlinkSync(path.join(root, "node_modules"), path.join(stage, "node_modules"), "dir");
  await Promise.all(
    ["scripts/bundle-cli.mjs", "scripts/bundle-app.mjs"].map((script) =>
      run(process.execPath, [script], { cwd: stage }),
    ),
  );
  // --ignore-scripts: the bundles were just made; npm's prepare would run the whole build again.
  const pack = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
    cwd: stage,
    env: cleanEnv(),
  });
  packed = (JSON.parse(pack.stdout) as PackResult[])[0]!;

  project = path.join(work, "project");
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), '{ "name": "my-models", "private": true }\n');
  await run(
    "npm",
    [
      "install",
      "--save-dev",
      "--offline",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      path.join(work, packed.filename),
    ],
    { cwd: project, env: cleanEnv() },
  );
  // The user's repository: the cars example at its root, with the README's $schema lines.
  cpSync(path.join(root, "examples/cars"), project, { recursive: true });
  cpSync(path.join(root, "examples/cars-onnx"), path.join(project, "onnx"), { recursive: true });
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function npx(args: string[]): SpawnSyncReturns<string> {
  return spawnSync("npx", ["--offline", ...args], { cwd: project, env: cleanEnv(), encoding: "utf8" });
}

/** What npx runs, without npm's start-up time (for the checks past the README's three commands). */
function bin(name: string, args: string[]): SpawnSyncReturns<string> {
  const file = path.join(project, "node_modules/.bin", name);
  return spawnSync(process.execPath, [file, ...args], { cwd: project, env: cleanEnv(), encoding: "utf8" });
}

describe("npm pack", () => {
  it("lists only what a user runs: the bundles, their entry points, schemas and documents", () => {
    const files = packed.files.map((f) => f.path).sort();
    const allowed = [
      /^(README|CHANGELOG)\.md$/,
      /^LICENSE$/,
      /^package\.json$/,
      /^app\.yml$/,
      /^bin\/modelgate(-app)?\.js$/,
      /^build\/(cli|app)-bundle\/(main|server)\.js$/,
      /^build\/(cli|app)-bundle\/package\.json$/,
      /^build\/(cli|app)-bundle\/THIRD-PARTY-LICENSES\.txt$/,
      /^build\/(cli|app)-bundle\/chunks\/[\w.-]+\.js(\.LEGAL\.txt)?$/,
      /^schemas\/[a-z-]+\.schema\.json$/,
    ];
    expect(files.filter((f) => !allowed.some((re) => re.test(f)))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|fixtures|bench|demo|src|docs|examples)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /\.(ts|wat|wasm|map)$/.test(f))).toEqual([]);
    for (const needed of [
      "LICENSE",
      "README.md",
      "CHANGELOG.md",
      "bin/modelgate.js",
      "bin/modelgate-app.js",
      "build/cli-bundle/main.js",
      "build/app-bundle/server.js",
      "build/cli-bundle/THIRD-PARTY-LICENSES.txt",
      "build/cli-bundle/chunks/read-worker.js",
      "build/cli-bundle/chunks/bootstrap-worker.js",
    ])
      expect(files).toContain(needed);
    const schemas = readdirSync(path.join(root, "schemas")).filter((f) => f.endsWith(".schema.json"));
    expect(schemas.length).toBeGreaterThan(0);
    for (const s of schemas) expect(files).toContain(`schemas/${s}`);
  });

  it("is built by prepack, once: prepare, which npm also runs when packing, leaves it to prepack", () => {
    const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.prepack).toBe("npm run build");
    expect(manifest.scripts.prepare).toBe("node scripts/prepare.mjs");
    for (const command of ["pack", "publish"]) {
      const r = spawnSync(process.execPath, [path.join(root, "scripts/prepare.mjs")], {
        env: { ...cleanEnv(), npm_command: command },
        encoding: "utf8",
      });
      expect(r.status).toBe(0);
      expect(r.stdout + r.stderr).toBe("");
    }
  });

  it("stays lean: under 1 MiB packed, without ONNX Runtime's WebAssembly build", () => {
    expect(packed.size).toBeLessThan(1 << 20);
    expect(packed.unpackedSize).toBeLessThan(4 << 20);
    expect(packed.files.filter((f) => /onnxruntime|ort-wasm/.test(f.path))).toEqual([]);
    // Whatever the bundles carry comes with its licence.
    const notices = readFileSync(path.join(stage, "build/cli-bundle/THIRD-PARTY-LICENSES.txt"), "utf8");
    for (const name of ["zod", "yaml", "octokit"])
      expect(notices).toMatch(new RegExp(`^${name} \\d+\\.\\d+`, "m"));
  });

  it("imports nothing at run time but Node's modules and its optional peer dependencies", async () => {
    const manifest = JSON.parse(readFileSync(path.join(stage, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(Object.keys(manifest.dependencies ?? {})).toEqual([]);
    const optional = Object.keys(manifest.peerDependencies).filter(
      (p) => manifest.peerDependenciesMeta[p]?.optional,
    );
    expect(optional.sort()).toEqual(Object.keys(manifest.peerDependencies).sort());
    // esbuild reads the shipped files as Node would load them and reports every import it meets.
    const entries = packed.files
      .map((f) => f.path)
      .filter((f) => /^build\/[\w-]+\/(main|server|chunks\/[\w-]+-worker)\.js$/.test(f));
    const { metafile } = await build({
      absWorkingDir: stage,
      entryPoints: entries,
      bundle: true,
      write: false,
      outdir: "out",
      platform: "node",
      format: "esm",
      packages: "external",
      metafile: true,
      logLevel: "silent",
    });
    const bare = new Set(
      Object.values(metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path)),
    );
    const builtins = new Set(builtinModules);
    const foreign = [...bare].filter((s) => !s.startsWith("node:") && !builtins.has(s));
    // The packages the bundles leave out must be declared; the rest must be inside the bundles.
    expect(foreign.filter((s) => !optional.includes(s.replace(/^((?:@[^/]+\/)?[^/]+).*$/, "$1")))).toEqual(
      [],
    );
    expect(foreign).toContain("probot");
  });
});

describe("installed from the tarball into an empty project", () => {
  it("pulls in no other package", () => {
    const installed = readdirSync(path.join(project, "node_modules")).filter((f) => !f.startsWith("."));
    expect(installed).toEqual(["modelgate"]);
  });

  it("answers npx modelgate --help", () => {
    const r = npx(["modelgate", "--help"]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: modelgate <command>/);
    expect(r.stdout).toMatch(/\bvalidate\b/);
  });

  it("prints the package's version", () => {
    const { version } = JSON.parse(readFileSync(path.join(stage, "package.json"), "utf8")) as {
      version: string;
    };
    const r = bin("modelgate", ["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`modelgate ${version}\n`);
  });

  it("has the schemas where the specs' $schema lines point", () => {
    const specs = ["modelgate.yml", "models/mpg.model.yml", "data/cars.data.yml"];
    for (const spec of specs) {
      const file = path.join(project, spec);
      const lines = readFileSync(file, "utf8").split("\n");
      const name = /schemas\/([a-z-]+\.schema\.json)$/.exec(lines[0]!)?.[1];
      expect(name, `${spec} starts with a $schema line`).toBeDefined();
      const target = path.relative(
        path.dirname(file),
        path.join(project, "node_modules/modelgate/schemas", name!),
      );
      lines[0] = `# yaml-language-server: $schema=${target.split(path.sep).join("/")}`;
      writeFileSync(file, lines.join("\n"));
      const schema = JSON.parse(readFileSync(path.resolve(path.dirname(file), target), "utf8")) as {
        $schema?: string;
      };
      expect(schema.$schema).toMatch(/json-schema\.org/);
    }
  });

  it("validates the cars example with npx modelgate validate", () => {
    const r = npx(["modelgate", "validate"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ok: 1 model valid$/m);
  });

  it("trains and evaluates it against its champion with npx modelgate run", () => {
    const r = npx(["modelgate", "run", "--out", "out"]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(project, "out/report.json"), "utf8")) as {
      models: { name: string; champion: { version: number } | null; decision: { passed: boolean } }[];
    };
    expect(report.models.map((m) => m.name)).toEqual(["mpg"]);
    expect(report.models[0]!.champion?.version).toBe(1);
    for (const f of ["report.md", "report.html", "models/mpg.json"])
      expect(existsSync(path.join(project, "out", f)), f).toBe(true);
  });

  it("serves the production model over HTTP with modelgate serve (its chunk and metrics inside)", async () => {
    const server = spawn(
      process.execPath,
      [
        path.join(project, "node_modules/.bin/modelgate"),
        "serve",
        "--port",
        "0",
        "--poll",
        "0",
        "--host",
        "127.0.0.1",
      ],
      { cwd: project, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise((resolve) => server.once("exit", resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        const read = (chunk: string) => {
          out += chunk;
          const m = /serving on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        };
        server.stdout.setEncoding("utf8").on("data", read);
        server.stderr.setEncoding("utf8").on("data", read);
        server.once("exit", (code) => reject(new Error(`modelgate serve exited with ${code}: ${out}`)));
      });
      const row = {
        Weight_in_lbs: 3000,
        Horsepower: 100,
        Displacement: 200,
        Acceleration: 15,
        Cylinders: 4,
        Year: "1975-01-01",
        Origin: "USA",
      };
      const res = await fetch(`${url}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dataframe_records: [row] }),
      });
      expect(res.status).toBe(200);
      const { predictions } = (await res.json()) as { predictions: number[] };
      expect(predictions).toHaveLength(1);
      expect(predictions[0]).toBeGreaterThan(5);
      expect(predictions[0]).toBeLessThan(50);
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^modelgate_serve_\w+/m);
    } finally {
      server.kill("SIGTERM");
      await exited;
    }
  });

  it("names the package to install when a spec needs ONNX Runtime", () => {
    const r = bin("modelgate", ["run", "--config", "onnx/modelgate.yml", "--out", "out-onnx"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/neither onnxruntime-node nor onnxruntime-web is installed/);
    expect(r.stderr).toMatch(/npm install --save-dev onnxruntime-node/);
  });

  it("names the package to install when the App's server is started without Probot", () => {
    const r = bin("modelgate-app", []);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/npm install probot/);
  });
});
