import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import type { RowBatch } from "../../src/data/row-batch.js";
import { readRows, scanDataset } from "../../src/data/scan-dataset.js";
import { dataSpec, inputErrorOf, readAll, tempFile } from "./data-test-helpers.js";

const columns = [
  { name: "id", type: "integer" },
  { name: "score", type: "number", nullable: true },
  { name: "ok", type: "boolean", nullable: true },
  { name: "day", type: "date", nullable: true },
  { name: "grade", type: "category", values: ["A1", "A2"], labels: { A1: "good", A2: "bad" } },
  { name: "note", type: "string", nullable: true },
];
const expected = [
  { id: 1, score: 2.5, ok: 1, day: Date.UTC(2020, 0, 2), grade: "good", note: 'say "hi", then\nleave' },
  { id: 2, score: null, ok: null, day: null, grade: "bad", note: null },
  { id: 3, score: -1e-3, ok: 0, day: Date.UTC(2020, 0, 2, 3, 4, 5), grade: "good", note: "Zürich" },
];

describe("reading the three formats", () => {
  it("CSV with a BOM, CRLF, quotes and a header in another order", async () => {
    const text =
      "\uFEFFnote,id,score,ok,day,grade\r\n" +
      '"say ""hi"", then\nleave",1,2.5,Yes,2020-01-02,A1\r\n' +
      ",2,,,,A2\r\n" +
      "Zürich, 3 ,-1e-3,FALSE,2020-01-02T03:04:05Z,A1\r\n";
    const rows = await readAll(dataSpec({ columns }), tempFile("a.csv", text));
    expect(rows.map((r) => r.values)).toEqual(expected);
    expect(rows.map((r) => [r.row, r.line])).toEqual([
      [1, 2],
      [2, 4],
      [3, 5],
    ]);
  });

  it("CSV without a header, with another delimiter", async () => {
    const text =
      '1;2.5;yes;2020-01-02;A1;"say ""hi"", then\nleave"\n2;;;;A2;\n3;-0.001;no;2020-01-02T03:04:05Z;A1;Zürich\n';
    const rows = await readAll(dataSpec({ columns, header: false, delimiter: ";" }), tempFile("b.txt", text));
    expect(rows.map((r) => r.values)).toEqual(expected);
    expect(rows.map((r) => r.line)).toEqual([1, 3, 4]);
  });

  it("a JSON array and JSON Lines give the same rows", async () => {
    const records = [
      { id: 1, score: 2.5, ok: true, day: "2020-01-02", grade: "A1", note: 'say "hi", then\nleave' },
      { id: 2, score: null, grade: "A2", note: null },
      { id: 3, score: -0.001, ok: 0, day: "2020-01-02T03:04:05Z", grade: "A1", note: "Z\u00fcrich" },
    ];
    const json = await readAll(dataSpec({ columns }), tempFile("c.json", JSON.stringify(records, null, 2)));
    expect(json.map((r) => r.values)).toEqual(expected);
    expect(json.map((r) => r.line)).toEqual([2, 10, 16]);
    const jsonl = await readAll(
      dataSpec({ columns }),
      tempFile("d.jsonl", records.map((r) => JSON.stringify(r)).join("\r\n") + "\r\n\r\n"),
    );
    expect(jsonl.map((r) => r.values)).toEqual(expected);
    expect(jsonl.map((r) => r.line)).toEqual([1, 2, 3]);
  });

  it("reads JSON records that span reads of a few bytes, with line numbers", async () => {
    const spec = dataSpec({
      columns: [
        { name: "i", type: "integer" },
        { name: "s", type: "string" },
      ],
    });
    const records = Array.from({ length: 200 }, (_, i) => ({ i, s: `t\u00e9xt "${i}" {[,]}\n` }));
    const text = `[\n${records.map((r) => `  ${JSON.stringify(r)}`).join(",\n")}\n]\n`;
    for (const readSize of [3, 50, 4096]) {
      const rows = await readAll(spec, tempFile("span.json", text), { readSize, batchSize: 64 });
      expect(rows.map((r) => r.values)).toEqual(records);
      expect(rows.map((r) => r.line)).toEqual(records.map((_, k) => k + 2));
    }
  });

  it("hands out category codes that index the labelled levels, stable across batches", async () => {
    const spec = dataSpec({ columns: [{ name: "g", type: "category", labels: { x: "ex" } }] });
    const file = tempFile(
      "g.csv",
      `g\n${Array.from({ length: 10 }, (_, i) => ["y", "x", "z"][i % 3]).join("\n")}\n`,
    );
    const batches: RowBatch[] = [];
    for await (const b of readRows(spec, file, { batchSize: 4 })) batches.push(b);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    const col = batches[2]!.columns[0]!;
    expect(col.kind).toBe("category");
    if (col.kind !== "category") return;
    expect(col.levels).toEqual(["y", "ex", "z"]);
    expect(col.raw).toEqual(["y", "x", "z"]);
    expect([...col.codes]).toEqual([2, 0]);
    expect(batches.flatMap((b) => [...b.row])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe("scanDataset", () => {
  it("returns rows, split sizes, missing values, the sha256 of the bytes and the profile", async () => {
    const text =
      "id,score\n" +
      Array.from({ length: 300 }, (_, i) => `${i + 1},${i % 10 === 0 ? "" : i / 2}`).join("\n") +
      "\n";
    const file = tempFile("s.csv", text);
    const spec = dataSpec({
      columns: [
        { name: "id", type: "integer" },
        { name: "score", type: "number", nullable: true },
      ],
      key: ["id"],
    });
    const seen: number[] = [];
    const scan = await scanDataset(spec, file, { onBatch: (b) => seen.push(b.length), batchSize: 128 });
    expect(scan.rows).toBe(300);
    expect(seen).toEqual([128, 128, 44]);
    expect(scan.missing).toEqual({ id: 0, score: 30 });
    expect(scan.sha256).toBe(createHash("sha256").update(text).digest("hex"));
    expect(scan.bytes).toBe(Buffer.byteLength(text));
    const sides = (await readAll(spec, file)).map((r) => r.side);
    expect(scan.test).toBe(sides.filter((s) => s === 1).length);
    expect(scan.train).toBe(300 - scan.test);
    expect(scan.profile.columns[1]!.count).toBe(270);
  });

  it("refuses a file that does not exist, and an unknown extension", async () => {
    const spec = dataSpec({ columns: [{ name: "a", type: "number" }] });
    expect(await inputErrorOf(scanDataset(spec, "/nonexistent/x.csv", { file: "data/x.csv" }))).toBe(
      "data/x.csv: the data file does not exist\n  hint: the data spec's `file` is relative to the data spec",
    );
    expect(await inputErrorOf(scanDataset(spec, tempFile("x.xlsx", "")))).toContain(
      'cannot tell the format of the data from the extension ".xlsx"',
    );
  });

  it("refuses a key column that is not a column, naming the spec", async () => {
    const spec = dataSpec({ columns: [{ name: "a", type: "number" }], key: ["b"] });
    expect(await inputErrorOf(scanDataset(spec, tempFile("k.csv", "a\n1\n"), { specFile: "data.yml" }))).toBe(
      'data.yml, column "b": key column "b" is not one of the data spec\'s columns\n  hint: columns: "a"',
    );
  });

  it("reports a JSON column that no record holds, with a suggestion", async () => {
    const spec = dataSpec({ columns: [{ name: "Horsepower", type: "number", nullable: true }] });
    const message = await inputErrorOf(
      scanDataset(spec, tempFile("h.jsonl", '{"HorsePower": 1}\n{"HorsePower": 2}\n'), { file: "h.jsonl" }),
    );
    expect(message).toContain(
      'h.jsonl, column "Horsepower": column "Horsepower" is in the data spec but in no record of the file\n  hint: did you mean "HorsePower"?',
    );
  });

  it("refuses a category column with too many distinct values", async () => {
    const spec = dataSpec({ columns: [{ name: "id", type: "category" }] });
    const file = tempFile("ids.csv", `id\n${Array.from({ length: 30 }, (_, i) => `u${i}`).join("\n")}\n`);
    expect(await inputErrorOf(scanDataset(spec, file, { file: "ids.csv", maxLevels: 20 }))).toContain(
      'ids.csv:22, row 21, column "id": more than 20 distinct values; "u20" is one too many\n  hint: a column with this many values is an identifier or free text: declare it as `type: string`',
    );
  });
});

describe("readRows", () => {
  it("throws at the first batch with a problem", async () => {
    const spec = dataSpec({ columns: [{ name: "a", type: "number" }] });
    const file = tempFile(
      "r.csv",
      `a\n${Array.from({ length: 100 }, (_, i) => (i === 50 ? "x" : String(i))).join("\n")}\n`,
    );
    const lengths: number[] = [];
    const error = await (async () => {
      for await (const b of readRows(spec, file, { batchSize: 10, readSize: 64, file: "r.csv" }))
        lengths.push(b.length);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain('r.csv:52, row 51, column "a": "x" is not a number');
    expect(lengths.reduce((s, n) => s + n, 0)).toBeLessThanOrEqual(50);
  });

  it("refuses a file whose bytes changed since the scan", async () => {
    const spec = dataSpec({ columns: [{ name: "a", type: "number" }] });
    const file = tempFile("c.csv", "a\n1\n2\n");
    const { sha256 } = await scanDataset(spec, file);
    expect((await readAll(spec, file, { expectSha256: sha256 })).length).toBe(2);
    expect(await inputErrorOf(readAll(spec, file, { expectSha256: "0".repeat(64), file: "c.csv" }))).toBe(
      "c.csv: the data file changed since it was scanned (its sha256 differs)\n  hint: do not change the data while modelgate runs",
    );
  });
});
