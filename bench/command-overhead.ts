/**
 * The training command protocol's overhead per fit against the command's own fit time, on
 * examples/sklearn (a copy, run through `modelgate run`):
 *
 *   npm run build && node build/bench/command-overhead.js
 *
 * Per run, report.json records the command's duration (shell start to exit) and modelgate's own
 * time around it (its folder, reading and checking the ONNX it wrote, scoring its held-out fold);
 * the rows files are written once for all runs. The shell's own start is measured apart with
 * `true`. Needs /usr/bin/python3 with scikit-learn, pandas and onnx. Prints; judges nothing.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable } from "markdown-table";
import { main } from "../cli/main.js";
import { memoryIo } from "../cli/io.js";
import { runCommand } from "../src/train/command/run-command.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");

interface Run {
  run: string;
  durationMs: number;
  overheadMs: number;
  rows: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function shellStartMs(times: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "modelgate-bench-sh-"));
  const ms: number[] = [];
  try {
    for (let i = 0; i < times; i++) {
      const out = await runCommand({
        run: "true",
        cwd: dir,
        env: {},
        timeoutSeconds: 10,
        logFile: path.join(dir, "log"),
        maxLogBytes: 1024,
        tailLines: 1,
      });
      ms.push(out.durationMs);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return median(ms);
}

async function main_(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), "modelgate-bench-sklearn-"));
  try {
    cpSync(path.join(repoRoot, "examples/sklearn"), root, { recursive: true });
    const started = performance.now();
    const io = memoryIo(root);
    const code = await main(["run", "--out", "out"], io);
    const wallMs = performance.now() - started;
    if (code !== 0) throw new Error(`modelgate run exited ${code}: ${io.stderr}`);
    const m = JSON.parse(readFileSync(path.join(root, "out/report.json"), "utf8")).models[0];
    const runs: Run[] = m.command.runs;
    const shell = await shellStartMs(20);
    const rowsPerRun = m.command.rowsFileMs / runs.length;
    const rows = runs.map((r) => [
      r.run,
      String(r.rows),
      String(r.durationMs),
      String(r.overheadMs),
      `${((100 * (r.overheadMs + rowsPerRun + shell)) / Math.max(1, r.durationMs - shell)).toFixed(1)}%`,
    ]);
    console.log(
      markdownTable([
        ["run", "rows", "command ms (shell start to exit)", "modelgate ms around it", "overhead / own fit"],
        ...rows,
      ]),
    );
    const own = median(runs.map((r) => r.durationMs - shell));
    const around = median(runs.map((r) => r.overheadMs));
    console.log(
      [
        "",
        `runs: ${runs.length} (parallel ${m.command.parallel}); whole modelgate run: ${(wallMs / 1000).toFixed(1)} s`,
        `rows files: ${m.command.rowsFileMs} ms once (${rowsPerRun.toFixed(1)} ms per run)`,
        `shell start and exit (/bin/sh -c true, median of 20): ${shell} ms`,
        `per fit, median: command's own time ${own} ms; protocol overhead ${(around + rowsPerRun + shell).toFixed(0)} ms` +
          ` (${((100 * (around + rowsPerRun + shell)) / own).toFixed(1)}%)`,
      ].join("\n"),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main_();
