/** The row sketch of a scan: rows added and removed between two versions of the German credit data. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataSpec } from "../../src/project/load-project.js";
import { scanDataset } from "../../src/data/scan-dataset.js";
import {
  RowHashSketch,
  basisDiffers,
  compareRowHashes,
  mergeRowHashes,
  type RowHashes,
} from "../../src/data/row-hash-sketch.js";
import { dataSpec, tempFile } from "./data-test-helpers.js";
import { SplitAssigner } from "../../src/data/stable-split.js";
import { readWorkerScript } from "./worker-script.js";

const specFile = path.resolve("examples/credit/data/credit.data.yml");
const spec = loadDataSpec(specFile, "credit.data.yml");
const lines = readFileSync(path.resolve("examples/credit/data/german.csv"), "utf8").trim().split("\n");

/** Version 2 of the data: 40 rows removed (every 25th), 120 new rows (amounts no row had). */
function secondVersion(): string[] {
  const kept = lines.filter((_, i) => i % 25 !== 7);
  const added = lines.slice(0, 120).map((line) => {
    const cells = line.split(",");
    cells[4] = String(Number(cells[4]) + 100_000);
    return cells.join(",");
  });
  return [...kept, ...added];
}

async function sketchOf(rows: string[], size?: number): Promise<{ sketch: RowHashes; rows: number }> {
  const file = tempFile("german.csv", rows.join("\n") + "\n");
  const scan = await scanDataset(spec, file, size === undefined ? {} : { rowSketch: size });
  return { sketch: scan.profile.rowHashes!, rows: scan.rows };
}

describe("row sketch", () => {
  it("holds every row of a small data set and counts added and removed rows exactly", async () => {
    const before = await sketchOf(lines);
    expect(before.sketch.hashes).toHaveLength(1000);
    expect(before.sketch).toMatchObject({ by: "row", salt: spec.split.salt, size: 4096 });
    expect(before.sketch.columns).toEqual(spec.columns.map((c) => c.name));
    const after = await sketchOf(secondVersion());
    const change = compareRowHashes(before, after);
    expect(change).toMatchObject({ added: 120, removed: 40, exact: true, addedMargin: 0 });
    expect(after.rows - before.rows).toBe(change.added - change.removed);
  });

  it("counts duplicated rows by their multiplicity", async () => {
    const before = await sketchOf(lines);
    const after = await sketchOf([...lines, lines[3]!, lines[3]!, lines[9]!]);
    expect(compareRowHashes(before, after)).toMatchObject({ added: 3, removed: 0, exact: true });
    expect(compareRowHashes(after, before)).toMatchObject({ added: 0, removed: 3, exact: true });
  });

  it("estimates from a full sketch within its stated margin", async () => {
    const before = await sketchOf(lines, 300);
    const after = await sketchOf(secondVersion(), 300);
    expect(before.sketch.hashes).toHaveLength(300);
    const change = compareRowHashes(before, after);
    expect(change.exact).toBe(false);
    expect(change.compared).toBeGreaterThanOrEqual(300);
    expect(change.addedMargin).toBeGreaterThan(0);
    expect(Math.abs(change.added - 120)).toBeLessThanOrEqual(change.addedMargin);
    expect(Math.abs(change.removed - 40)).toBeLessThanOrEqual(change.removedMargin);
  });

  it("is the same when a worker thread reads the file", async () => {
    const file = tempFile("german.csv", lines.join("\n") + "\n");
    const here = await scanDataset(spec, file, { worker: false, rowSketch: 300 });
    const there = await scanDataset(spec, file, {
      worker: true,
      workerScript: await readWorkerScript(),
      rowSketch: 300,
    });
    expect(there.profile.rowHashes!.hashes).toHaveLength(300);
    expect(there.profile.rowHashes).toEqual(here.profile.rowHashes);
  });

  it("merges the sketches of two halves into the sketch of the whole", async () => {
    const whole = await sketchOf(lines, 300);
    const a = await sketchOf(lines.slice(0, 500), 300);
    const b = await sketchOf(lines.slice(500), 300);
    expect(mergeRowHashes(a.sketch, b.sketch)).toEqual(whole.sketch);
  });

  it("keeps the smallest hashes whatever the order they come in", () => {
    const basis = { by: "row" as const, columns: ["x"], salt: "s" };
    const positions = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 500) / 500);
    const sketch = new RowHashSketch(basis, 50);
    for (const p of positions) if (p <= sketch.limit) sketch.add(p);
    const kept = sketch.result().hashes.map((h) => h / 2 ** 53);
    expect(kept).toEqual(Array.from({ length: 50 }, (_, i) => i / 500));
  });

  it("says why sketches of different hashes do not compare", () => {
    const a = { by: "row" as const, columns: ["x", "y"], salt: "s" };
    expect(basisDiffers(a, a)).toBeNull();
    expect(basisDiffers(a, { ...a, salt: "t" })).toMatch(/salt/);
    expect(basisDiffers(a, { ...a, columns: ["x"] })).toMatch(/columns changed/);
    expect(basisDiffers(a, { by: "key", columns: ["x"], salt: "s" })).toMatch(/gained a key/);
  });

  it("has margins that cover the true counts about 95% of the time", () => {
    // 20,000 rows; 1,000 removed and 3,000 added; sketches of 512 rows; 40 salts.
    const sketch = (salt: string, from: number, to: number) => {
      const splitter = new SplitAssigner(
        dataSpec({ columns: [{ name: "i", type: "number" }], split: { test: 0, salt } }),
      );
      splitter.sketchRows(512);
      const values = Float64Array.from({ length: to - from }, (_, k) => from + k);
      splitter.assign([{ kind: "numeric", name: "i", type: "number", values }], values.length);
      return { sketch: splitter.sketch!.result(), rows: values.length };
    };
    let covered = 0;
    let error = 0;
    const salts = 40;
    for (let k = 0; k < salts; k++) {
      const change = compareRowHashes(sketch(`s${k}`, 0, 20_000), sketch(`s${k}`, 1_000, 23_000));
      expect(change.exact).toBe(false);
      if (
        Math.abs(change.added - 3_000) <= change.addedMargin &&
        Math.abs(change.removed - 1_000) <= change.removedMargin
      )
        covered++;
      error += Math.abs(change.added - 3_000) / 3_000 / salts;
    }
    expect(covered).toBeGreaterThanOrEqual(34);
    expect(error).toBeLessThan(0.15);
  });
});
