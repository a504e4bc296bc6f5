/**
 * Shards over Parquet part files, as over CSV parts: two shards, each fitting one part file
 * (test/fixtures/data/parquet/parts/), merge into the model a single run fits on every row.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/project/load-project.js";
import { trainModel } from "../../src/run/train-model.js";
import { fitShard, mergeFits, type FitPartial } from "../../src/shard/shard-fit.js";

const root = mkdtempSync(path.join(tmpdir(), "modelgate-parquet-shards-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
cpSync(path.resolve(import.meta.dirname, "../fixtures/data/parquet/parts"), path.join(root, "data/parts"), {
  recursive: true,
});
writeFileSync(path.join(root, "modelgate.yml"), "models:\n  rows: rows.model.yml\n");
writeFileSync(
  path.join(root, "rows.data.yml"),
  `file: data/parts/part-*.parquet
columns:
  - { name: id, type: integer }
  - { name: x, type: number, nullable: true }
  - { name: n, type: integer }
  - { name: flag, type: boolean }
  - { name: color, type: category }
  - { name: note, type: string, nullable: true }
  - { name: day, type: date }
  - { name: y, type: number }
split: { test: 0.25, salt: shards }
`,
);
writeFileSync(
  path.join(root, "rows.model.yml"),
  `data: rows.data.yml
target: y
features: [x, n, flag, color]
preprocessing: { impute: { numeric: mean } }
algorithm: { type: ridge, alpha: 0.1 }
metrics: { primary: rmse, bootstrap: { samples: 100, seed: 3 } }
`,
);

describe("shards over Parquet part files", () => {
  it("merge into a single run's model", async () => {
    const m = loadProject(path.join(root, "modelgate.yml")).models[0]!;
    expect(m.dataParts?.map((p) => path.basename(p))).toEqual(["part-1.parquet", "part-2.parquet"]);
    const single = await trainModel(m, { displayBase: root });
    single.release();
    const partials: { file: string; value: FitPartial }[] = [];
    for (const index of [1, 2]) {
      const value = await fitShard(m, { index, count: 2 }, { displayBase: root, champion: null });
      partials.push({ file: `shard-${index}.json`, value: JSON.parse(JSON.stringify(value)) as FitPartial });
    }
    const plan = await mergeFits(m, partials, { displayBase: root });
    const merged = JSON.parse(plan.modelText) as typeof single.model;
    expect(merged.trainingRows).toBe(single.model.trainingRows);
    expect(merged.dataHash).toBe(single.model.dataHash);
    for (const [term, b] of Object.entries(single.model.coefficients))
      expect(Math.abs(merged.coefficients[term]! - b), term).toBeLessThan(1e-10 * Math.max(1, Math.abs(b)));
  });
});
