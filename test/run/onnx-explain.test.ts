/**
 * Explanations of an ONNX model: permutation importance on the test rows, with intervals, in
 * report.json and report.md (examples/cars-onnx).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { reportSchema } from "../../src/report/report-schema.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const out = mkdtempSync(path.join(tmpdir(), "modelgate-onnx-explain-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("permutation importance of an ONNX challenger", () => {
  it("ranks the features the tree ensemble uses, with paired intervals", async () => {
    const io = memoryIo(repoRoot);
    expect(await main(["run", "--config", "examples/cars-onnx/modelgate.yml", "--out", out], io)).toBe(0);
    const report = reportSchema.parse(JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")));
    const m = report.models[0]!;
    const importance = m.permutationImportance!;
    expect(importance.map((p) => p.feature)).toEqual([
      "Weight_in_lbs",
      "Horsepower",
      "Displacement",
      "Acceleration",
      "Cylinders",
      "Year",
      "Origin",
    ]);
    for (const p of importance) {
      expect(p.metric).toBe("rmse");
      expect(Number.isFinite(p.change)).toBe(true);
      expect(p.ci!.lower).toBeLessThanOrEqual(p.change!);
      expect(p.ci!.upper).toBeGreaterThanOrEqual(p.change!);
    }
    // Weight matters most to fuel economy: shuffling it worsens rmse most, beyond its interval;
    // model year moves it a lot too; acceleration barely matters once weight and power are
    // known: its interval holds 0.
    const change = (f: string) => importance.find((p) => p.feature === f)!;
    expect(Math.max(...importance.map((p) => p.change!))).toBe(change("Weight_in_lbs").change);
    expect(change("Weight_in_lbs").ci!.lower).toBeGreaterThan(3);
    expect(change("Year").ci!.lower).toBeGreaterThan(1);
    expect(change("Acceleration").ci!.lower).toBeLessThan(0);
    // The built-in explanations stay for built-in models only.
    expect(m.explanations).toEqual([]);
    const md = readFileSync(path.join(out, "report.md"), "utf8");
    expect(md).toContain("<summary>Permutation importance</summary>");
    expect(md).toMatch(/\| `Weight_in_lbs` +\| +\+4\.\d+ +\| +\[\+3\.\d+, \+4\.\d+\]/);
  });
});
