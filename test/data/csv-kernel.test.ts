/**
 * The WebAssembly kernel that reads CSV records of numbers only (src/data/csv-kernel.wat): its
 * committed bytes are the text's, it stops exactly where a record is not one it may read, and a
 * read with it gives what a read without it gives (rows, lines, values bit for bit, problems),
 * however the reads and batches cut the file.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvKernel } from "../../src/data/csv-kernel.js";
import { parseIsoDate } from "../../src/data/parse-values.js";
import { readRows, scanDataset } from "../../src/data/scan-dataset.js";
import type { ReadRowsOptions } from "../../src/data/scan-dataset.js";
import { dataSpec, rowsOf, tempFile } from "./data-test-helpers.js";
import { readWorkerScript } from "./worker-script.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("the committed WebAssembly modules", () => {
  it("are their assembled sources: csv-kernel.wat and the bootstrap's (npm run wasm)", () => {
    const out = execFileSync(process.execPath, [path.join(root, "scripts/build-wasm.mjs"), "--check"], {
      encoding: "utf8",
    });
    expect(out).toContain("up to date");
  });
});

/**
 * The kernel over `text` (a window of bytes) for three fields: min/max and integer per field, or
 * a category column with the levels given.
 */
function kernelOver(
  text: string,
  columns = [{}, {}, {}] as {
    min?: number;
    max?: number;
    integer?: boolean;
    date?: boolean;
    levels?: string[];
  }[],
) {
  const numbers = CsvKernel.create(columns.length, 8, 256)!;
  columns.forEach((c, f) => {
    if (c.levels === undefined)
      numbers.setColumn(f, {
        kind: c.integer ? "integer" : c.date ? "date" : "number",
        min: c.min ?? -Infinity,
        max: c.max ?? Infinity,
      });
    else {
      numbers.setColumn(f, { kind: "category" });
      c.levels.forEach((level, code) => numbers.addLevel(f, level, code));
    }
  });
  const bytes = Buffer.from(text, "latin1");
  bytes.copy(numbers.window);
  const read = (maxRows = 8, maxRecord = 1 << 20) => {
    const rows = numbers.read(0, bytes.length, 44, maxRows, maxRecord);
    const values = columns.map((_, f) => Array.from(numbers.values.subarray(f * 8, f * 8 + rows)));
    return { rows, next: numbers.next, values };
  };
  return { numbers, read };
}

describe("the kernel", () => {
  it("reads plain numbers as the JavaScript reader does: signs, points, 15 digits, CRLF", () => {
    const text = "1,-2.5,+3.\r\n.25,-0,0.000000001\n123456789012345,1.23456789012345,-99999999.9999999\n";
    const { read } = kernelOver(text);
    const got = read();
    expect(got.rows).toBe(3);
    expect(got.next).toBe(text.length);
    expect(got.values[0]).toEqual([1, 0.25, 123456789012345]);
    expect(got.values[1]).toEqual([-2.5, -0, 1.23456789012345]);
    expect(got.values[2]).toEqual([3, 1e-9, -99999999.9999999]);
    expect(Object.is(got.values[1]![1], -0)).toBe(true);
  });

  it.each([
    ["a 16th digit", "1,2,3\n1234567890123456,2,3\n"],
    ["an exponent", "1,2,3\n1e3,2,3\n"],
    ["a missing value", "1,2,3\n1,,3\n"],
    ["a quote", '1,2,3\n"1",2,3\n'],
    ["a field too many", "1,2,3\n1,2,3,4\n"],
    ["a field too few", "1,2,3\n1,2\n"],
    ["a blank line", "1,2,3\n\n1,2,3\n"],
    ["a lone sign", "1,2,3\n-,2,3\n"],
    ["a space", "1,2,3\n1, 2,3\n"],
    ["a CR inside the record", "1,2,3\n1,2\r,3\n"],
    ["two CRs", "1,2,3\n1,2,3\r\r\n"],
    ["a record cut by the end of the window", "1,2,3\n1,2,3.5"],
    ["a byte above 0x7f", "1,2,3\n1,2,3\u00e9\n"],
  ])("stops before the record with %s", (_, text) => {
    const { read } = kernelOver(text);
    const got = read();
    expect(got.rows).toBe(1);
    expect(got.next).toBe(6);
  });

  it("stops at a value out of its column's range, a fraction in an integer column, a long record", () => {
    const text = "1,2,3\n1,2,30\n1.5,2,3\n";
    expect(kernelOver(text, [{}, {}, { max: 10 }]).read().rows).toBe(1);
    expect(kernelOver(text, [{ integer: true }, {}, {}]).read().rows).toBe(2);
    expect(kernelOver("2.0,1,1\n", [{ integer: true }, {}, {}]).read().values[0]).toEqual([2]);
    expect(kernelOver(text).read(8, 6).rows).toBe(1);
    expect(kernelOver(text).read(8, 7).rows).toBe(2);
    expect(kernelOver(text).read(8, 8).rows).toBe(3);
    expect(kernelOver(text).read(2).rows).toBe(2);
  });

  it("reads a category's known levels as their codes, and stops at any other cell", () => {
    const columns = [{}, { levels: ["red", "green", "blue", 'a"b'] }, { levels: ["x", "xy"] }];
    const good = 'red,1,x\n1,green,xy\r\n2,blue,x\n3,a"b,xy\n';
    // Fields are read in file order: field 0 is a number here, the levels are fields 1 and 2.
    const got = kernelOver(good.replace("red,1,x", "0,red,x"), columns).read();
    expect(got.rows).toBe(4);
    expect(got.values[1]).toEqual([0, 1, 2, 3]);
    expect(got.values[2]).toEqual([0, 1, 0, 1]);
    for (const stop of [
      "1,,x",
      '1,"red",x',
      "1,Red,x",
      "1,red ,x",
      "1,red,",
      "1,red,xyz",
      "1,r\u00e9d,x",
      "1,red,x\ry",
    ]) {
      const text = `0,red,x\n${stop}\n`;
      const run = kernelOver(text, columns).read();
      expect(run.rows, stop).toBe(1);
      expect(run.next).toBe(8);
    }
    // The same bytes in another field are another level.
    expect(kernelOver("0,x,x\n", columns).read().rows).toBe(0);
  });

  it("reads dates written YYYY-MM-DD as parseIsoDate does, and stops at any other spelling", () => {
    const columns = [{}, { date: true }, { date: true, max: parseIsoDate("2100-01-01") }];
    const dates = [
      "0000-01-01",
      "0000-03-01",
      "1900-02-28",
      "1970-01-01",
      "2000-02-29",
      "2024-12-31",
      "2099-12-31",
    ];
    const text = dates.map((d, k) => `${k},${d},${d}\n`).join("");
    const numbers = CsvKernel.create(3, 16, 512)!;
    columns.forEach((c, f) =>
      numbers.setColumn(f, { kind: c.date ? "date" : "number", min: -Infinity, max: c.max ?? Infinity }),
    );
    Buffer.from(text).copy(numbers.window);
    expect(numbers.read(0, text.length, 44, 16, 1 << 20)).toBe(dates.length);
    expect(Array.from(numbers.values.subarray(16, 16 + dates.length))).toEqual(dates.map(parseIsoDate));
    for (const stop of [
      "2023-02-29",
      "1900-02-29",
      "2020-13-01",
      "2020-00-10",
      "2020-01-00",
      "2020-01-32",
      "2020-1-01",
      "2020-01-01T24:00",
      "2020-01-01T12:00:60",
      "2020-01-01T12:00+24",
      "2020-01-01T12:00:00.",
      "2020-01-01T12:00:00.1234567890",
      "2020-01-01T12",
      "2020-01-01T12:00+01:",
      " 2020-01-01",
      "2020/01/01",
      "",
      "2200-01-01",
    ]) {
      const line = `0,2020-01-01,2020-01-01\n1,2020-01-01,${stop}\n`;
      const got = kernelOver(line, [
        {},
        { date: true },
        { date: true, max: parseIsoDate("2100-01-01") },
      ]).read();
      expect(got.rows, stop).toBe(1);
    }
  });

  it("does not take a line feed left past the window for the end of a record", () => {
    const { numbers } = kernelOver("1,2,3\n1,2,34\n");
    // The window ends inside "34": the bytes after it are not the record's.
    expect(numbers.read(0, 11, 44, 8, 1 << 20)).toBe(1);
    expect(numbers.next).toBe(6);
  });
});

const digits = (max: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: max });

/** Spellings of numbers the kernel reads and many it must leave to the general reader. */
const cellText = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom("", "-", "+"), digits(4), digits(9))
      .map(([s, w, f]) => `${s}${w}.${f}`),
  },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom("", "-"), digits(17)).map(([s, d]) => `${s}${d}`) },
  { weight: 2, arbitrary: fc.tuple(digits(9), digits(12)).map(([w, f]) => `${w}.${f}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "-0",
      ".5",
      "7.",
      "1e3",
      "-",
      ".",
      " 4",
      "4 ",
      '"5"',
      "x",
      "NaN",
      "--1",
      "0x1f",
    ),
  },
);

/** Whole numbers for the integer column, mostly: `12`, `-3`, `4.0`, and now and then anything. */
const integerCell = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom("", "-"), digits(7)).map(([s, d]) => `${s}${d}`) },
  { weight: 1, arbitrary: digits(5).map((d) => `${d}.0`) },
  { weight: 1, arbitrary: cellText },
);

/** Category cells: known levels mostly, and new ones, missing, quoted, padded, not ASCII. */
const categoryCell = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("red", "green", "blue") },
  { weight: 3, arbitrary: fc.constantFrom("violet", "x", "RED", "") },
  { weight: 1, arbitrary: fc.constantFrom('"red"', "red ", "r\u00f8d", 'a"b', "red\r") },
);

/** Date cells: days written YYYY-MM-DD mostly, and other spellings, impossible days, times. */
const dateCell = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .date({
        min: new Date("1890-01-01T00:00:00Z"),
        max: new Date("2150-12-31T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10)),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "2023-02-29",
      "2020-13-01",
      "2020-1-01",
      " 2020-01-01",
      "2020-01-01T10:00Z",
    ),
  },
);

/** Boolean cells: every accepted spelling in some case, and some the reader refuses or trims. */
const booleanCell = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("true", "False", "YES", "no", "1", "0", "tRuE", "NO") },
  { weight: 2, arbitrary: fc.constantFrom("", " true", "maybe", "2", "truee", '"yes"') },
);

describe("a read with the kernel", () => {
  it("gives what the JavaScript reader gives: rows, lines, values, levels, booleans, sides, hash, profile, problems", async () => {
    const workerScript = await readWorkerScript();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cellText, integerCell, cellText, categoryCell, booleanCell, dateCell), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        fc.constantFrom("numbers", "open", "closed"),
        fc.constantFrom("spec", "reversed", "extra", "none"),
        fc.record({
          min: fc.constantFrom(undefined, -50, 0),
          max: fc.constantFrom(undefined, 50, 1e6),
          blanks: fc.boolean(),
        }),
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(1 << 20, 12, 30),
        async (rows, eol, finalEol, category, header, bounds, readSize, batchSize, maxRecordBytes) => {
          const columns: Record<string, unknown>[] = [
            { name: "a", type: "number", nullable: true, min: bounds.min, max: bounds.max },
            { name: "k", type: "integer", nullable: true },
            { name: "z", type: "number", nullable: true },
          ];
          if (category !== "numbers")
            columns.push(
              {
                name: "c",
                type: "category",
                nullable: true,
                ...(category === "closed" ? { values: ["red", "green", "blue", "x"] } : {}),
              },
              { name: "t", type: "boolean", nullable: true },
              { name: "d", type: "date", nullable: true, min: "1900-01-01", max: "2100-12-31" },
            );
          const spec = dataSpec({ columns, header: header !== "none", split: { test: 0.3, salt: "kernel" } });
          const specNames = columns.map((c) => c.name as string);
          const names =
            header === "reversed"
              ? specNames.slice().reverse()
              : header === "extra"
                ? [...specNames, "extra"]
                : specNames;
          const lines = rows.map((r, k) => {
            const cells = names.map((n) => (n === "extra" ? "1" : r["akzctd".indexOf(n)]!));
            return (bounds.blanks && k % 7 === 3 ? eol : "") + cells.join(",");
          });
          const head = header === "none" ? "" : names.join(",") + eol;
          const csv = `${head}${lines.join(eol)}${finalEol ? eol : ""}`;
          const file = tempFile("kernel.csv", csv);
          const options = { readSize, batchSize, maxRecordBytes, file: "kernel.csv" };
          const without = await outcome(spec, file, { ...options, worker: false, csvKernel: false });
          expect(await outcome(spec, file, { ...options, worker: false })).toEqual(without);
          expect(
            await outcome(spec, file, { ...options, worker: true, workerScript, recycle: true }),
          ).toEqual(without);
        },
      ),
      { seed: 4242, numRuns: 200 },
    );
  });
});

/**
 * What a read gives: the scan and the rows, or the error and every row the scan handed over
 * before it (a faulty file's good and bad rows are compared too).
 */
async function outcome(
  spec: ReturnType<typeof dataSpec>,
  file: string,
  options: ReadRowsOptions,
): Promise<unknown> {
  const batches: unknown[] = [];
  try {
    const scan = await scanDataset(spec, file, { ...options, onBatch: (b) => batches.push(...rowsOf(b)) });
    // Without onBatch the profile is drawn on the calling thread, with it by the reader: the same.
    expect(await scanDataset(spec, file, options)).toEqual(scan);
    const rows = [];
    for await (const b of readRows(spec, file, options)) rows.push(...rowsOf(b));
    expect(batches).toEqual(rows);
    return { scan, rows };
  } catch (error) {
    if ((error as Error).name !== "InputError") throw error;
    return { error: (error as Error).message, rows: batches };
  }
}
