/**
 * `algorithm: { type: command }` through `modelgate run`, with real commands (the shell): the
 * protocol's environment and rows file, a search of 3 trials x 3 folds in parallel, and every
 * failure (exit status, timeout with children, no model, wrong inputs) as exit 2 with the run,
 * its parameters and its last lines.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/onnx");
// Input `features` [N, 4] float64 (x1..x4), output `variable`: a linear model of linear-f64.csv.
const ONNX = path.join(fixtures, "linear-f64.onnx");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let project: TempProject | undefined;
afterEach(() => project?.remove());

function commandProject(algorithm: string[], extra: string[] = [], features = ["x1", "x2", "x3", "x4"]) {
  project = tempProject({
    "modelgate.yml": "models:\n  lin: models/lin.yml\n",
    "models/lin.yml": [
      "data: ../data/lin.yml",
      "target: expected",
      "features: [" + features.join(", ") + "]",
      "algorithm:",
      "  type: command",
      ...algorithm.map((l) => "  " + l),
      ...extra,
      "metrics: { primary: rmse, bootstrap: { samples: 50 } }",
      "",
    ].join("\n"),
    "data/lin.yml": [
      "file: lin.csv",
      "columns:",
      ...["x1", "x2", "x3", "x4", "expected"].map((c) => `  - { name: ${c}, type: number }`),
      "split: { test: 0.25, salt: s }",
      "",
    ].join("\n"),
    "data/lin.csv": readFileSync(path.join(fixtures, "linear-f64.csv"), "utf8"),
  });
  return project;
}

async function run(p: TempProject) {
  const io = memoryIo(p.root);
  const code = await main(["run", "--config", "modelgate.yml", "--out", "out"], io);
  const report = existsSync(p.file("out/report.json"))
    ? JSON.parse(readFileSync(p.file("out/report.json"), "utf8"))
    : undefined;
  return { code, io, report };
}

/** Whether a process is running: a zombie (killed, waiting for init to reap it) is not. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
};

describe("a training command", () => {
  it("gets the train rows and the documented environment, and its ONNX model is the challenger", async () => {
    const p = commandProject([
      `run: 'env | grep ^MODELGATE_ > "$MODELGATE_WORKDIR/env.txt"; cp "$MODELGATE_TRAIN" "$MODELGATE_WORKDIR/rows.csv"; echo fitted; cp "${ONNX}" "$MODELGATE_OUTPUT"'`,
      "timeout: 1m",
    ]);
    const { code, io, report } = await run(p);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    const m = report.models[0];
    expect(m.challenger.algorithm.type).toBe("command");
    // Scored through the ONNX model: the fixture is the exact linear model of the data.
    expect(m.challenger.metrics.rmse.value).toBeLessThan(1e-9);
    expect(m.command).toMatchObject({ protocol: 1, timeoutSeconds: 60, omittedRuns: 0 });
    expect(m.command.runs).toHaveLength(1);
    const final = m.command.runs[0];
    expect(final).toMatchObject({ run: "final", fold: null, params: {}, seed: 1, exitCode: 0 });
    expect(final.modelSha256).toBe(sha256(readFileSync(ONNX)));
    expect(final.rows).toBe(m.data.trainRows);

    const dir = p.file("out/runs/lin/final");
    const env = Object.fromEntries(
      readFileSync(path.join(dir, "env.txt"), "utf8")
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(env).toMatchObject({
      MODELGATE_PROTOCOL: "1",
      MODELGATE_FEATURES: '["x1","x2","x3","x4"]',
      MODELGATE_TARGET: "expected",
      MODELGATE_TASK: "regression",
      MODELGATE_PARAMS: "{}",
      MODELGATE_SEED: "1",
      MODELGATE_WORKDIR: dir,
      MODELGATE_OUTPUT: path.join(dir, "model.onnx"),
      MODELGATE_METRICS: path.join(dir, "metrics.jsonl"),
    });
    // The rows file: a header, then the train rows only (never a test row).
    const rows = readFileSync(path.join(dir, "rows.csv"), "utf8").trim().split("\n");
    expect(rows[0]).toBe("x1,x2,x3,x4,expected");
    expect(rows).toHaveLength(1 + m.data.trainRows);
    expect(m.data.trainRows + m.data.testRows).toBe(200);
    const data = readFileSync(p.file("data/lin.csv"), "utf8").trim().split("\n").slice(1);
    const seen = new Set(rows.slice(1).map((r) => r.split(",")[0]));
    expect(data.filter((r) => seen.has(r.split(",")[0]))).toHaveLength(m.data.trainRows);
    // The rows files are gone; the log and the report folder's copy of it stay.
    expect(existsSync(p.file("out/runs/lin/rows"))).toBe(false);
    expect(readFileSync(path.join(dir, "output.log"), "utf8")).toBe("fitted\n");
    expect(readFileSync(p.file("out/models/lin.onnx")).equals(readFileSync(ONNX))).toBe(true);
  });

  it("runs a search of 3 trials x 3 folds in parallel, then one final fit", async () => {
    const times = "times.txt";
    const p = commandProject(
      [
        `run: 'echo "start $(date +%s%N)" >> ../${times}; echo "$MODELGATE_PARAMS" > "$MODELGATE_WORKDIR/params.json"; printf "{\\"step\\":1,\\"loss\\":0.5}\\n{\\"step\\":2,\\"loss\\":0.25}\\n" >> "$MODELGATE_METRICS"; sleep 0.4; cp "${ONNX}" "$MODELGATE_OUTPUT"; echo "end $(date +%s%N)" >> ../${times}'`,
      ],
      ["search:", "  folds: 3", "  parallel: 3", "  space:", "    depth: [1, 2, 3]"],
    );
    const { code, io, report } = await run(p);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    const m = report.models[0];
    expect(m.search.trials).toHaveLength(3);
    expect(m.search.folds).toBe(3);
    expect(m.search.trials.map((t: { params: { command: object } }) => t.params.command)).toEqual([
      { depth: 1 },
      { depth: 2 },
      { depth: 3 },
    ]);
    for (const t of m.search.trials) {
      expect(t.foldScores).toHaveLength(3);
      for (const s of t.foldScores) expect(s).toBeLessThan(1e-9);
    }
    expect(m.command.runs).toHaveLength(10);
    expect(m.command.runs.at(-1)).toMatchObject({ run: "final", params: { depth: 1 } });
    expect(m.command.runs[0].curve).toEqual([
      { step: 1, loss: 0.5 },
      { step: 2, loss: 0.25 },
    ]);
    // Each run in a folder of its own, with its own parameters; each fold fit leaves its fold out.
    const folders = readdirSync(p.file("out/runs/lin")).sort();
    expect(folders).toHaveLength(10);
    expect(JSON.parse(readFileSync(p.file("out/runs/lin/trial-3-fold-2/params.json"), "utf8"))).toEqual({
      depth: 3,
    });
    const foldRows = m.command.runs.filter((r: { fold: number | null }) => r.fold !== null);
    expect(foldRows.slice(0, 3).reduce((a: number, r: { rows: number }) => a + r.rows, 0)).toBe(
      2 * m.data.trainRows,
    );
    // The comment sums the runs up; the HTML report charts the logged curve.
    const md = readFileSync(p.file("out/report.md"), "utf8");
    expect(md).toContain("<summary>Training command: 10 runs</summary>");
    expect(md).toMatch(/Final fit on \d+ rows with `depth: 1`, seed 1: exit 0/);
    expect(md).toContain("Logged by the final fit (2 points): `loss` 0.5 → 0.25.");
    const html = readFileSync(p.file("out/report.html"), "utf8");
    expect(html).toContain('data-chart="curve"');
    expect(html).toContain("loss logged by the final fit");
    expect(html.match(/<td><code>trial-\d-fold-\d<\/code><\/td>/g)).toHaveLength(9);
    // Runs overlapped: at some moment more than one was going.
    const events = readFileSync(p.file(`models/../${times}`), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "))
      .map(([kind, t]) => ({ kind, t: BigInt(t!) }))
      .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    let going = 0;
    let most = 0;
    for (const e of events) most = Math.max(most, (going += e.kind === "start" ? 1 : -1));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
  });

  it("exits 2 when the command fails, naming the run, its parameters and its last 40 lines", async () => {
    const p = commandProject(
      [`run: 'for i in $(seq 1 50); do echo "line $i"; done; echo oops >&2; exit 1'`],
      // One run at a time: with two, either of the first two failing runs may be the one reported.
      ["search:", "  folds: 2", "  parallel: 1", "  space:", "    depth: [4, 5]"],
    );
    const { code, io } = await run(p);
    expect(code).toBe(2);
    expect(io.stderr).toContain("exited with status 1 in run trial-1-fold-1");
    expect(io.stderr).toContain('(parameters {"depth":4}, seed 1)');
    expect(io.stderr).toContain("models/lin.yml:6:");
    expect(io.stderr).toContain("| line 50");
    expect(io.stderr).toContain("| oops");
    expect(io.stderr).toContain("| line 12");
    expect(io.stderr).not.toContain("| line 11\n");
    expect(io.stderr).toContain("out/runs/lin/trial-1-fold-1/output.log");
  });

  it("kills a command that runs past its timeout, with its children", async () => {
    const p = commandProject([
      `run: 'sleep 60 & echo $! > "$MODELGATE_WORKDIR/child.pid"; echo waiting; sleep 60'`,
      "timeout: 1s",
    ]);
    const started = Date.now();
    const { code, io } = await run(p);
    expect(code).toBe(2);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(io.stderr).toContain("ran past its timeout of 1s and was killed with its children in run final");
    expect(io.stderr).toContain("| waiting");
    const child = Number(readFileSync(p.file("out/runs/lin/final/child.pid"), "utf8"));
    expect(child).toBeGreaterThan(0);
    expect(alive(child)).toBe(false);
  });

  it("leaves no child behind when the command exits first", async () => {
    const p = commandProject([
      `run: 'sleep 60 & echo $! > "$MODELGATE_WORKDIR/child.pid"; cp "${ONNX}" "$MODELGATE_OUTPUT"'`,
    ]);
    const { code, io } = await run(p);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    const child = Number(readFileSync(p.file("out/runs/lin/final/child.pid"), "utf8"));
    expect(alive(child)).toBe(false);
  });

  it("exits 2 when the command writes no model", async () => {
    const p = commandProject([`run: "echo done"`]);
    const { code, io } = await run(p);
    expect(code).toBe(2);
    expect(io.stderr).toContain("the training command wrote no model in run final");
    expect(io.stderr).toContain("MODELGATE_OUTPUT");
  });

  it("exits 2 when the model's inputs do not match the spec's features", async () => {
    const p = commandProject([`run: 'cp "${ONNX}" "$MODELGATE_OUTPUT"'`], [], ["x1", "x2", "x3"]);
    const { code, io } = await run(p);
    expect(code).toBe(2);
    expect(io.stderr).toContain("wrote a model that does not fit the spec");
    expect(io.stderr).toMatch(/3 features|width|4/);
  });

  it("exits 2 when the output is not ONNX", async () => {
    const p = commandProject([`run: 'echo "not a model" > "$MODELGATE_OUTPUT"'`]);
    const { code, io } = await run(p);
    expect(code).toBe(2);
    expect(io.stderr).toContain("is not a readable ONNX model");
  });
});
