/**
 * examples/sklearn through `modelgate run`: the example's own scikit-learn script, run by the
 * training command protocol, searched over linear vs gradient boosting by cross-validation,
 * beats the ridge champion; and a deterministic script gives the same ONNX bytes twice.
 * Needs /usr/bin/python3 with scikit-learn, pandas and onnx (.ci/run installs them): their absence fails the test.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";

const PYTHON = "/usr/bin/python3";
const hasPython = spawnSync(PYTHON, ["-c", "import sklearn, pandas, onnx"], { stdio: "ignore" }).status === 0;
const example = path.resolve(import.meta.dirname, "../../examples/sklearn");
const work = mkdtempSync(path.join(tmpdir(), "modelgate-sklearn-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function runIn(root: string, out: string) {
  const io = memoryIo(root);
  const code = await main(["run", "--config", "modelgate.yml", "--out", out], io);
  return { code, io };
}

describe("examples/sklearn", () => {
  it("searches the script's models and the gradient boosting beats the linear champion", async () => {
    expect(hasPython, `${PYTHON} with scikit-learn, pandas and onnx`).toBe(true);
    const root = path.join(work, "example");
    cpSync(example, root, { recursive: true });
    const { code, io } = await runIn(root, "out");
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(path.join(root, "out/report.json"), "utf8"));
    const m = report.models[0];
    // Cross-validation picks gradient boosting over the linear model...
    expect(m.search.trials.map((t: { params: { command: object } }) => t.params.command)).toEqual([
      { model: "linear" },
      { model: "gbr" },
    ]);
    expect(m.search.chosen).toBe(1);
    expect(m.search.trials[1].score).toBeLessThan(m.search.trials[0].score);
    // ...which beats the ridge champion on the same test rows, beyond the interval.
    expect(m.champion.comparable).toBe(true);
    expect(m.challenger.metrics.rmse.value).toBeLessThan(m.champion.metrics.rmse.value);
    expect(m.differences.rmse.ci.upper).toBeLessThan(0);
    expect(m.passed).toBe(true);
    const final = m.command.runs.at(-1);
    expect(final).toMatchObject({ run: "final", params: { model: "gbr" }, exitCode: 0 });
    expect(final.curve.length).toBeGreaterThan(10); // the boosting stages' training loss
    expect(final.curve[0].loss).toBeGreaterThan(final.curve.at(-1).loss);
    expect(readFileSync(path.join(root, "out/runs/mpg/final/output.log"), "utf8")).toContain(
      "fitted GradientBoostingRegressor",
    );
    expect(readFileSync(path.join(root, "out/report.md"), "utf8")).toContain("model: gbr");
  });

  it("gives the same ONNX bytes when run again with the same inputs", async () => {
    expect(hasPython, `${PYTHON} with scikit-learn, pandas and onnx`).toBe(true);
    const root = path.join(work, "rerun");
    cpSync(example, root, { recursive: true });
    // One fit, no cross-validation: the gradient boosting with the spec's seed.
    const spec = path.join(root, "models/mpg.model.yml");
    const text = readFileSync(spec, "utf8").replace(
      /^search:\n(  .*\n)+/m,
      "search:\n  space:\n    model: [gbr]\n",
    );
    expect(text).toContain("model: [gbr]");
    writeFileSync(spec, text);
    const shaOf = async (out: string) => {
      const { code, io } = await runIn(root, out);
      expect(io.stderr).toBe("");
      expect(code).toBe(0);
      const m = JSON.parse(readFileSync(path.join(root, out, "report.json"), "utf8")).models[0];
      expect(m.search).toBeNull();
      expect(m.command.runs).toHaveLength(1);
      expect(m.command.runs[0].params).toEqual({ model: "gbr" });
      return m.command.runs[0].modelSha256 as string;
    };
    const first = await shaOf("out1");
    expect(await shaOf("out2")).toBe(first);
  });
});
