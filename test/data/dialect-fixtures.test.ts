/**
 * The committed dialect fixtures (test/fixtures/data/dialects/): each reads with its data spec
 * alone, and a fault in one is reported at its row, line and column.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataSpec } from "../../src/project/load-project.js";
import { scanDataset } from "../../src/data/scan-dataset.js";
import { parseIsoDate } from "../../src/data/parse-values.js";
import { inputErrorOf, readAll, tempFile } from "./data-test-helpers.js";

const dir = path.resolve(import.meta.dirname, "../fixtures/data/dialects");

/** The spec and the rows of a fixture, read with and without the kernel (the same). */
async function fixture(name: string, file?: string) {
  const spec = loadDataSpec(path.join(dir, `${name}.data.yml`), `${name}.data.yml`);
  const data = file ?? path.join(dir, spec.file);
  const rows = await readAll(spec, data, { file: spec.file });
  expect(await readAll(spec, data, { file: spec.file, csvKernel: false })).toEqual(rows);
  return { spec, rows };
}

describe("dialect fixtures", () => {
  it("a semicolon file with a decimal comma, a title line, date-times and NA", async () => {
    const { rows } = await fixture("prices");
    expect(rows.map((r) => r.values.preis)).toEqual([12.5, -0.75, 1234.125, 7, null]);
    expect(rows.map((r) => r.values.menge)).toEqual([3, 1, null, 12, 2]);
    expect(rows.map((r) => r.values.zeit)).toEqual(
      [
        "2024-01-31T08:15:00+01:00",
        "2024-01-31T09:00:00+01:00",
        "2024-02-01T10:30Z",
        "2024-02-01T11:45:30.5+01:00",
        "2024-02-02",
      ].map(parseIsoDate),
    );
    expect(rows.map((r) => r.values.notiz)).toEqual([
      "erste Lieferung",
      null,
      "Rabatt; mit Gutschein",
      null,
      'Preis "alt"',
    ]);
    expect(rows.map((r) => r.values.filiale)).toEqual(["Köln", "Berlin", "Köln", "Hamburg", "Berlin"]);
    // The title line is line 1, the header line 2.
    expect(rows.map((r) => r.line)).toEqual([3, 4, 5, 6, 7]);
  });

  it("a Latin-1 file", async () => {
    const { rows } = await fixture("villes");
    expect(rows.map((r) => [r.values.ville, r.values.pays])).toEqual([
      ["Zürich", "Suisse"],
      ["São Paulo", "Brésil"],
      ["København", "Danemark"],
      ["Montréal", "Canada"],
    ]);
    expect(rows.map((r) => r.values.altitude)).toEqual([408, 760, null, 233]);
  });

  it("a file with a byte order mark, comment lines, a trailing delimiter and a blank last line", async () => {
    const { rows } = await fixture("sensors");
    expect(rows.map((r) => r.values)).toEqual([
      { id: "A1", reading: 0.25, ok: 1 },
      { id: "A2", reading: 0.5, ok: 0 },
      { id: "A3", reading: null, ok: 1 },
    ]);
    expect(rows.map((r) => r.line)).toEqual([4, 6, 7]);
  });

  it("the census file: spaces after commas and ? for a missing value", async () => {
    const spec = loadDataSpec(path.join(dir, "census/data/adult.data.yml"), "adult.data.yml");
    const file = path.join(dir, "census/data/adult.csv");
    const scan = await scanDataset(spec, file, { file: "adult.csv" });
    expect(scan.rows).toBe(60);
    const rows = await readAll(spec, file);
    expect(rows[0]!.values).toMatchObject({
      age: 78,
      workclass: null,
      education: "Masters",
      occupation: null,
    });
    expect(rows.filter((r) => r.values.occupation === null).length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.values.sex))).toEqual(new Set(["Male", "Female"]));
  });

  it("a bad cell in a dialect file is reported at its row, line and column", async () => {
    const text = readFileSync(path.join(dir, "prices.csv"), "utf8").replace("-0,75", "-0.75");
    const { spec } = await fixture("prices");
    const message = await inputErrorOf(readAll(spec, tempFile("prices.csv", text), { file: "prices.csv" }));
    expect(message).toContain('prices.csv:4, row 2, column "preis"');
    const latin = readFileSync(path.join(dir, "villes.csv"));
    const villes = loadDataSpec(path.join(dir, "villes.data.yml"), "villes.data.yml");
    const bad = Buffer.concat([latin, Buffer.from("Genève,Suisse,huge,375\n", "latin1")]);
    const err = await inputErrorOf(readAll(villes, tempFile("villes.csv", bad), { file: "villes.csv" }));
    expect(err).toContain('villes.csv:6, row 5, column "population"');
  });
});
