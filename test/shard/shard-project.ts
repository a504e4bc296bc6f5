/** A sharding test project: the same rows as part files of uneven sizes, or as one file. */
import { expect } from "vitest";
import { createRandom } from "../../src/evaluate/bootstrap.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

const HEADER = "x1,x2,grade,region,y";

/** Seeded, well-conditioned rows: two numbers (some missing), a category with a rare level, y. */
export function shardRows(count: number, seed = 11): string[] {
  const random = createRandom(seed);
  const grades = ["a", "b", "c"];
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const x1 = 10 + 4 * random.next();
    const x2 = random.next() * 2 - 1;
    // A level that only shows up late: shards see different level sets.
    const grade = i > count * 0.8 && random.next() < 0.3 ? "d" : grades[random.nextInt(3)]!;
    const region = ["north", "south"][random.nextInt(2)]!;
    const effect = { a: 0, b: 1.5, c: -0.7, d: 3 }[grade]!;
    const y = 3 + 0.8 * x1 - 0.05 * x1 * x1 + 2 * x2 + effect + 0.3 * (random.next() - 0.5);
    const missing1 = random.next() < 0.05;
    const missing2 = random.next() < 0.05;
    rows.push(
      [missing1 ? "" : x1.toFixed(6), missing2 ? "" : x2.toFixed(6), grade, region, y.toFixed(6)].join(","),
    );
  }
  return rows;
}

/** Part sizes that add to `total`, deliberately uneven. */
export function unevenSizes(total: number, parts: number): number[] {
  const weights = Array.from({ length: parts }, (_, k) => 1 + ((k * 7) % 5) * 0.8);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.floor((total * w) / sum));
  sizes[parts - 1]! += total - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

export interface ShardProjectOptions {
  rows: number;
  /** Part files (a glob in the data spec); 0 for one file. */
  parts: number;
  /** Extra lines of the model spec. */
  model?: string;
}

/** The project: modelgate.yml, the data spec, the model spec and the data. */
export function shardProject(options: ShardProjectOptions): TempProject {
  const rows = shardRows(options.rows);
  const files: Record<string, string> = {
    "modelgate.yml": "models:\n  demand: models/demand.yml\n",
    "data/demand.yml": [
      `file: ${options.parts > 0 ? "parts/*.csv" : "demand.csv"}`,
      "columns:",
      "  - { name: x1, type: number, nullable: true }",
      "  - { name: x2, type: number, nullable: true }",
      "  - { name: grade, type: category }",
      "  - { name: region, type: category }",
      "  - { name: y, type: number }",
      "split: { test: 0.25, salt: shards }",
      "",
    ].join("\n"),
    "models/demand.yml": [
      "data: ../data/demand.yml",
      "target: y",
      "features: [{ name: x1, degree: 2 }, x2, grade]",
      "slices: [region]",
      "algorithm: { type: ridge, alpha: 0.1 }",
      "search: { space: { alpha: [0.01, 0.1, 1] }, folds: 4 }",
      "metrics: { primary: rmse, report: [rmse, mae, r2, mape, max_error], bootstrap: { samples: 200, seed: 3 } }",
      options.model ?? "",
      "",
    ].join("\n"),
  };
  if (options.parts > 0) {
    let at = 0;
    unevenSizes(rows.length, options.parts).forEach((n, k) => {
      files[`data/parts/part-${String(k).padStart(2, "0")}.csv`] =
        [HEADER, ...rows.slice(at, at + n)].join("\n") + "\n";
      at += n;
    });
  } else files["data/demand.csv"] = [HEADER, ...rows].join("\n") + "\n";
  return tempProject(files);
}

/** Every leaf equal, numbers to `tolerance` relative (paths named on failure). */
export function expectClose(actual: unknown, expected: unknown, tolerance: number, at = "report"): void {
  if (typeof expected === "number" && typeof actual === "number") {
    const scale = Math.max(Math.abs(expected), Math.abs(actual), 1e-12);
    expect(Math.abs(actual - expected) / scale, at).toBeLessThan(tolerance);
    return;
  }
  if (expected === null || typeof expected !== "object") {
    expect(actual, at).toEqual(expected);
    return;
  }
  expect(actual, at).toBeTypeOf("object");
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  expect(Object.keys(a).sort(), at).toEqual(Object.keys(e).sort());
  for (const key of Object.keys(e)) {
    // The model file's hash: its coefficients agree to rounding, not bit for bit.
    if (`${at}.${key}` === "report.challenger.modelSha256") continue;
    expectClose(a[key], e[key], tolerance, `${at}.${key}`);
  }
}
