/**
 * The malformed-data corpus (test/fixtures/data/malformed/): every file gives an InputError that
 * names the file, the row (and the physical line) and the column. None crashes, none reads a
 * whole pathological file into memory.
 */
import { open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { scanDataset } from "../../src/data/scan-dataset.js";
import { dataSpec, inputErrorOf, tempFile } from "./data-test-helpers.js";

const corpus = path.join(path.dirname(new URL(import.meta.url).pathname), "../fixtures/data/malformed");

const columns = [
  { name: "id", type: "integer", min: 1 },
  { name: "name", type: "string" },
  { name: "price", type: "number", min: 0, max: 100000 },
  { name: "color", type: "category", values: ["red", "green", "blue"] },
  { name: "sold", type: "boolean" },
  { name: "when", type: "date", min: "2000-01-01" },
  { name: "rating", type: "number", nullable: true },
];

async function scanError(file: string, extra: Record<string, unknown> = {}): Promise<string> {
  const spec = dataSpec({ columns, ...extra });
  return inputErrorOf(scanDataset(spec, path.join(corpus, file), { file }));
}

describe("the malformed-data corpus", () => {
  it("a wrong type in row 317: file, line, row, column, value and hint", async () => {
    const message = await scanError("wrong-type-row-317.csv");
    expect(message).toBe(
      'wrong-type-row-317.csv:318, row 317, column "price": "abc" is not a number\n' +
        "  hint: write a decimal number such as 12, -3.5 or 1e-3; leave the cell empty for a missing value",
    );
  });

  it("a row with too few fields", async () => {
    expect(await scanError("ragged-short-row.csv")).toContain(
      'ragged-short-row.csv:6, row 5, column "sold": the row has 4 fields, the header has 7\n' +
        '  hint: the row ends before column "sold"; quote fields that contain the delimiter',
    );
  });

  it("a row with too many fields, in a CRLF file", async () => {
    expect(await scanError("ragged-long-row.csv")).toContain(
      'ragged-long-row.csv:10, row 9, column "rating": the row has 8 fields, the header has 7',
    );
  });

  it("a quote that never closes", async () => {
    expect(await scanError("unterminated-quote.csv")).toContain(
      'unterminated-quote.csv:4, row 3, column "name": a quoted field never closes: the file ends inside it',
    );
  });

  it("text after a closing quote", async () => {
    expect(await scanError("text-after-quote.csv")).toContain(
      'text-after-quote.csv:5, row 4, column "name": the field has text after its closing quote',
    );
  });

  it("bytes that are not UTF-8", async () => {
    expect(await scanError("non-utf8.csv")).toBe(
      'non-utf8.csv:3, row 2, column "name": the cell holds bytes that are not UTF-8\n' +
        "  hint: save the file as UTF-8 (from Latin-1, for example: iconv -f latin1 -t utf-8)",
    );
  });

  it("an empty file", async () => {
    expect(await scanError("empty.csv")).toMatch(/^empty\.csv: the data file is empty/);
  });

  it("a header and no rows", async () => {
    expect(await scanError("header-only.csv")).toMatch(/^header-only\.csv: the data file has no data rows/);
  });

  it("categories outside the allowed values, with a suggestion", async () => {
    expect(await scanError("category-not-allowed.csv")).toBe(
      'category-not-allowed.csv:8, row 7, column "color": "purple" is not one of the allowed values\n' +
        '  hint: allowed: "red", "green", "blue"\n' +
        'category-not-allowed.csv:9, row 8, column "color": "Red" is not one of the allowed values\n' +
        '  hint: did you mean "red"? allowed: "red", "green", "blue"',
    );
  });

  it("too many missing values", async () => {
    expect(await scanError("too-many-missing.csv", { checks: { maxMissingShare: 0.5 } })).toBe(
      'too-many-missing.csv, row 2, column "rating": 60% of the values are missing (6 of 10 rows), more than checks.maxMissingShare (50%)\n' +
        "  hint: missing in rows 2, 3, 5, 6, 7, …; fill them, or raise checks.maxMissingShare in the data spec",
    );
  });

  it("a missing value in a column that is not nullable", async () => {
    expect(await scanError("missing-value.csv")).toContain(
      'missing-value.csv:5, row 4, column "price": missing value\n' +
        '  hint: column "price" is not nullable: fill the value, or set `nullable: true` for it in the data spec',
    );
  });

  it("a value below the minimum", async () => {
    expect(await scanError("below-minimum.csv")).toContain(
      'below-minimum.csv:7, row 6, column "price": -5 is below the minimum 0\n  hint: the data spec allows 0 to 100000',
    );
  });

  it("a number that is not an integer", async () => {
    expect(await scanError("not-an-integer.csv")).toContain(
      'not-an-integer.csv:4, row 3, column "id": "3.5" is not an integer',
    );
  });

  it("a value that is not a boolean", async () => {
    expect(await scanError("not-a-boolean.csv")).toContain(
      'not-a-boolean.csv:3, row 2, column "sold": "maybe" is not a boolean\n  hint: write true/false, yes/no or 1/0 (any letter case)',
    );
  });

  it("a date that does not exist", async () => {
    expect(await scanError("impossible-date.csv")).toContain(
      'impossible-date.csv:9, row 8, column "when": "2021-02-30" is not an ISO 8601 date',
    );
  });

  it("a date before the minimum", async () => {
    expect(await scanError("date-before-minimum.csv")).toContain(
      'date-before-minimum.csv:6, row 5, column "when": 1999-12-31T00:00:00.000Z is below the minimum 2000-01-01T00:00:00.000Z',
    );
  });

  it("a misspelt column in the header, both ways round", async () => {
    expect(await scanError("misspelt-column.csv")).toBe(
      'misspelt-column.csv:1, column "colour": column "colour" is in the file but not in the data spec\n' +
        '  hint: did you mean "color"? Rename the column in the file or in the data spec\n' +
        'misspelt-column.csv:1, column "color": column "color" is in the data spec but not in the file\'s header\n' +
        '  hint: did you mean "colour"? The header has "colour"',
    );
  });

  it("a column named twice in the header", async () => {
    expect(await scanError("duplicate-column.csv")).toContain(
      'duplicate-column.csv:1, column "price": column "price" appears more than once in the header',
    );
  });

  it("line numbers after quoted line breaks differ from row numbers", async () => {
    expect(await scanError("quoted-newline-then-bad.csv")).toContain(
      'quoted-newline-then-bad.csv:7, row 4, column "price": "ten" is not a number',
    );
  });

  it("stops after 1000 problems, with a count per kind", async () => {
    const message = await scanError("many-bad-values.csv");
    const lines = message.split("\n");
    expect(lines[0]).toBe('many-bad-values.csv:2, row 1, column "price": "n/a" is not a number');
    expect(message).toContain(
      'many-bad-values.csv, column "price": 995 more values that are not numbers (1000 in all; rows 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, …)',
    );
    expect(message).toContain(
      "many-bad-values.csv:1001, row 1000: stopped reading after 1000 problems; the counts above cover the rows before this one",
    );
    expect(message.split("\n").length).toBeLessThan(20);
  });

  it("a file without a header whose row is short", async () => {
    expect(await scanError("no-header-ragged.csv", { header: false })).toContain(
      'no-header-ragged.csv:4, row 4, column "when": the row has 5 fields, the data spec names 7',
    );
  });

  it("fewer rows than checks.minRows", async () => {
    expect(await scanError("min-rows.csv", { checks: { minRows: 10 } })).toBe(
      "min-rows.csv: the file has 3 rows, fewer than checks.minRows (10)\n" +
        "  hint: add rows, or lower checks.minRows in the data spec",
    );
  });

  it("JSON: a wrong type in a record (the line is where the record starts)", async () => {
    expect(await scanError("wrong-type.json")).toContain(
      'wrong-type.json:20, row 3, column "price": "cheap" is not a number',
    );
  });

  it("JSON: a document that is not an array", async () => {
    expect(await scanError("not-an-array.json")).toContain(
      "not-an-array.json:1: a JSON data file must be an array of records",
    );
  });

  it("JSON: a file cut off inside a record", async () => {
    expect(await scanError("truncated.json")).toContain(
      "truncated.json:29, row 4: the file ends inside a record (a string or object never closes)",
    );
  });

  it("JSON: a nested value", async () => {
    expect(await scanError("nested-value.json")).toContain(
      'nested-value.json:11, row 2, column "name": holds an object; records must be flat',
    );
  });

  it("JSON Lines: a misspelt key", async () => {
    const message = await scanError("misspelt-key.jsonl");
    expect(message).toContain(
      'misspelt-key.jsonl:2, row 2, column "colour": key "colour" is not a column of the data spec\n  hint: did you mean "color"?',
    );
    // The row already has a problem, so the absent "color" is not reported on top of it.
    expect(message).not.toContain("missing value");
  });

  it("JSON Lines: a line that is not valid JSON", async () => {
    expect(await scanError("bad-syntax.jsonl")).toContain(
      "bad-syntax.jsonl:3, row 3, column \"rating\": the record is not valid JSON: expected ':' after a key at byte",
    );
  });

  it("JSON Lines: bytes that are not UTF-8", async () => {
    expect(await scanError("non-utf8.jsonl")).toContain(
      'non-utf8.jsonl:2, row 2, column "name": bytes that are not UTF-8',
    );
  });

  it("JSON Lines: a category outside the allowed values", async () => {
    expect(await scanError("category-outside.jsonl")).toContain(
      'category-outside.jsonl:4, row 4, column "color": "teal" is not one of the allowed values',
    );
  });

  it("a 100 MB line is refused after the record limit, without reading it into memory", async () => {
    const file = path.join(tmpdir(), `modelgate-long-line-${process.pid}.csv`);
    const handle = await open(file, "w");
    try {
      await handle.write("id,name,price,color,sold,when,rating\n1,widget,");
      const block = Buffer.alloc(1 << 20, "9");
      for (let i = 0; i < 100; i++) await handle.write(block);
      await handle.write(",red,true,2021-01-01,1\n");
      await handle.close();
      const before = process.memoryUsage().rss;
      const spec = dataSpec({ columns });
      const error = await scanDataset(spec, file, { file: "long-line.csv" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toBe(
        'long-line.csv:2, row 1, column "price": the record is longer than 1 MiB; reading stopped here\n' +
          "  hint: look for a quote that never closes above this point, or raise the record limit (maxRecordBytes)",
      );
      expect(process.memoryUsage().rss - before).toBeLessThan(50 * (1 << 20));
    } finally {
      await rm(file, { force: true });
    }
  });

  it("a quote that never closes in a long file stops at the record limit, naming where it opened", async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${i + 1},w,1,red,true,2021-01-01,1`);
    rows[9] = '10,"w,1,red,true,2021-01-01,1';
    const file = tempFile("open-quote.csv", `id,name,price,color,sold,when,rating\n${rows.join("\n")}\n`);
    const spec = dataSpec({ columns });
    expect(
      await inputErrorOf(
        scanDataset(spec, file, { file: "open-quote.csv", maxRecordBytes: 4096, readSize: 1024 }),
      ),
    ).toBe(
      'open-quote.csv:11, row 10, column "name": the record is longer than 4096 bytes; reading stopped here\n' +
        "  hint: look for a quote that never closes above this point, or raise the record limit (maxRecordBytes)",
    );
  });

  it("a quote that never closes is reported as such when the file ends within the limit", async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${i + 1},w,1,red,true,2021-01-01,1`);
    rows[9] = '10,"w,1,red,true,2021-01-01,1';
    const file = tempFile("open-quote.csv", `id,name,price,color,sold,when,rating\n${rows.join("\n")}\n`);
    expect(
      await inputErrorOf(
        scanDataset(dataSpec({ columns }), file, { file: "open-quote.csv", maxRecordBytes: 4096 }),
      ),
    ).toContain(
      'open-quote.csv:11, row 10, column "name": a quoted field never closes: the file ends inside it',
    );
  });

  it("JSON and JSON Lines records past the limit are refused too", async () => {
    const spec = dataSpec({ columns });
    const big = JSON.stringify({ id: 2, name: "x".repeat(20000) });
    const jsonl = tempFile("big.jsonl", `{"id": 1}\n${big}\n`);
    expect(
      await inputErrorOf(scanDataset(spec, jsonl, { file: "big.jsonl", maxRecordBytes: 4096 })),
    ).toContain("big.jsonl:2, row 2: the record is longer than 4096 bytes; reading stopped here");
    const json = tempFile("big.json", `[{"id": 1},\n${big}]`);
    expect(await inputErrorOf(scanDataset(spec, json, { file: "big.json", maxRecordBytes: 4096 }))).toContain(
      "big.json:2, row 2: the record is longer than 4096 bytes; reading stopped here",
    );
  });

  it("has at least 20 files, each of them tested above", async () => {
    const { readdir } = await import("node:fs/promises");
    const files = await readdir(corpus);
    const source = (await import("node:fs")).readFileSync(new URL(import.meta.url), "utf8");
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const f of files) expect(source, f).toContain(`"${f}"`);
  });
});
