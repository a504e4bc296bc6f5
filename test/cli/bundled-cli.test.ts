/**
 * bin/modelgate.js runs the bundle of the command line (build/cli-bundle/, made by npm run build).
 * On a file large enough for the read worker and the bootstrap worker, the bundle must give the
 * report the compiled sources give on one thread.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { benchProject } from "../../bench/bench-data.js";
import { memoryIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";

const root = path.resolve(import.meta.dirname, "../..");
const bin = path.join(root, "bin/modelgate.js");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "modelgate-bundle-"));
  execFileSync(process.execPath, [path.join(root, "scripts/bundle-cli.mjs")], { stdio: "pipe" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the bundled command line", () => {
  it("answers --version", () => {
    const r = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("modelgate 0.1.0\n");
  });

  it("evaluates a 17 MB file with its worker threads as the sources do on one thread", async () => {
    // 65,000 rows of about 260 bytes: past the 16 MiB from which the read goes to a worker.
    const project = await benchProject(dir, 65_000);
    expect(project.bytes).toBeGreaterThan(16 << 20);
    // 2000 resamples of ~13,000 test rows: enough work for the bootstrap's worker as well.
    const model = path.join(project.root, "model.yml");
    writeFileSync(model, readFileSync(model, "utf8").replace("samples: 1000", "samples: 2000"));
    const config = path.join(project.root, "modelgate.yml");
    const bundled = spawnSync(
      process.execPath,
      [bin, "run", "--config", config, "--out", path.join(dir, "a")],
      {
        encoding: "utf8",
      },
    );
    expect(bundled.stderr).not.toMatch(/error/i);
    expect(bundled.status).toBe(0);
    const io = memoryIo(root);
    expect(await main(["run", "--config", config, "--out", path.join(dir, "b")], io)).toBe(0);
    const report = (out: string) => {
      const r = JSON.parse(readFileSync(path.join(dir, out, "report.json"), "utf8"));
      return r.models.map((m: Record<string, unknown>) => ({
        data: m.data,
        challenger: m.challenger,
        explanations: m.explanations,
      }));
    };
    const a = report("a");
    expect(a[0].challenger.metrics.rmse.ci).not.toBeNull();
    expect(a).toEqual(report("b"));
    expect(readFileSync(path.join(dir, "a/models/bench.json"), "utf8")).toBe(
      readFileSync(path.join(dir, "b/models/bench.json"), "utf8"),
    );
    // V8's options apply to the whole process: the worker threads start without them.
    const tuned = spawnSync(
      process.execPath,
      [
        "--expose-gc",
        "--max-semi-space-size=16",
        bin,
        "run",
        "--config",
        config,
        "--out",
        path.join(dir, "c"),
      ],
      { encoding: "utf8" },
    );
    expect(tuned.stderr).not.toMatch(/error/i);
    expect(tuned.status).toBe(0);
    expect(readFileSync(path.join(dir, "c/models/bench.json"), "utf8")).toBe(
      readFileSync(path.join(dir, "a/models/bench.json"), "utf8"),
    );
  }, 60_000);

  it("gives the same report and model file without WebAssembly (node --jitless)", async () => {
    // Numbers only: the reader's kernel, the QR fold and the bootstrap's loop all have a
    // JavaScript path for a Node without WebAssembly.
    const project = await benchProject(path.join(dir, "small"), 3000);
    const config = path.join(project.root, "modelgate.yml");
    const run = (flags: string[], out: string) =>
      spawnSync(process.execPath, [...flags, bin, "run", "--config", config, "--out", path.join(dir, out)], {
        encoding: "utf8",
      });
    const plain = run([], "wasm");
    expect(plain.status, plain.stderr).toBe(0);
    const jitless = run(["--jitless"], "jitless");
    expect(jitless.stderr).not.toMatch(/error/i);
    expect(jitless.status).toBe(0);
    for (const file of ["report.json", "models/bench.json"])
      expect(readFileSync(path.join(dir, "jitless", file), "utf8")).toBe(
        readFileSync(path.join(dir, "wasm", file), "utf8"),
      );
  }, 60_000);
});
