/**
 * examples/cars-onnx end to end through `modelgate run`: an ONNX challenger (scikit-learn
 * gradient boosting) scored against the built-in ridge champion on the same test rows, and the
 * example's ONNX file is what its committed script writes.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const example = path.join(repoRoot, "examples/cars-onnx");
const out = mkdtempSync(path.join(tmpdir(), "modelgate-cars-onnx-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("examples/cars-onnx", () => {
  it("runs the ONNX challenger against the ridge champion and keeps the model's bytes", async () => {
    const io = memoryIo(repoRoot);
    const code = await main(["run", "--config", "examples/cars-onnx/modelgate.yml", "--out", out], io);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8"));
    const m = report.models[0];
    expect(m.challenger.algorithm.type).toBe("onnx");
    expect(m.challenger.coefficients).toEqual([]);
    expect(m.champion.comparable).toBe(true);
    expect(m.data.testRows).toBe(96);
    // The tree ensemble beats the linear champion on the same rows, beyond the interval.
    expect(m.challenger.metrics.rmse.value).toBeLessThan(m.champion.metrics.rmse.value);
    expect(m.differences.rmse.ci.upper).toBeLessThan(0);
    expect(m.passed).toBe(true);

    const committed = readFileSync(path.join(example, "models/mpg-gbr.onnx"));
    const written = readFileSync(path.join(out, "models/mpg.onnx"));
    expect(written.equals(committed)).toBe(true);
    const modelText = readFileSync(path.join(out, "models/mpg.json"), "utf8");
    expect(sha256(Buffer.from(modelText))).toBe(m.challenger.modelSha256);
    const modelFile = JSON.parse(modelText);
    expect(modelFile.algorithm.type).toBe("onnx");
    expect(modelFile.onnx).toMatchObject({
      file: "mpg.onnx",
      sha256: sha256(committed),
      bytes: committed.length,
      opsets: { "ai.onnx": 17, "ai.onnx.ml": 1 },
      output: { name: "Miles_per_Gallon", elementType: "float", column: 0 },
    });
    expect(modelFile.onnx.inputs.map((i: { name: string }) => i.name)).toEqual([
      "Weight_in_lbs",
      "Horsepower",
      "Displacement",
      "Acceleration",
      "Cylinders",
      "Year",
      "Origin",
    ]);
  });

  const PYTHON = "/usr/bin/python3";
  const hasPython =
    spawnSync(PYTHON, ["-c", "import numpy, sklearn, onnx"], { stdio: "ignore" }).status === 0;
  it("train-gbr.py writes the committed ONNX file byte for byte", () => {
    expect(hasPython, `${PYTHON} with numpy, scikit-learn and onnx`).toBe(true);
    const copy = mkdtempSync(path.join(tmpdir(), "modelgate-cars-onnx-script-"));
    try {
      cpSync(path.join(example, "data"), path.join(copy, "examples/cars-onnx/data"), { recursive: true });
      cpSync(path.join(repoRoot, "test/fixtures/onnx"), path.join(copy, "test/fixtures/onnx"), {
        recursive: true,
      });
      copyFileSync(path.join(example, "train-gbr.py"), path.join(copy, "examples/cars-onnx/train-gbr.py"));
      cpSync(path.join(example, "models"), path.join(copy, "examples/cars-onnx/models"), {
        recursive: true,
      });
      rmSync(path.join(copy, "examples/cars-onnx/models/mpg-gbr.onnx"));
      const run = spawnSync(PYTHON, [path.join(copy, "examples/cars-onnx/train-gbr.py")], {
        encoding: "utf8",
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const made = readFileSync(path.join(copy, "examples/cars-onnx/models/mpg-gbr.onnx"));
      expect(made.equals(readFileSync(path.join(example, "models/mpg-gbr.onnx")))).toBe(true);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
