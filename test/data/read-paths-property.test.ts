/**
 * The fast paths of a CSV read, property-tested against the rules:
 * - the one-pass tokenizer that reads numbers while it finds fields (records without quotes in
 *   ASCII text) must read exactly what a plain character-by-character reading of RFC 4180 gives,
 *   typed by Number(), with the same rows and physical lines, however the reads cut the records;
 * - a read in a worker thread must give exactly what a read on the calling thread gives: rows,
 *   sides, hash, profile, and on bad data the same error message, row and line numbers.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { workerExecArgv } from "../../src/data/read-in-worker.js";
import { readRows, scanDataset } from "../../src/data/scan-dataset.js";
import type { RowBatch } from "../../src/data/row-batch.js";
import type { ReadRowsOptions } from "../../src/data/scan-dataset.js";
import { dataSpec, readAll, referenceRecords, rowsOf, tempFile } from "./data-test-helpers.js";
import { readWorkerScript } from "./worker-script.js";

const digits = (max: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: max });
const pad = fc.constantFrom("", "", "", " ", "\t ");

/** Every accepted spelling: signs, fractions, exponents, long mantissas, leading zeros, padding. */
const numberText = fc
  .tuple(
    fc.constantFrom("", "", "-", "+"),
    fc.oneof(digits(8), digits(19), fc.constant("")),
    fc.option(fc.oneof(digits(9), digits(14), fc.constant(""))),
    fc.option(
      fc.tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "-", "+"), fc.integer({ min: 0, max: 30 })),
    ),
    pad,
  )
  .filter(([, whole, fraction]) => whole !== "" || (fraction !== null && fraction !== ""))
  .map(
    ([sign, whole, fraction, exponent, p]) =>
      `${p}${sign}${whole}${fraction === null ? "" : `.${fraction}`}${exponent === null ? "" : exponent.join("")}${p}`,
  );

/** Whole numbers as an integer column accepts them: `12`, `-3`, `3.0`, `1e3`. */
const integerText = fc
  .tuple(fc.constantFrom("", "-", "+"), digits(15), fc.constantFrom("", "", ".0", ".000", "e0", "e2"), pad)
  .map(([sign, d, tail, p]) => `${p}${sign}${d}${tail}${p}`);

/** Text of either kind: plain (most records need no quotes) or needing quotes. */
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom("a", "b", "7", ".", "-", " "), maxLength: 6 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom("a", "7", " ", ",", '"', "\n", "\r\n", "\r"),
      maxLength: 8,
    }),
  },
);

/** Cells that are wrong, so the reads must find and report them. */
const badNumber = fc.constantFrom(
  "1.2.3",
  "abc",
  "1e",
  "--1",
  "0x10",
  "Infinity",
  "NaN",
  "1 2",
  "1e400",
  "+",
  ".",
);

const columns = [
  { name: "a", type: "number", nullable: true },
  { name: "n", type: "integer", nullable: true },
  { name: "b", type: "number", nullable: true },
  { name: "kind", type: "category", nullable: true },
  { name: "note", type: "string", nullable: true },
];
const spec = dataSpec({ columns, split: { test: 0.4, salt: "paths" } });

/** CSV quoting as a writer does it: where needed, and sometimes anyway. */
const quote = (f: string, always: boolean) =>
  always || /[",\n\r]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f;

interface Row {
  a: string | null;
  n: string | null;
  b: string | null;
  kind: string;
  note: string;
  quoted: boolean;
  blankBefore: boolean;
}

const row = fc.record({
  a: fc.option(numberText, { freq: 6 }),
  n: fc.option(integerText, { freq: 6 }),
  b: fc.option(numberText, { freq: 6 }),
  kind: text,
  note: text,
  quoted: fc.integer({ min: 0, max: 3 }).map((k) => k === 0),
  blankBefore: fc.integer({ min: 0, max: 3 }).map((k) => k === 0),
});

/** The file's column order, a permutation of the spec's. */
const order = fc.shuffledSubarray(
  columns.map((c) => c.name),
  { minLength: columns.length, maxLength: columns.length },
);

function writeFile(rows: Row[], names: string[], eol: string, finalEol: boolean, blanks: boolean): string {
  const lines = rows.map((r) => {
    const cells = names.map((name) => {
      const v = r[name as "a" | "n" | "b" | "kind" | "note"];
      if (name === "kind" || name === "note") return quote(v ?? "", r.quoted);
      return v === null ? "" : r.quoted ? `"${v}"` : v;
    });
    return (blanks && r.blankBefore ? eol : "") + cells.join(",");
  });
  return `${names.join(",")}${eol}${lines.join(eol)}${finalEol ? eol : ""}`;
}

const typed = (cell: string | undefined) => {
  const t = (cell ?? "").replace(/^[ \t]+|[ \t]+$/g, "");
  return t === "" ? null : Number(t);
};

describe("the one-pass CSV tokenizer", () => {
  it("reads what the reference reading of RFC 4180 reads, typed by Number(), lines included", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 30 }),
        order,
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        async (rows, names, eol, finalEol, blanks, readSize, batchSize) => {
          const csv = writeFile(rows, names, eol, finalEol, blanks);
          const file = tempFile("fast.csv", csv);
          const records = referenceRecords(csv);
          const at = (fields: string[], name: string) => fields[names.indexOf(name)];
          const expected = records.slice(1).map(({ fields, line }, k) => ({
            row: k + 1,
            line,
            values: {
              a: typed(at(fields, "a")),
              n: typed(at(fields, "n")),
              b: typed(at(fields, "b")),
              kind: at(fields, "kind") || null,
              note: at(fields, "note") || null,
            },
          }));
          const got = [];
          for await (const b of readRows(spec, file, { readSize, batchSize, worker: false }))
            got.push(...rowsOf(b).map(({ row: r, line, values }) => ({ row: r, line, values })));
          expect(got).toEqual(expected);
        },
      ),
      { seed: 1714, numRuns: 400 },
    );
  });
});

const cell = (good: fc.Arbitrary<string>): fc.Arbitrary<string | null> =>
  fc.integer({ min: 0, max: 8 }).chain((k) => (k === 0 ? badNumber : fc.option(good)));

/** Rows some of which are wrong: bad numbers, a field too many or too few, text after a quote. */
const faultyRow = fc.record({
  a: cell(numberText),
  n: cell(integerText),
  b: cell(numberText),
  kind: text,
  note: text,
  quoted: fc.boolean(),
  blankBefore: fc.boolean(),
  fault: fc.constantFrom("none", "none", "none", "none", "short", "long", "bad-quote"),
});

async function outcome(file: string, options: ReadRowsOptions): Promise<unknown> {
  // With and without onBatch, and again row by row with readRows; on a faulty file, the error
  // and the rows the scan handed over before it.
  const scanned: unknown[] = [];
  try {
    const scan = await scanDataset(spec, file, { ...options, onBatch: (b) => scanned.push(...rowsOf(b)) });
    expect(await scanDataset(spec, file, options)).toEqual(scan);
    const rows = [];
    for await (const b of readRows(spec, file, { ...options, expectSha256: scan.sha256 }))
      rows.push(...rowsOf(b));
    expect(scanned).toEqual(rows);
    return { scan, rows };
  } catch (error) {
    if ((error as Error).name !== "InputError") throw error;
    return { error: (error as Error).message, rows: scanned };
  }
}

describe("a read in a worker thread", () => {
  it("gives the rows, sides, hash, profile and problems of a read on the calling thread", async () => {
    const workerScript = await readWorkerScript();
    await fc.assert(
      fc.asyncProperty(
        fc.array(faultyRow, { minLength: 1, maxLength: 25 }),
        order,
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 6 }),
        async (rows, names, eol, finalEol, readSize, batchSize) => {
          const csv = writeFile(rows, names, eol, finalEol, true)
            .split(eol)
            .map((line, k) => {
              const fault = k === 0 ? "none" : (rows[k - 1]?.fault ?? "none");
              if (fault === "long") return `${line},9`;
              if (fault === "short") return line.slice(0, Math.max(0, line.lastIndexOf(",")));
              if (fault === "bad-quote") return `"x"y,${line}`;
              return line;
            })
            .join(eol);
          const file = tempFile("worker.csv", csv);
          const options = { readSize, batchSize, file: "worker.csv" };
          const here = await outcome(file, { ...options, worker: false });
          const there = await outcome(file, { ...options, worker: true, workerScript });
          expect(there).toEqual(here);
          // Batch arrays sent back to the worker and reused change nothing either.
          const recycled = await outcome(file, { ...options, worker: true, workerScript, recycle: true });
          expect(recycled).toEqual(here);
        },
      ),
      // Each case starts two worker threads (about a quarter of a second each on a shared runner).
      { seed: 1415, numRuns: 50 },
    );
  }, 120_000);
});

describe("the malformed-data corpus in a worker thread", () => {
  const corpus = path.resolve(import.meta.dirname, "../fixtures/data/malformed");
  const corpusColumns = [
    { name: "id", type: "integer", min: 1 },
    { name: "name", type: "string" },
    { name: "price", type: "number", min: 0, max: 100000 },
    { name: "color", type: "category", values: ["red", "green", "blue"] },
    { name: "sold", type: "boolean" },
    { name: "when", type: "date", min: "2000-01-01" },
    { name: "rating", type: "number", nullable: true },
  ];

  it("gives every file's message, rows and lines exactly as a read on the calling thread", async () => {
    const workerScript = await readWorkerScript();
    const files = readdirSync(corpus);
    expect(files.length).toBeGreaterThanOrEqual(20);
    let errors = 0;
    for (const file of files) {
      for (const extra of [{}, { header: false }, { checks: { minRows: 5, maxMissingShare: 0.1 } }]) {
        const corpusSpec = dataSpec({ columns: corpusColumns, ...extra });
        const read = (worker: boolean) =>
          scanDataset(corpusSpec, path.join(corpus, file), { file, worker, workerScript }).then(
            (scan) => scan,
            (error: Error) => error.message,
          );
        const here = await read(false);
        if (typeof here === "string") errors++;
        expect(await read(true), file).toEqual(here);
      }
    }
    expect(errors).toBeGreaterThanOrEqual(files.length);
  });
});

describe("a record of numbers only", () => {
  it("is stored at once exactly as cell by cell: values, ranges, integers, problems", async () => {
    const numbers = [
      { name: "x", type: "number", min: -50, max: 50 },
      { name: "k", type: "integer", nullable: true },
      { name: "z", type: "number" },
    ];
    // The same columns and a text column: records are then never numbers only.
    const withText = [...numbers, { name: "t", type: "string", nullable: true }];
    const split = { test: 0.3, salt: "whole" };
    const value = fc.oneof(
      fc.integer({ min: -80, max: 80 }).map(String),
      fc.double({ min: -80, max: 80, noNaN: true }).map((v) => v.toFixed(3)),
      fc.constantFrom("", "-0", "1e3", "x", "4.5", "9007199254740993"),
    );
    const row = fc.tuple(value, value, value);
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 60 }), async (rows) => {
        const csv = (extra: boolean) =>
          `x,k,z${extra ? ",t" : ""}\n${rows.map((r) => `${r.join(",")}${extra ? ",a" : ""}`).join("\n")}\n`;
        const outcomeOf = async (columns: Record<string, unknown>[], extra: boolean) => {
          try {
            const spec = dataSpec({ columns, split });
            const file = tempFile("whole.csv", csv(extra));
            const read = await readAll(spec, file, { batchSize: 16, file: "data.csv" });
            // Sides differ: the text column is hashed too.
            return read.map((r) => ({
              row: r.row,
              line: r.line,
              x: r.values.x,
              k: r.values.k,
              z: r.values.z,
            }));
          } catch (error) {
            if ((error as Error).name !== "InputError") throw error;
            return (error as Error).message;
          }
        };
        expect(await outcomeOf(numbers, false)).toEqual(await outcomeOf(withText, true));
      }),
      { seed: 2718, numRuns: 150 },
    );
  });
});

describe("the worker thread's life", () => {
  it("empties, never overwrites, a batch the caller keeps although it let the worker reuse it", async () => {
    const workerScript = await readWorkerScript();
    const lines = Array.from({ length: 500 }, (_, k) => `${k},${k / 8},${k},a,x`);
    const file = tempFile("kept.csv", `a,b,n,kind,note\n${lines.join("\n")}\n`);
    const kept: RowBatch[] = [];
    const options = { batchSize: 10, worker: true, workerScript, recycle: true } as const;
    await scanDataset(spec, file, { ...options, onBatch: (b) => kept.push(b) });
    let emptied = 0;
    for (const batch of kept) {
      const a = batch.columns[0]!;
      if (a.kind !== "numeric") throw new Error("column a is numeric");
      if (a.values.length === 0) emptied++;
      else expect(Array.from(a.values)).toEqual(Array.from(batch.row, (row) => row - 1));
    }
    expect(emptied).toBeGreaterThan(kept.length / 2);
  });

  it("ends when the caller stops early, and a missing script is an error when a worker is required", async () => {
    const workerScript = await readWorkerScript();
    const lines = Array.from({ length: 500 }, (_, k) => `${k},${k / 8},${k},a,x`);
    const file = tempFile("stop.csv", `a,b,n,kind,note\n${lines.join("\n")}\n`);
    let first: number[] = [];
    for await (const b of readRows(spec, file, { batchSize: 10, worker: true, workerScript })) {
      first = rowsOf(b).map((r) => r.values.a as number);
      break;
    }
    expect(first).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const missing = new URL("file:///nowhere/read-worker.js");
    await expect(scanDataset(spec, file, { worker: true, workerScript: missing })).rejects.toThrow(
      "the read worker's script file:///nowhere/read-worker.js is missing",
    );
    // "auto" reads a small file on the calling thread, whatever the script.
    expect((await scanDataset(spec, file, { workerScript: missing })).rows).toBe(500);
  });
});

describe("the worker thread's Node options", () => {
  it("are the process's, without a script given on the command line", () => {
    expect(
      workerExecArgv([
        "--input-type=module",
        "-e",
        "code",
        "--max-old-space-size=300",
        "--eval=x",
        "-p",
        "1",
      ]),
    ).toEqual(["--max-old-space-size=300"]);
  });
});
