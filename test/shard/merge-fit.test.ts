/**
 * Round one of sharded training: the merge of shards' partial results fits exactly the model a
 * single run fits on every row, whatever the shard count and sizes.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ROW_SKETCH_SIZE } from "../../src/data/row-hash-sketch.js";
import { loadProject } from "../../src/project/load-project.js";
import { trainModel } from "../../src/run/train-model.js";
import { fitShard, mergeFits, type FitPartial } from "../../src/shard/shard-fit.js";
import { shardProject } from "./shard-project.js";
import type { TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

function relativeDifference(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

async function singleAndSharded(parts: number, shards: number, rows = 3000) {
  project = shardProject({ rows, parts });
  const m = loadProject(project.file("modelgate.yml")).models[0]!;
  const single = await trainModel(m, { displayBase: project.root });
  single.release();
  const partials: { file: string; value: FitPartial }[] = [];
  for (let i = 1; i <= shards; i++) {
    const value = await fitShard(
      m,
      { index: i, count: shards },
      { displayBase: project.root, champion: null },
    );
    // Through JSON, as the partial result travels between jobs.
    partials.push({ file: `shard-${i}.json`, value: JSON.parse(JSON.stringify(value)) as FitPartial });
  }
  const plan = await mergeFits(m, partials.reverse(), { displayBase: project.root });
  return { single, plan, partials };
}

describe("merging shards of the fit", () => {
  for (const [parts, shards] of [
    [7, 1],
    [7, 2],
    [7, 3],
    [7, 7],
    [0, 3],
    [0, 7],
  ] as const) {
    it(`gives a single run's coefficients to 1e-10 (${parts ? `${parts} uneven part files` : "one file, rows by index"}, ${shards} shard${shards > 1 ? "s" : ""})`, async () => {
      const { single, plan } = await singleAndSharded(parts, shards);
      const merged = JSON.parse(plan.modelText) as typeof single.model;
      expect(Object.keys(merged.coefficients).sort()).toEqual(Object.keys(single.model.coefficients).sort());
      for (const [term, b] of Object.entries(single.model.coefficients))
        expect(relativeDifference(merged.coefficients[term]!, b), term).toBeLessThan(1e-10);
      expect(relativeDifference(merged.intercept!, single.model.intercept!)).toBeLessThan(1e-10);
      for (const [term, se] of Object.entries(single.model.standardErrors))
        expect(relativeDifference(merged.standardErrors[term]!, se!), term).toBeLessThan(1e-8);
      expect(merged.trainingRows).toBe(single.model.trainingRows);
      expect(merged.dataHash).toBe(single.model.dataHash);
      expect(merged.pipeline.features.map((f) => f.terms)).toEqual(
        single.model.pipeline.features.map((f) => f.terms),
      );
      expect(plan.fit.chosen).toBe(single.fit.chosen);
      plan.fit.trials.forEach((t, k) =>
        expect(relativeDifference(t.score!, single.fit.trials[k]!.score!)).toBeLessThan(1e-9),
      );
      expect(merged.profile).toEqual(single.model.profile);
    });
  }

  it("keeps a shard's partial result the same size whatever its row count", async () => {
    const sizes: number[] = [];
    for (const rows of [2000, 8000]) {
      project = shardProject({ rows, parts: 0 });
      const m = loadProject(project.file("modelgate.yml")).models[0]!;
      const partial = await fitShard(
        m,
        { index: 1, count: 2 },
        { displayBase: project.root, champion: null },
      );
      // The row sketch grows with the rows up to its bound (ROW_SKETCH_SIZE hashes), then stops.
      const sizeOf = (key: string, value: unknown) => {
        if (key !== "rowHashes") return value;
        const sketch = value as { hashes: number[] };
        expect(sketch.hashes.length).toBeLessThanOrEqual(ROW_SKETCH_SIZE);
        return undefined;
      };
      sizes.push(JSON.stringify(partial, sizeOf).length);
      project.remove();
    }
    // Number lengths vary a little; the structure does not grow with the rows.
    expect(Math.abs(sizes[1]! - sizes[0]!) / sizes[0]!).toBeLessThan(0.05);
  });
});
