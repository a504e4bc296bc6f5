/**
 * examples/pytorch through `modelgate run`: a small PyTorch network for the credit data, trained
 * by the example's script through the training command protocol, searched over hidden units and
 * weight decay by cross-validation, exported with torch.onnx.export, and compared with the
 * built-in logistic champion on the same test rows, fairness metrics included.
 * Needs /usr/bin/python3 with torch and onnx (.ci/run installs python3-torch and python3-onnx):
 * their absence fails the test.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";

const PYTHON = "/usr/bin/python3";
const hasPython = spawnSync(PYTHON, ["-c", "import torch, onnx"], { stdio: "ignore" }).status === 0;
const example = path.resolve(import.meta.dirname, "../../examples/pytorch");
const work = mkdtempSync(path.join(tmpdir(), "modelgate-pytorch-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number;
  stderr: string;
  // report.json as the CLI wrote it
  report: {
    models: {
      passed: boolean;
      search: { chosen: number; folds: number; trials: { params: { command: object } }[] };
      command: { runs: { run: string; params: object; exitCode: number; curve: { loss: number }[] }[] };
      challenger: { metrics: Record<string, { value: number }> };
      champion: { version: number; comparable: boolean; metrics: Record<string, { value: number }> };
      differences: Record<string, { difference: number; ci: { lower: number; upper: number } }>;
      fairness: { column: string; equalOpportunityDifference: { value: number } }[];
      gate: { checks: { metric: string; status: string }[] };
    }[];
  };
  markdown: string;
}
let run: Run;

beforeAll(async () => {
  if (!hasPython) return;
  const root = path.join(work, "example");
  cpSync(example, root, { recursive: true });
  const io = memoryIo(root);
  const code = await main(["run", "--config", "modelgate.yml", "--out", "out"], io);
  run = {
    code,
    stderr: io.stderr,
    report: JSON.parse(readFileSync(path.join(root, "out/report.json"), "utf8")),
    markdown: readFileSync(path.join(root, "out/report.md"), "utf8"),
  };
}, 240_000);

describe("examples/pytorch", () => {
  it("searches the network's hidden units and weight decay by cross-validation", () => {
    expect(hasPython, `${PYTHON} with torch and onnx`).toBe(true);
    expect(run.stderr).toBe("");
    const m = run.report.models[0]!;
    expect(m.search.folds).toBe(2);
    expect(m.search.trials.map((t) => t.params.command)).toEqual([
      { hidden: 4, weight_decay: 0.001 },
      { hidden: 4, weight_decay: 0.03 },
      { hidden: 16, weight_decay: 0.001 },
      { hidden: 16, weight_decay: 0.03 },
    ]);
    const final = m.command.runs.at(-1)!;
    expect(final).toMatchObject({ run: "final", exitCode: 0 });
    expect(final.params).toEqual(m.search.trials[m.search.chosen]!.params.command);
    // The training loss the script logged falls.
    expect(final.curve.length).toBeGreaterThan(10);
    expect(final.curve.at(-1)!.loss).toBeLessThan(final.curve[0]!.loss);
  });

  it("scores the ONNX network beside the logistic champion on the same rows, with fairness metrics", () => {
    const m = run.report.models[0]!;
    expect(m.champion).toMatchObject({ version: 1, comparable: true });
    const auc = m.challenger.metrics["auc"]!.value;
    // A network that learnt the task, not a constant.
    expect(auc).toBeGreaterThan(0.7);
    const auc0 = m.champion.metrics["auc"]!.value;
    expect(auc0).toBeCloseTo(0.7881, 4); // the champion scores as it did when registered
    expect(m.differences["auc"]!.difference).toBeCloseTo(auc - auc0, 12);
    expect(m.differences["auc"]!.ci.lower).toBeLessThan(m.differences["auc"]!.ci.upper);
    expect(m.fairness.map((f) => f.column)).toEqual(["personal_status", "age"]);
    for (const f of m.fairness) expect(f.equalOpportunityDifference.value).toBeGreaterThanOrEqual(0);
    const fairnessCheck = m.gate.checks.find((c) => c.metric === "equal_opportunity_difference");
    expect(fairnessCheck?.status).toMatch(/^(pass|fail)$/);
    expect(run.code).toBe(m.passed ? 0 : 1);
  });

  it("shows the comparison, the chosen parameters and the fairness in the comment", () => {
    expect(run.markdown).toContain("Champion: version 1 (alias `production`)");
    expect(run.markdown).toMatch(/\| \*\*ROC AUC\*\* +\| +0\.7881 \| +0\.\d+ \|/);
    expect(run.markdown).toMatch(/hidden: (4|16)/);
    expect(run.markdown).toContain("personal_status");
    expect(run.markdown).toMatch(/[Ee]qual opportunity/);
  });

  it("writes the same ONNX bytes when run again on the same rows with the same parameters and seed", () => {
    expect(hasPython, `${PYTHON} with torch and onnx`).toBe(true);
    const dir = path.join(work, "rerun");
    mkdirSync(dir, { recursive: true });
    // A rows file as the protocol writes it: features then the target, codes as in the data file.
    const columns = [
      ["checking", 0],
      ["duration_months", 1],
      ["purpose", 3],
      ["amount_dm", 4],
      ["age", 12],
      ["risk", 20],
    ] as const;
    const lines = readFileSync(path.join(example, "data/german.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(0, 200);
    const rows = lines.map((l) => {
      const cells = l.split(",");
      return columns.map(([, k]) => cells[k]).join(",");
    });
    writeFileSync(path.join(dir, "rows.csv"), [columns.map(([n]) => n).join(","), ...rows, ""].join("\n"));
    const shaOf = (run: string) => {
      const out = path.join(dir, run);
      mkdirSync(out);
      const result = spawnSync(PYTHON, [path.join(example, "train.py")], {
        encoding: "utf8",
        env: {
          ...process.env,
          MODELGATE_TRAIN: path.join(dir, "rows.csv"),
          MODELGATE_FEATURES: JSON.stringify(columns.slice(0, -1).map(([n]) => n)),
          MODELGATE_TARGET: "risk",
          MODELGATE_POSITIVE_CLASS: "2",
          MODELGATE_PARAMS: JSON.stringify({ hidden: 4, weight_decay: 0.01, epochs: 30 }),
          MODELGATE_SEED: "3",
          MODELGATE_OUTPUT: path.join(out, "model.onnx"),
          MODELGATE_METRICS: path.join(out, "metrics.jsonl"),
        },
      });
      expect(result.status, result.stderr).toBe(0);
      return createHash("sha256")
        .update(readFileSync(path.join(out, "model.onnx")))
        .digest("hex");
    };
    expect(shaOf("second")).toBe(shaOf("first"));
  }, 60_000);
});
