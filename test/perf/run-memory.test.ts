/**
 * Memory stays flat with the worker thread: `modelgate run` (train + evaluate) on the bench's
 * 1,000,000-row, 20-feature CSV (259 MB, which is parsed in a worker thread) in a child process,
 * measured by the operating system (getrusage's maximum resident set). It asserts memory and the
 * fit, never time. Needs `npm run build` (it runs the compiled package, as users do).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { benchProject } from "../../bench/bench-data.js";

const root = path.resolve(import.meta.dirname, "../..");
const cache = mkdtempSync(path.join(tmpdir(), "modelgate-perf-"));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe("modelgate run memory", () => {
  it("stays under 200 MB on 1,000,000 rows × 20 features, large enough to be parsed in a worker thread", async () => {
    const project = await benchProject(cache, 1_000_000);
    const child = spawnSync(
      process.execPath,
      [path.join(root, "build/bench/bench-child.js"), "run", project.root, path.join(cache, "out")],
      { stdio: ["ignore", "pipe", "pipe", "pipe"], encoding: "utf8" },
    );
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(String(child.output[3])) as { check: string; maxRssMb: number };
    expect(result.check).toBe("exit code 0");
    expect(result.maxRssMb).toBeLessThan(200);
    // y = 1.5 + Σ j·x_j/10 by construction: the printed coefficient of x20 is 2.
    expect(child.stdout).toMatch(/\n\s+x20\s+\S+\s+x20\s+2 ± /);
  }, 300_000);
});
