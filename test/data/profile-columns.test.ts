import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  BinFinder,
  DataProfiler,
  binIndex,
  mergeProfiles,
  quantileEdges,
} from "../../src/data/profile-columns.js";
import type { RowBatch } from "../../src/data/row-batch.js";
import { uniformOpen } from "../../src/random.js";
import { scanDataset } from "../../src/data/scan-dataset.js";
import { dataSpec, tempFile } from "./data-test-helpers.js";

describe("histogram bins", () => {
  it("count below, inside (last bin closed) and above the edges", () => {
    const edges = [0, 10, 20];
    expect([-1, 0, 5, 10, 19.9, 20, 20.1].map((v) => binIndex(edges, v))).toEqual([0, 1, 1, 2, 2, 2, 3]);
    expect([4, 5, 6].map((v) => binIndex([5, 5], v))).toEqual([0, 1, 2]);
  });

  it("are found by the grid exactly as by the binary search", () => {
    const edges = fc
      .array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 12 })
      .map((xs) => [...new Set(xs)].sort((a, b) => a - b))
      .map((xs) => (xs.length === 1 ? [xs[0]!, xs[0]!] : xs));
    fc.assert(
      fc.property(
        edges,
        fc.array(fc.double({ min: -2e6, max: 2e6, noNaN: true }), { maxLength: 50 }),
        (e, vs) => {
          const finder = new BinFinder(e);
          // Values at the edges, beside them, and at the grid's cell boundaries (1024 cells).
          const cells = Array.from({ length: 40 }, (_, g) => e[0]! + ((e.at(-1)! - e[0]!) * g * 26) / 1024);
          const values = [...vs, ...e, ...e.map((x) => x - 1e-9), ...e.map((x) => x + 1e-9), ...cells];
          for (const v of values) expect(finder.index(v)).toBe(binIndex(e, v));
          const counts = new Array<number>(e.length + 1).fill(0);
          finder.count(Float64Array.from(values), counts);
          const expected = new Array<number>(e.length + 1).fill(0);
          for (const v of values) expected[binIndex(e, v)]!++;
          expect(counts).toEqual(expected);
        },
      ),
      { seed: 17, numRuns: 2000 },
    );
  });

  it("take quantile edges and deduplicate them", () => {
    expect(quantileEdges([5, 1, 3, 2, 4], 4)).toEqual([1, 2, 3, 4, 5]);
    expect(quantileEdges([7, 7, 7], 10)).toEqual([7, 7]);
    expect(quantileEdges([1, 1, 1, 1, 9], 4)).toEqual([1, 9]);
  });
});

const spec = dataSpec({
  columns: [
    { name: "x", type: "number" },
    { name: "k", type: "category" },
  ],
});
const csv = (values: number[], from = 0) =>
  `x,k\n${values.map((v, i) => `${v},${["a", "b", "c"][(i + from) % 3]}`).join("\n")}\n`;
const values = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);

describe("the numeric sample", () => {
  it("is the same for the same seed, another for another seed, and drawn from the column", async () => {
    const file = tempFile("sample.csv", csv(values));
    const draw = async (seed: number) =>
      (await scanDataset(spec, file, { seed, sampleSize: 200 })).profile.columns[0]!.sample!;
    const a = await draw(1);
    expect(await draw(1)).toEqual(a);
    expect((await draw(2)).values).not.toEqual(a.values);
    expect(a.values.length).toBe(200);
    expect(a.population).toBe(5000);
    expect(new Set(a.values).size).toBe(200);
    for (const v of a.values) expect(values).toContain(v);
  });

  it("is uniform: every position of the file is about equally likely", async () => {
    // values[i] is a permutation of 0..4999; a uniform sample has a mean near 2499.5, whatever
    // the order of the file, over many seeds.
    const file = tempFile("uniform.csv", csv(Array.from({ length: 5000 }, (_, i) => i)));
    let sum = 0;
    let count = 0;
    const early = [0, 0];
    for (let seed = 1; seed <= 40; seed++) {
      const sample = (await scanDataset(spec, file, { seed, sampleSize: 100 })).profile.columns[0]!.sample!
        .values;
      for (const v of sample) {
        sum += v;
        count++;
        early[v < 2500 ? 0 : 1]!++;
      }
    }
    // The sample mean of 4000 draws has a standard error near 1443 / sqrt(4000) = 23.
    expect(Math.abs(sum / count - 2499.5)).toBeLessThan(100);
    expect(Math.abs(early[0]! - early[1]!)).toBeLessThan(300);
  });
});

/**
 * A numeric column's histogram and sample by their definitions, one value at a time: the first
 * `edgeSample` values present choose the quantile edges, every value present is counted in its
 * bin, and the sample is algorithm L's reservoir over the values present, in order.
 */
function referenceDistribution(values: number[], seed: number, edgeSample: number, sampleSize: number) {
  const present = values.filter((v) => !Number.isNaN(v));
  const edges = quantileEdges(present.slice(0, edgeSample), 10);
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of present) counts[binIndex(edges, v)]!++;
  const random = uniformOpen(seed);
  const sample: number[] = [];
  let w = 0;
  let next = -1;
  present.forEach((v, i) => {
    if (i < sampleSize) {
      sample.push(v);
      if (i === sampleSize - 1) {
        w = Math.exp(Math.log(random()) / sampleSize);
        next = i + Math.floor(Math.log(random()) / Math.log(1 - w)) + 1;
      }
    } else if (i === next) {
      sample[Math.floor(random() * sampleSize)] = v;
      w *= Math.exp(Math.log(random()) / sampleSize);
      next += Math.floor(Math.log(random()) / Math.log(1 - w)) + 1;
    }
  });
  return { edges, counts, sample };
}

describe("a numeric column's distribution", () => {
  it("is its definition value by value, however the batches cut it and wherever values are missing", () => {
    const column = dataSpec({ columns: [{ name: "x", type: "number", nullable: true }] });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.constant(NaN)), {
          minLength: 1,
          maxLength: 400,
        }),
        fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 60 }),
        (values, cuts, edgeSample, sampleSize) => {
          if (values.every((v) => Number.isNaN(v))) return;
          const profiler = new DataProfiler(column, { edgeSample, sampleSize, seed: 5 });
          for (let at = 0, k = 0; at < values.length; k++) {
            const length = Math.min(cuts[k % cuts.length]!, values.length - at);
            const batch = {
              length,
              columns: [
                {
                  kind: "numeric",
                  name: "x",
                  type: "number",
                  values: Float64Array.from(values.slice(at, at + length)),
                },
              ],
            } as unknown as RowBatch;
            profiler.add(batch);
            at += length;
          }
          const got = profiler.result().columns[0]!;
          const expected = referenceDistribution(values, got.sample!.seed, edgeSample, sampleSize);
          expect(got.histogram?.edges).toEqual(expected.edges);
          expect(got.histogram?.counts).toEqual(expected.counts);
          expect(got.sample?.values).toEqual(expected.sample);
        },
      ),
      { seed: 99, numRuns: 300 },
    );
  });
});

describe("merging profiles", () => {
  it("of two shards equals the profile of the whole for counts, moments and histograms", async () => {
    const first = values.slice(0, 3000);
    const second = values.slice(3000);
    const edges = { x: [0, 1000, 2500, 4000, 4999] };
    const options = { edges, sampleSize: 300, topCategories: 5 };
    const whole = (await scanDataset(spec, tempFile("whole.csv", csv(values)), options)).profile;
    const a = (await scanDataset(spec, tempFile("a.csv", csv(first)), options)).profile;
    const b = (await scanDataset(spec, tempFile("b.csv", csv(second, 3000)), options)).profile;
    const merged = mergeProfiles(a, b, 9);
    expect(merged.rows).toBe(whole.rows);
    const [mx, wx] = [merged.columns[0]!, whole.columns[0]!];
    expect(mx.count).toBe(wx.count);
    expect(mx.stats!.mean).toBeCloseTo(wx.stats!.mean!, 9);
    expect(mx.stats!.std).toBeCloseTo(wx.stats!.std!, 9);
    expect([mx.stats!.min, mx.stats!.max]).toEqual([wx.stats!.min, wx.stats!.max]);
    expect(mx.histogram).toEqual(wx.histogram);
    expect(mx.histogram!.edgesFrom).toBe("given");
    expect(mx.sample!.values.length).toBe(300);
    expect(mx.sample!.population).toBe(5000);
    // Shares from each shard near their population shares (3000 : 2000), within a few errors.
    const fromA = mx.sample!.values.filter((v) => first.includes(v)).length;
    expect(Math.abs(fromA - 180)).toBeLessThan(40);
    expect(merged.columns[1]!.categories).toEqual(whole.columns[1]!.categories);
  });

  it("refuses histograms with different edges", async () => {
    const a = (await scanDataset(spec, tempFile("a.csv", csv([1, 2, 3])))).profile;
    const b = (await scanDataset(spec, tempFile("b.csv", csv([10, 20, 30])))).profile;
    expect(() => mergeProfiles(a, b)).toThrow('column "x": histograms with different edges cannot be merged');
  });
});
