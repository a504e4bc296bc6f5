/**
 * The bench's tasks measure what they say: on a small generated data set every parsing task
 * (the plain loop, the parser candidates) reads the same rows and values, the ingest tasks (with
 * the worker, on one thread, with the JavaScript tokenizer) find the same rows, split and hash,
 * and both ml-regression paths fit the same coefficient. Asserts results, never time. Needs
 * `npm run build` (it runs the compiled bench child).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { benchProject } from "../../bench/bench-data.js";

const root = path.resolve(import.meta.dirname, "../..");
const cache = mkdtempSync(path.join(tmpdir(), "modelgate-bench-tasks-"));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

function check(task: string, project: string): string {
  const child = spawnSync(
    process.execPath,
    [path.join(root, "build/bench/bench-child.js"), task, project, path.join(cache, "out")],
    { stdio: ["ignore", "pipe", "pipe", "pipe"], encoding: "utf8" },
  );
  expect(child.status, child.stderr).toBe(0);
  return (JSON.parse(String(child.output[3])) as { check: string }).check;
}

describe("the bench's tasks", () => {
  it("parse, ingest and fit the same data alike", async () => {
    const project = await benchProject(cache, 3000);
    const parsed = ["split-number", "udsv", "csv-parser", "papaparse"].map((t) => check(t, project.root));
    expect(parsed[0]).toMatch(/^3000 rows, sum -?\d/);
    expect(new Set(parsed).size).toBe(1);
    const ingested = ["ingest", "ingest-one-thread", "ingest-javascript"].map((t) => check(t, project.root));
    expect(ingested[0]).toMatch(/^3000 rows, \d+ test, sha256 [0-9a-f]{12}$/);
    expect(new Set(ingested).size).toBe(1);
    const fits = ["csv-parse-ml-regression", "ml-regression"].map((t) => check(t, project.root));
    expect(fits[0]).toMatch(/^3000 rows, x20 coefficient (2\.00|1\.99)/);
    expect(new Set(fits).size).toBe(1);
  }, 120_000);

  it("read data with category columns alike, and run on it", async () => {
    const project = await benchProject(cache, 3000, undefined, 2);
    const ingested = ["ingest", "ingest-one-thread", "ingest-javascript"].map((t) => check(t, project.root));
    expect(ingested[0]).toMatch(/^3000 rows, \d+ test, sha256 [0-9a-f]{12}$/);
    expect(new Set(ingested).size).toBe(1);
    expect(check("run", project.root)).toBe("exit code 0");
  }, 120_000);
});
