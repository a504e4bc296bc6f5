/**
 * The example repositories' data (examples/*): each data file passes its own data spec, and
 * the reads agree with what the files hold.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { dataSpecSchema } from "../../src/project/schemas.js";
import { scanDataset } from "../../src/data/scan-dataset.js";
import { readAll } from "./data-test-helpers.js";

const examples = path.join(path.dirname(new URL(import.meta.url).pathname), "../../examples");

function load(specPath: string) {
  const full = path.join(examples, specPath);
  const spec = dataSpecSchema.parse(parse(readFileSync(full, "utf8")));
  return { spec, file: path.join(path.dirname(full), spec.file) };
}

describe("the example data", () => {
  it("cars: 406 rows pass the spec, keyed split", async () => {
    const { spec, file } = load("cars/data/cars.data.yml");
    const scan = await scanDataset(spec, file);
    expect(scan.rows).toBe(406);
    expect(scan.train + scan.test).toBe(406);
    expect(Math.abs(scan.test / 406 - spec.split.test)).toBeLessThan(0.06);
  });

  it("credit: the German credit data without a header, codes read as their labels", async () => {
    const { spec, file } = load("credit/data/credit.data.yml");
    const scan = await scanDataset(spec, file);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(scan.rows).toBe(lines.length);
    const rows = await readAll(spec, file);
    const first = lines[0]!.split(",");
    expect(rows[0]!.values[spec.columns[0]!.name]).toBe(
      spec.columns[0]!.type === "category" ? (spec.columns[0]!.labels?.[first[0]!] ?? first[0]) : first[0],
    );
    expect(rows[0]!.values[spec.columns[1]!.name]).toBe(Number(first[1]));
  });
});
