/**
 * CSV dialects (trim, missing markers, decimal comma, quote and escape, comments, skipRows,
 * Latin-1, trailing delimiter) and date-time and string columns: the WebAssembly kernel reads
 * such records itself (no fall-back to the general tokenizer), and a read with it gives what a
 * read without it gives.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvKernel } from "../../src/data/csv-kernel.js";
import { parseIsoDate } from "../../src/data/parse-values.js";
import { readRows, scanDataset } from "../../src/data/scan-dataset.js";
import type { ReadRowsOptions } from "../../src/data/scan-dataset.js";
import { loadDataSpec } from "../../src/project/load-project.js";
import { dataSpec, inputErrorOf, readAll, rowsOf, tempFile } from "./data-test-helpers.js";

const SCALE = 2 ** 21;

describe("the kernel with a dialect", () => {
  it("reads census-style records whole: spaces after the delimiter, ? for missing, strings", () => {
    const text = "39, State-gov, 77516, ?, Never married\n50, ?, 83311, 13, ?\n";
    const k = CsvKernel.create(5, 8, 256)!;
    k.setSyntax({ quote: 34, point: 46, comment: 0, trim: true, trailing: false, latin1: false });
    k.setColumn(0, { kind: "integer", min: 0, max: 120 });
    k.setColumn(1, { kind: "category", nullable: true });
    k.addMarker(1, "?");
    k.addLevel(1, "State-gov", 0);
    k.setColumn(2, { kind: "number", min: -Infinity, max: Infinity });
    k.setColumn(3, { kind: "number", min: -Infinity, max: Infinity, nullable: true });
    k.addMarker(3, "?");
    k.setColumn(4, { kind: "string", nullable: true });
    k.addMarker(4, "?");
    Buffer.from(text).copy(k.window);
    expect(k.read(0, text.length, 44, 8, 1 << 20)).toBe(2);
    expect(k.next).toBe(text.length);
    const col = (f: number) => Array.from(k.values.subarray(f * 8, f * 8 + 2));
    expect(col(0)).toEqual([39, 50]);
    expect(col(1)).toEqual([0, -1]);
    expect(col(2)).toEqual([77516, 83311]);
    expect(col(3)).toEqual([NaN, 13]);
    const s = col(4)[0]!;
    const start = Math.floor(s / SCALE) - k.windowAddress;
    expect(text.slice(start, start + (s % SCALE))).toBe("Never married");
    expect(col(4)[1]).toBeNaN();
  });

  it("reads a decimal comma, a trailing delimiter, Latin-1 levels and date-times with zones", () => {
    const times = ["2024-03-01T12:30:15.25+01:00", "2024-03-01 23:59Z", "1969-12-31T00:00:00-0530"];
    const text = times.map((t, r) => `-1,5;caf\u00e9;${t};${r};\r\n`).join("");
    const k = CsvKernel.create(4, 8, 512)!;
    k.setSyntax({ quote: 34, point: 44, comment: 35, trim: false, trailing: true, latin1: true });
    k.setColumn(0, { kind: "number", min: -Infinity, max: Infinity });
    k.setColumn(1, { kind: "category" });
    expect(k.addLevel(1, "caf\u00e9", 7)).toBe(true);
    k.setColumn(2, { kind: "date", min: -Infinity, max: Infinity });
    k.setColumn(3, { kind: "integer", min: 0, max: 9, nullable: true, missingValue: 1 });
    Buffer.from(text, "latin1").copy(k.window);
    expect(k.read(0, text.length, 59, 8, 1 << 20)).toBe(3);
    const col = (f: number) => Array.from(k.values.subarray(f * 8, f * 8 + 3));
    expect(col(0)).toEqual([-1.5, -1.5, -1.5]);
    expect(col(1)).toEqual([7, 7, 7]);
    expect(col(2)).toEqual(times.map(parseIsoDate));
    expect(col(3)).toEqual([0, NaN, 2]);
    // A comment line ends the run: the reader skips it.
    const commented = "# note\n" + text;
    Buffer.from(commented, "latin1").copy(k.window);
    expect(k.read(0, commented.length, 59, 8, 1 << 20)).toBe(0);
  });
});

/** A number written as the dialect writes it. */
function spell(v: number, comma: boolean): string {
  const text = String(v);
  return comma ? text.replace(".", ",") : text;
}

const pad = fc.constantFrom("", "", " ", "  ", "\t");

/** One row's cells before the dialect is applied: values, markers, and now and then junk. */
const rowCells = fc.record({
  x: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.double({ min: -1e4, max: 1e4, noNaN: true }).map((v) => Math.round(v * 100) / 100),
    },
    { weight: 2, arbitrary: fc.constantFrom("?", "NA", "", "-999", "junk", "1.5.5") },
  ),
  n: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: -500, max: 500 }) },
    { weight: 1, arbitrary: fc.constantFrom("?", "", "2.5") },
  ),
  c: fc.constantFrom("red", "green", "caf\u00e9", "?", "NA", "", "blue"),
  b: fc.constantFrom("yes", "no", "TRUE", "0", "?", ""),
  d: fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(
          fc.date({
            min: new Date("1950-01-01T00:00:00Z"),
            max: new Date("2050-01-01T00:00:00Z"),
            noInvalidDate: true,
          }),
          fc.constantFrom("day", "Z", "ms", "+02:00", "-0530", "space", "+01"),
        )
        .map(([d, form]) => {
          const iso = d.toISOString();
          if (form === "day") return iso.slice(0, 10);
          if (form === "Z") return iso.slice(0, 19) + "Z";
          if (form === "ms") return iso.slice(0, 23);
          if (form === "space") return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
          return iso.slice(0, 19) + form;
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom("?", "", "2024-02-30", "2024-01-01T25:00", "2024-01-01T10:00+01:"),
    },
  ),
  s: fc.constantFrom("plain text", "caf\u00e9 au lait", "?", "", "a;b", 'say "hi"', "NA"),
});

describe("a read of a dialect with the kernel", () => {
  it("gives what the JavaScript reader gives: rows, lines, values, problems", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowCells, { minLength: 1, maxLength: 30 }),
        fc.record({
          trim: fc.boolean(),
          comma: fc.boolean(),
          latin1: fc.boolean(),
          trailing: fc.boolean(),
          comments: fc.boolean(),
          skipRows: fc.constantFrom(0, 2),
          columnMissing: fc.boolean(),
          eol: fc.constantFrom("\n", "\r\n"),
        }),
        fc.array(pad, { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 8, max: 64 }),
        fc.integer({ min: 1, max: 9 }),
        async (rows, d, pads, readSize, batchSize) => {
          const delim = d.comma ? ";" : ",";
          const spec = dataSpec({
            delimiter: delim,
            ...(d.trim ? { trim: true } : {}),
            ...(d.comma ? { decimal: "," } : {}),
            ...(d.latin1 ? { encoding: "latin-1" } : {}),
            ...(d.trailing ? { trailingDelimiter: true } : {}),
            ...(d.comments ? { comment: "#" } : {}),
            skipRows: d.skipRows,
            missing: ["?", "NA", "-999"],
            columns: [
              { name: "x", type: "number", nullable: true },
              { name: "n", type: "integer", nullable: true, ...(d.columnMissing ? { missing: ["?"] } : {}) },
              { name: "c", type: "category", nullable: true },
              { name: "b", type: "boolean", nullable: true },
              { name: "d", type: "date", nullable: true },
              { name: "s", type: "string", nullable: d.columnMissing },
            ],
          });
          const quote = (t: string) =>
            t.includes(delim) || t.includes('"') ? `"${t.replaceAll('"', '""')}"` : t;
          const lines = rows.map((r, k) => {
            const cells = [
              typeof r.x === "number" ? spell(r.x, d.comma) : r.x,
              String(r.n),
              r.c,
              r.b,
              r.d,
              quote(r.s),
            ].map((cell, f) => (d.trim ? pads[(k + f) % 12]! + cell + pads[(k * 7 + f) % 12]! : cell));
            const comment = d.comments && k % 5 === 2 ? `# note ${k}${d.eol}` : "";
            return comment + cells.join(delim) + (d.trailing && k % 3 !== 1 ? delim : "");
          });
          const head = ["x", "n", "c", "b", "d", "s"].join(delim) + (d.trailing ? delim : "");
          const top = d.skipRows > 0 ? `exported by a tool${d.eol}version 2${d.eol}` : "";
          const text = `${top}${head}${d.eol}${lines.join(d.eol)}${d.eol}`;
          const file = tempFile("dialect.csv", Buffer.from(text, d.latin1 ? "latin1" : "utf8"));
          const options = { readSize, batchSize, file: "dialect.csv", worker: false as const };
          const without = await outcome(spec, file, { ...options, csvKernel: false });
          expect(await outcome(spec, file, options)).toEqual(without);
        },
      ),
      { seed: 2727, numRuns: 120 },
    );
  }, 120_000);
});

describe("dialect fields", () => {
  it("read a census-style file: ', ' after each comma and ' ?' for a missing value", async () => {
    const file = tempFile("adult.csv", "age,workclass,hours\n39, State-gov, 40\n50, ?, 13.5\n");
    const spec = dataSpec({
      trim: true,
      missing: ["?"],
      columns: [
        { name: "age", type: "integer" },
        { name: "workclass", type: "category", nullable: true },
        { name: "hours", type: "number" },
      ],
    });
    expect((await readAll(spec, file)).map((r) => r.values)).toEqual([
      { age: 39, workclass: "State-gov", hours: 40 },
      { age: 50, workclass: null, hours: 13.5 },
    ]);
  });

  it("a column's own missing list replaces the file's", async () => {
    const file = tempFile("na.csv", "region,v\nNA,1\n?,2\n");
    const spec = dataSpec({
      missing: ["?", "NA"],
      columns: [
        { name: "region", type: "category", nullable: true, missing: ["?"] },
        { name: "v", type: "number" },
      ],
    });
    expect((await readAll(spec, file)).map((r) => r.values.region)).toEqual(["NA", null]);
  });

  it("read a backslash escape inside quotes, another quote character, and a BOM with comments", async () => {
    const file = tempFile("esc.csv", "\ufeff# exported\nname,v\n'it\\'s',1\n# skipped\n'a,b',2\n");
    const spec = dataSpec({
      quote: "'",
      escape: "\\",
      comment: "#",
      encoding: "utf-8-sig",
      columns: [
        { name: "name", type: "string" },
        { name: "v", type: "integer" },
      ],
    });
    const rows = await readAll(spec, file);
    expect(rows.map((r) => r.values)).toEqual([
      { name: "it's", v: 1 },
      { name: "a,b", v: 2 },
    ]);
    expect(rows.map((r) => [r.row, r.line])).toEqual([
      [1, 3],
      [2, 5],
    ]);
  });

  it("count rows and lines past skipped lines and comments in errors", async () => {
    const file = tempFile("skip.csv", "title\n\nv\n1\n# c\nx\n");
    const spec = dataSpec({ skipRows: 2, comment: "#", columns: [{ name: "v", type: "number" }] });
    const message = await inputErrorOf(readAll(spec, file, { file: "skip.csv" }));
    expect(message).toContain("skip.csv:6");
    expect(message).toMatch(/row 2\b/);
  });

  it("are checked in the spec file with their line, and misspelt values get a did-you-mean", () => {
    const spec = tempFile(
      "d.data.yml",
      'file: d.csv\ndecimal: ","\nencoding: utf8\ncolumns:\n  - { name: v, type: number }\n',
    );
    const message = (() => {
      try {
        loadDataSpec(spec, "d.data.yml");
      } catch (error) {
        return (error as Error).message;
      }
      return "";
    })();
    expect(message).toContain("d.data.yml:3");
    expect(message).toContain('did you mean "utf-8"?');
    const combination = tempFile(
      "c.data.yml",
      'file: d.csv\ndelimiter: ","\ndecimal: ","\ncolumns:\n  - { name: v, type: number }\n',
    );
    expect(() => loadDataSpec(combination, "c.data.yml")).toThrow(
      /c\.data\.yml:3:\d+.*decimal comma cannot be read with the delimiter ","/s,
    );
  });

  it("refuse a decimal comma with a comma delimiter, naming the key", async () => {
    const file = tempFile("bad.csv", "v\n1\n");
    const spec = dataSpec({ decimal: ",", columns: [{ name: "v", type: "number" }] });
    const message = await inputErrorOf(readAll(spec, file));
    expect(message).toContain("decimal");
    expect(message).toContain('delimiter: ";"');
  });
});

/** What a read gives: the scan and the rows, or the error and the rows handed over before it. */
async function outcome(
  spec: ReturnType<typeof dataSpec>,
  file: string,
  options: ReadRowsOptions,
): Promise<unknown> {
  const batches: unknown[] = [];
  try {
    const scan = await scanDataset(spec, file, { ...options, onBatch: (b) => batches.push(...rowsOf(b)) });
    const rows = [];
    for await (const b of readRows(spec, file, options)) rows.push(...rowsOf(b));
    expect(batches).toEqual(rows);
    return { scan, rows };
  } catch (error) {
    if ((error as Error).name !== "InputError") throw error;
    return { error: (error as Error).message, rows: batches };
  }
}
