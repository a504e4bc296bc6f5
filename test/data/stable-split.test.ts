import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { murmurhash3, murmurhash3Hex, murmurhash3Words, murmurOut } from "../../src/data/murmurhash3.js";
import { TEST, TRAIN } from "../../src/data/row-batch.js";
import type { CanonicalValue } from "../../src/data/stable-split.js";
import { canonicalRowBytes, sideAt, splitPosition } from "../../src/data/stable-split.js";
import { dataSpec, readAll, tempFile } from "./data-test-helpers.js";

const splitDoc = readFileSync(new URL("../../src/data/SPLIT.md", import.meta.url), "utf8");

/** The rows of the test-vector table in SPLIT.md. */
function documentedVectors(): {
  salt: string;
  values: CanonicalValue[];
  bytes: string;
  hash: string;
  position: number;
}[] {
  const table = splitDoc.slice(splitDoc.indexOf("## 4. Test vectors"));
  const rows = table.split("\n").filter((l) => l.startsWith("| `"));
  return rows.map((line) => {
    const cells = line
      .split(" | ")
      .map((c) => c.replace(/^\| /, "").replace(/ \|$/, "").trim())
      .map((c) => c.replace(/^`|`$/g, ""));
    return {
      salt: JSON.parse(cells[0]!) as string,
      values: JSON.parse(cells[1]!) as CanonicalValue[],
      bytes: cells[2]!,
      hash: cells[3]!,
      position: Number(cells[4]),
    };
  });
}

describe("the split's documented test vectors (SPLIT.md)", () => {
  const vectors = documentedVectors();

  it("has the vectors", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(10);
  });

  it.each(vectors.map((v) => [JSON.stringify([v.salt, v.values]), v] as const))(
    "%s: canonical bytes, MurmurHash3_x86_128 and position",
    (_, v) => {
      const bytes = canonicalRowBytes(v.salt, v.values);
      expect(Buffer.from(bytes).toString("hex")).toBe(v.bytes);
      expect(murmurhash3Hex(bytes)).toBe(v.hash);
      expect(splitPosition(bytes)).toBe(v.position);
    },
  );

  it("hashes the published MurmurHash3_x86_128 value of a known text", () => {
    // Listed for the reference implementation (and by Python's mmh3, hash128(x64arch=False)).
    expect(murmurhash3Hex(new TextEncoder().encode("The quick brown fox jumps over the lazy dog"))).toBe(
      "2f1583c3ecee2c675d7bf66ce5e91d2c",
    );
  });

  it("hashes the same reading 32-bit words as reading bytes, for every length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 5 }), (data, skip) => {
        // The bytes from a word boundary past the start (`skip` words in).
        const start = skip * 4;
        const bytes = new Uint8Array(start + data.length + 8).fill(0xa5);
        bytes.set(data, start);
        const words = new Int32Array(bytes.buffer, 0, bytes.length >> 2);
        murmurhash3(bytes, start, start + data.length);
        const expected = Array.from(murmurOut);
        murmurhash3Words(words, bytes, start, data.length);
        expect(Array.from(murmurOut)).toEqual(expected);
      }),
      { seed: 3, numRuns: 500 },
    );
  });

  it("puts a position below the test share on the test side", () => {
    expect(sideAt(0.1999, 0.2)).toBe(TEST);
    expect(sideAt(0.2, 0.2)).toBe(TRAIN);
    expect(sideAt(0, 0)).toBe(TRAIN);
  });
});

const csvRow = fc.record({
  id: fc.integer({ min: 0, max: 1_000_000 }),
  x: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  c: fc.constantFrom("red", "green", "blue", ""),
});
type CsvRow = { id: number; x: number; c: string };
const toCsv = (rows: CsvRow[]) => `id,x,c\n${rows.map((r) => `${r.id},${r.x},${r.c}`).join("\n")}\n`;
const columns = [
  { name: "id", type: "integer" },
  { name: "x", type: "number" },
  { name: "c", type: "category", nullable: true },
];

async function sidesByContent(rows: CsvRow[], key?: string[]): Promise<Map<string, number>> {
  const spec = dataSpec({ columns, ...(key ? { key } : {}), split: { test: 0.4, salt: "s" } });
  const read = await readAll(spec, tempFile("split.csv", toCsv(rows)));
  return new Map(read.map((r) => [JSON.stringify(key ? key.map((k) => r.values[k]) : r.values), r.side]));
}

/** Each row read is on the side of its canonical bytes (split test share 0.5). */
function expectCanonicalSides(
  read: { side: number; values: Record<string, unknown> }[],
  salt: string,
  columns: string[],
): void {
  for (const r of read) {
    const bytes = canonicalRowBytes(
      salt,
      columns.map((c) => r.values[c] as CanonicalValue),
    );
    expect(r.side).toBe(sideAt(splitPosition(bytes), 0.5));
  }
}

describe("the stable split", () => {
  it("never moves a row when other rows are appended, deleted or reordered", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(csvRow, { minLength: 1, maxLength: 40 }),
        fc.array(csvRow, { maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        async (base, appended, keep, byKey) => {
          const key = byKey ? ["id"] : undefined;
          const before = await sidesByContent(base, key);
          const kept = base.filter((_, i) => keep[i % keep.length]);
          const changed = [...appended.slice(0, 10), ...kept.reverse(), ...appended.slice(10)];
          if (changed.length === 0) return;
          const after = await sidesByContent(changed, key);
          for (const [content, side] of after) {
            if (before.has(content)) expect(side).toBe(before.get(content));
          }
        },
      ),
      { seed: 1234, numRuns: 60 },
    );
  });

  it("realises the requested test share within 0.5 percentage point on 100,000 rows", async () => {
    const n = 100_000;
    const lines = ["id,x"];
    for (let i = 0; i < n; i++) lines.push(`${i},${(i * 37) % 1000}`);
    const file = tempFile("share.csv", `${lines.join("\n")}\n`);
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.string({ maxLength: 12 }),
        fc.boolean(),
        async (test, salt, byKey) => {
          const spec = dataSpec({
            columns: [
              { name: "id", type: "integer" },
              { name: "x", type: "number" },
            ],
            ...(byKey ? { key: ["id"] } : {}),
            split: { test, salt },
          });
          let tested = 0;
          let rows = 0;
          for (const r of await readAll(spec, file)) {
            tested += r.side;
            rows++;
          }
          expect(rows).toBe(n);
          expect(Math.abs(tested / n - test)).toBeLessThanOrEqual(0.005);
        },
      ),
      { seed: 99, numRuns: 6 },
    );
  });

  it("puts every row in train when split.test is 0", async () => {
    const spec = dataSpec({ columns, split: { test: 0, salt: "x" } });
    const rows = await readAll(
      spec,
      tempFile(
        "zero.csv",
        toCsv([
          { id: 1, x: 2, c: "red" },
          { id: 2, x: 0, c: "" },
        ]),
      ),
    );
    expect(rows.map((r) => r.side)).toEqual([TRAIN, TRAIN]);
  });

  it("hashes typed values: 1, 1.0 and 1e0 agree, and CSV, JSON and JSON Lines agree", async () => {
    const spec = dataSpec({
      columns: [
        { name: "a", type: "number" },
        { name: "when", type: "date" },
        { name: "ok", type: "boolean" },
        { name: "tag", type: "category", labels: { r: "red" } },
      ],
      split: { test: 0.5, salt: "typed" },
    });
    const csv = await readAll(
      { ...spec, format: "csv" },
      tempFile(
        "t.csv",
        "a,when,ok,tag\n1,2020-01-01,yes,r\n1.0,2020-01-01T00:00:00Z,TRUE,r\n1e0,2020-01-01T01:00+01:00,1,r\n",
      ),
    );
    const json = await readAll(
      { ...spec, format: "json" },
      tempFile("t.json", '[{"a": 1, "when": "2020-01-01", "ok": true, "tag": "r"}]'),
    );
    const jsonl = await readAll(
      { ...spec, format: "jsonl" },
      tempFile("t.jsonl", '{"a": 1.00, "when": "2020-01-01", "ok": "yes", "tag": "r"}\n'),
    );
    const expected = sideAt(
      splitPosition(canonicalRowBytes("typed", [1, Date.UTC(2020, 0, 1), 1, "r"])),
      0.5,
    );
    expect([...csv, ...json, ...jsonl].map((r) => r.side)).toEqual([
      expected,
      expected,
      expected,
      expected,
      expected,
    ]);
    expect(csv[0]!.values.tag).toBe("red");
  });

  it("assigns each row of a batch the side of its canonical bytes (mixed types, missing, -0, long text)", async () => {
    const spec = dataSpec({
      columns: [
        { name: "n", type: "number", nullable: true },
        { name: "c", type: "category", nullable: true },
        { name: "s", type: "string", nullable: true },
        { name: "b", type: "boolean", nullable: true },
      ],
      split: { test: 0.5, salt: "mixed" },
    });
    const row = fc.record({
      n: fc.oneof(
        fc.constant(""),
        fc.constant("-0"),
        fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      ),
      c: fc.constantFrom("", "a", "bb", "Zürich"),
      s: fc.oneof(fc.constant(""), fc.string({ unit: fc.constantFrom("x", "é", "😀", " "), maxLength: 300 })),
      b: fc.constantFrom("", "yes", "0"),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), async (rows) => {
        const text = `n,c,s,b\n${rows.map((r) => `${r.n},${r.c},"${r.s}",${r.b}`).join("\n")}\n`;
        const read = await readAll(spec, tempFile("mixed.csv", text), { batchSize: 7 });
        expect(read.length).toBe(rows.length);
        expectCanonicalSides(read, "mixed", ["n", "c", "s", "b"]);
      }),
      { seed: 31, numRuns: 200 },
    );
  });

  it("assigns rows of numbers and categories (laid out a column at a time) the side of their canonical bytes", async () => {
    const spec = dataSpec({
      columns: [
        { name: "n", type: "number", nullable: true },
        { name: "c", type: "category", nullable: true },
        { name: "b", type: "boolean", nullable: true },
        { name: "d", type: "category", nullable: true },
      ],
      split: { test: 0.5, salt: "columns" },
    });
    const row = fc.record({
      n: fc.oneof(
        fc.constant(""),
        fc.constant("-0"),
        fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      ),
      c: fc.constantFrom("", "a", "bb", "Zürich", "x".repeat(41)),
      b: fc.constantFrom("", "yes", "0"),
      d: fc.string({ unit: fc.constantFrom("p", "q", "é"), maxLength: 7 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 600 }),
        fc.constantFrom(7, 300),
        async (rows, batchSize) => {
          const text = `n,c,b,d\n${rows.map((r) => `${r.n},${r.c},${r.b},${r.d}`).join("\n")}\n`;
          const read = await readAll(spec, tempFile("columns.csv", text), { batchSize });
          expect(read.length).toBe(rows.length);
          expectCanonicalSides(read, "columns", ["n", "c", "b", "d"]);
        },
      ),
      { seed: 32, numRuns: 100 },
    );
  });

  it("assigns rows of numbers only (laid out side by side) the side of their canonical bytes", async () => {
    const spec = dataSpec({
      columns: [
        { name: "a", type: "number", nullable: true },
        { name: "b", type: "integer", nullable: true },
        { name: "d", type: "number" },
      ],
      split: { test: 0.5, salt: "numbers only" },
    });
    const value = fc.oneof(
      fc.constant("-0"),
      fc.constant("0"),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    );
    const row = fc.record({ a: value, b: fc.integer().map(String), d: value, missing: fc.nat(60) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 700 }),
        fc.constantFrom(7, 300, 1000),
        async (rows, batchSize) => {
          // Now and then a missing value: its batch takes the general path, the others the fast one.
          const cell = (r: { missing: number }, text: string) => (r.missing === 0 ? "" : text);
          const text = `a,b,d\n${rows.map((r) => `${cell(r, r.a)},${r.b},${r.d}`).join("\n")}\n`;
          const read = await readAll(spec, tempFile("numbers.csv", text), { batchSize });
          expect(read.length).toBe(rows.length);
          expectCanonicalSides(read, "numbers only", ["a", "b", "d"]);
        },
      ),
      { seed: 37, numRuns: 60 },
    );
  });
});
