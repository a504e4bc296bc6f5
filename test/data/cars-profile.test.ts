/**
 * The profile of the vega-datasets cars data (406 rows), checked against statistics computed
 * here, independently, from the parsed JSON.
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ColumnProfile } from "../../src/data/profile-columns.js";
import { scanDataset } from "../../src/data/scan-dataset.js";
import { dataSpec } from "./data-test-helpers.js";

const carsPath = new URL("../../node_modules/vega-datasets/data/cars.json", import.meta.url).pathname;
const cars = JSON.parse(readFileSync(carsPath, "utf8")) as Record<string, string | number | null>[];

const spec = dataSpec({
  file: "cars.json",
  columns: [
    { name: "Name", type: "string" },
    { name: "Miles_per_Gallon", type: "number", nullable: true },
    { name: "Cylinders", type: "integer", min: 3, max: 8 },
    { name: "Displacement", type: "number" },
    { name: "Horsepower", type: "number", nullable: true },
    { name: "Weight_in_lbs", type: "number" },
    { name: "Acceleration", type: "number" },
    { name: "Year", type: "date" },
    { name: "Origin", type: "category", values: ["USA", "Europe", "Japan"] },
  ],
  checks: { minRows: 400, maxMissingShare: 0.05 },
});

function column(name: string): number[] {
  return cars
    .map((c) => c[name])
    .filter((v) => v !== null && v !== undefined)
    .map((v) => (typeof v === "string" ? Date.parse(`${v}T00:00:00Z`) : v));
}

function expectNumeric(p: ColumnProfile, values: number[]): void {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  expect(p.count).toBe(n);
  expect(p.missing).toBe(cars.length - n);
  expect(p.stats!.mean).toBeCloseTo(mean, 9);
  expect(p.stats!.std! / Math.sqrt(variance)).toBeCloseTo(1, 12);
  expect(p.stats!.min).toBe(Math.min(...values));
  expect(p.stats!.max).toBe(Math.max(...values));
  // Every value lands in exactly one bin, by the documented rule.
  const { edges, counts } = p.histogram!;
  const k = edges.length - 1;
  const expected = new Array<number>(k + 2).fill(0);
  for (const v of values) {
    if (v < edges[0]!) expected[0]!++;
    else if (v > edges[k]!) expected[k + 1]!++;
    else {
      let bin = 1;
      while (bin < k && v >= edges[bin]!) bin++;
      expected[bin]!++;
    }
  }
  expect(counts).toEqual(expected);
  // 406 values or fewer: the sample is the whole column, in some order.
  expect([...p.sample!.values].sort((x, y) => x - y)).toEqual([...values].sort((x, y) => x - y));
}

describe("the profile of the cars data", async () => {
  const scan = await scanDataset(spec, carsPath, { file: "cars.json", seed: 3 });
  const byName = new Map(scan.profile.columns.map((c) => [c.name, c]));

  it("counts rows, splits them, and hashes the bytes", () => {
    expect(scan.rows).toBe(406);
    expect(scan.format).toBe("json");
    expect(scan.train + scan.test).toBe(406);
    expect(scan.test).toBeGreaterThan(406 * 0.1);
    expect(scan.test).toBeLessThan(406 * 0.3);
    expect(scan.sha256).toBe(createHash("sha256").update(readFileSync(carsPath)).digest("hex"));
    expect(scan.bytes).toBe(readFileSync(carsPath).length);
    expect(scan.missing).toEqual({
      Name: 0,
      Miles_per_Gallon: cars.filter((c) => c.Miles_per_Gallon === null).length,
      Cylinders: 0,
      Displacement: 0,
      Horsepower: cars.filter((c) => c.Horsepower === null).length,
      Weight_in_lbs: 0,
      Acceleration: 0,
      Year: 0,
      Origin: 0,
    });
  });

  it.each(["Miles_per_Gallon", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration", "Year"])(
    "%s: count, missing, mean, std, min, max, histogram and sample",
    (name) => {
      const p = byName.get(name)!;
      expect(p.histogram!.edgesFrom).toBe("data");
      expectNumeric(p, column(name));
    },
  );

  it("Cylinders: equal-width edges from the spec's min and max", () => {
    const p = byName.get("Cylinders")!;
    expect(p.histogram!.edgesFrom).toBe("spec");
    expect(p.histogram!.edges).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8]);
    expectNumeric(p, column("Cylinders"));
  });

  it("chooses data edges at the quantiles 0, 0.1, ..., 1 of the values, deduplicated", () => {
    const sorted = column("Weight_in_lbs").sort((a, b) => a - b);
    const q = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(
      (j) => sorted[Math.floor((j * (sorted.length - 1)) / 10)]!,
    );
    expect(byName.get("Weight_in_lbs")!.histogram!.edges).toEqual([...new Set(q)]);
  });

  it("Origin and Name: category counts", () => {
    const origin = byName.get("Origin")!;
    const counts = new Map<string, number>();
    for (const c of cars) counts.set(String(c.Origin), (counts.get(String(c.Origin)) ?? 0) + 1);
    expect(origin.categories!.top).toEqual(
      [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count),
    );
    expect(origin.categories!.other).toBe(0);
    expect(origin.categories!.distinct).toBe(3);
    const names = byName.get("Name")!;
    expect(names.categories!.distinct).toBe(new Set(cars.map((c) => c.Name)).size);
    expect(names.categories!.top.length).toBe(50);
    expect(names.categories!.top[0]).toEqual({
      value: "ford pinto",
      count: cars.filter((c) => c.Name === "ford pinto").length,
    });
    expect(names.categories!.other + names.categories!.top.reduce((s, e) => s + e.count, 0)).toBe(406);
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(scan.profile))).toEqual(scan.profile);
  });
});
