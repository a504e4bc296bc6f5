/**
 * An ONNX model through the registry on the command line (examples/cars-onnx in a scratch git
 * repository): run, promote (the .onnx kept byte for byte, pinned by sha256), a built-in
 * challenger compared against the ONNX champion, predict and monitor with the ONNX version,
 * rollback, and a tampered .onnx refused.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { ModelTable } from "../../src/serve/model-table.js";
import { checkoutSnapshot } from "../../serve/registry-sources.js";
import { loadDataSpec } from "../../src/project/load-project.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const work = mkdtempSync(path.join(tmpdir(), "modelgate-onnx-registry-"));
const project = path.join(work, "repo");
afterAll(() => rmSync(work, { recursive: true, force: true }));

cpSync(path.join(repoRoot, "examples/cars-onnx"), project, { recursive: true });
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd: project,
    stdio: "pipe",
  });
git("init", "-q");
git("add", "-A");
git("commit", "-qm", "example");

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const specFile = path.join(project, "models/mpg.model.yml");
const onnxSpec = readFileSync(specFile, "utf8");
const ridgeSpec = onnxSpec.replace(
  /algorithm:\n  type: onnx\n  file: mpg-gbr.onnx\n/,
  "algorithm:\n  type: ridge\n  alpha: 1\n",
);

async function cli(args: string[]) {
  const io = memoryIo(project);
  const code = await main(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

async function runTo(out: string) {
  const r = await cli(["run", "--out", path.join(work, out)]);
  return {
    ...r,
    report: r.code === 2 ? null : JSON.parse(readFileSync(path.join(work, out, "report.json"), "utf8")),
  };
}

const registry = () => JSON.parse(readFileSync(path.join(project, ".modelgate/registry.json"), "utf8"));

function csvPredictions(text: string): number[] {
  return text
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => Number(line.split(",")[1]));
}

describe("an ONNX model through the registry", () => {
  const committed = readFileSync(path.join(project, "models/mpg-gbr.onnx"));

  it("promotes an ONNX challenger, keeping its bytes pinned by sha256", async () => {
    expect(onnxSpec).not.toBe(ridgeSpec);
    const first = await runTo("out1");
    expect(first.stderr).toBe("");
    expect(first.report.models[0].champion.version).toBe(1);
    const promoted = await cli([
      "promote",
      "mpg",
      "--alias",
      "production",
      "--from",
      path.join(work, "out1"),
    ]);
    expect(promoted.stderr).toBe("");
    expect(promoted.code).toBe(0);
    const v2 = registry().models.mpg.versions[1];
    expect(v2.onnx).toMatchObject({
      file: `models/mpg/${sha256(committed)}.onnx`,
      sha256: sha256(committed),
      bytes: committed.length,
      output: { name: "Miles_per_Gallon", column: 0 },
    });
    expect(v2.onnx.producer).toMatch(/GradientBoostingRegressor/);
    expect(v2.onnx.opsets["ai.onnx.ml"]).toBe(1);
    const stored = readFileSync(path.join(project, ".modelgate", v2.onnx.file));
    expect(stored.equals(committed)).toBe(true);
    expect(sha256(readFileSync(path.join(project, ".modelgate/models/mpg/v2.json")))).toBe(v2.modelSha256);
    expect(registry().models.mpg.aliases.production).toBe(2);
  });

  it("compares a built-in challenger against the ONNX champion with paired intervals", async () => {
    const onnxRun = JSON.parse(readFileSync(path.join(work, "out1/report.json"), "utf8")).models[0];
    writeFileSync(specFile, ridgeSpec);
    const second = await runTo("out2");
    writeFileSync(specFile, onnxSpec);
    expect(second.stderr).toBe("");
    const m = second.report.models[0];
    expect(m.challenger.algorithm.type).toBe("ridge");
    expect(m.champion.version).toBe(2);
    expect(m.champion.comparable).toBe(true);
    // The champion is the very model the first run scored as challenger, on the same test rows.
    expect(m.champion.metrics.rmse.value).toBe(onnxRun.challenger.metrics.rmse.value);
    expect(m.champion.metrics.mae.value).toBe(onnxRun.challenger.metrics.mae.value);
    // The ridge model is worse than the tree ensemble, beyond the paired interval.
    expect(m.differences.rmse.ci.lower).toBeGreaterThan(0);
    expect(m.passed).toBe(false);
  });

  it("predicts with the ONNX model, from its model file or from the .onnx alone", async () => {
    const data = path.join(project, "data/cars.json");
    const viaModelFile = await cli([
      "predict",
      "--model",
      path.join(work, "out1/models/mpg.json"),
      "--data",
      data,
    ]);
    expect(viaModelFile.stderr).toBe("");
    expect(viaModelFile.code).toBe(0);
    // The .onnx alone names its inputs; the data spec says how to read the file (Year is a date).
    const bare = await cli([
      "predict",
      "--model",
      path.join(project, "models/mpg-gbr.onnx"),
      "--data",
      data,
      "--spec",
      path.join(project, "data/cars.data.yml"),
    ]);
    expect(bare.stderr).toBe("");
    expect(bare.code).toBe(0);
    const a = csvPredictions(viaModelFile.stdout);
    const b = csvPredictions(bare.stdout);
    expect(a.length).toBe(JSON.parse(readFileSync(data, "utf8")).length);
    expect(b).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(50);
    expect(Math.min(...a)).toBeGreaterThan(5);
    expect(Math.max(...a)).toBeLessThan(50);
  });

  it("serves the ONNX production version from the checkout, refusing altered bytes", async () => {
    const dataSpec = loadDataSpec(path.join(project, "data/cars.data.yml"), "data/cars.data.yml");
    // The ONNX version, pinned (the alias may have moved on to a built-in version).
    const versions = registry().models.mpg.versions as Array<{ version: number; onnx?: { file: string } }>;
    const onnxVersion = versions.find((v) => v.onnx !== undefined)!;
    const target = { model: "mpg", alias: "production", version: onnxVersion.version, dataSpec };
    const table = new ModelTable([target], ".modelgate");
    const events = await table.refresh(await checkoutSnapshot(project)());
    expect(events).toMatchObject([{ kind: "loaded", model: "mpg", version: onnxVersion.version }]);
    expect(table.get("mpg")!.served.version).toBe(onnxVersion.version);
    const onnxFile = path.join(project, ".modelgate", onnxVersion.onnx!.file);
    const original = readFileSync(onnxFile);
    writeFileSync(onnxFile, Buffer.concat([original, Buffer.from([0])]));
    try {
      const other = new ModelTable([target], ".modelgate");
      const refused = await other.refresh(await checkoutSnapshot(project)());
      expect(refused).toMatchObject([{ kind: "failed", model: "mpg", version: onnxVersion.version }]);
      expect((refused[0] as { reason: string }).reason).toMatch(/sha256/);
    } finally {
      writeFileSync(onnxFile, original);
    }
  });

  it("monitors the ONNX production version, live performance included", async () => {
    const r = await cli([
      "monitor",
      "--model",
      "mpg",
      "--data",
      "data/cars.json",
      "--out",
      path.join(work, "mon"),
    ]);
    expect(r.stderr).not.toMatch(/Error|at /);
    const report = JSON.parse(readFileSync(path.join(work, "mon/report.json"), "utf8"));
    const m = report.models[0];
    expect(m.production.version).toBe(2);
    const onnxRun = JSON.parse(readFileSync(path.join(work, "out1/report.json"), "utf8")).models[0];
    // All rows, train side included: better than on the test rows alone, and not the ridge's.
    expect(m.performance.metrics.rmse.value).toBeGreaterThan(0);
    expect(m.performance.metrics.rmse.value).toBeLessThan(onnxRun.champion.metrics.rmse.value);
    expect(m.columns.map((c: { name: string }) => c.name)).toContain("Origin");
  });

  it("refuses a tampered .onnx, and rolls back from the ONNX version", async () => {
    const stored = path.join(project, ".modelgate", registry().models.mpg.versions[1].onnx.file);
    const original = readFileSync(stored);
    const bytes = Buffer.from(original);
    bytes[bytes.length - 5]! ^= 1;
    writeFileSync(stored, bytes);
    const tampered = await cli(["run", "--out", path.join(work, "out3")]);
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toMatch(/sha256/);
    expect(tampered.stderr).toMatch(/\.onnx/);
    expect(tampered.stderr).not.toMatch(/\n\s+at /);
    writeFileSync(stored, original);

    const back = await cli(["rollback", "mpg", "1"]);
    expect(back.code).toBe(0);
    expect(registry().models.mpg.aliases.production).toBe(1);
    const after = await runTo("out4");
    expect(after.stderr).toBe("");
    expect(after.report.models[0].champion.version).toBe(1);
    expect(after.report.models[0].challenger.algorithm.type).toBe("onnx");
  });
});
