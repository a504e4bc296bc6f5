/**
 * The path training and scoring now read, property-tested: CSV text with quotes, delimiters,
 * line breaks and CRLF inside fields, numbers in every accepted spelling, read by the checking
 * scan (tiny reads, so records span chunks), spilled, and read back, must equal a plain
 * character-by-character reading of the same text, typed by Number(), and the rows of readRows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { RowSpill } from "../../src/data/row-spill.js";
import { scanDataset } from "../../src/data/scan-dataset.js";
import { dataSpec, readAll, referenceRecords, rowsOf, tempFile } from "./data-test-helpers.js";

const digits = fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 19 });
const numberText = fc
  .tuple(
    fc.constantFrom("", "-", "+"),
    digits,
    fc.option(fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: 12 })),
    fc.option(
      fc.tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "-", "+"), fc.integer({ min: 0, max: 40 })),
    ),
    fc.constantFrom("", " ", "\t "),
  )
  .map(([sign, whole, fraction, exponent, pad]) => {
    const body = `${sign}${whole}${fraction === null ? "" : `.${fraction}`}${exponent === null ? "" : `${exponent[0]}${exponent[1]}${exponent[2]}`}`;
    return `${pad}${body}${pad.trim() === "" ? pad : ""}`;
  });
const text = fc.string({
  unit: fc.constantFrom("a", "b", "7", ".", " ", ",", '"', "\n", "\r\n", "é", "€", "😀"),
  maxLength: 8,
});

const quote = (f: string, always: boolean) =>
  always || /[",\n\r]/.test(f) || f === "" ? `"${f.replaceAll('"', '""')}"` : f;

const spec = dataSpec({
  columns: [
    { name: "x", type: "number", nullable: true },
    { name: "kind", type: "category", nullable: true },
    { name: "note", type: "string", nullable: true },
  ],
  split: { test: 0.5, salt: "property" },
});

const folder = mkdtempSync(path.join(tmpdir(), "modelgate-spill-property-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("scan → spill → read back", () => {
  it("equals a reference reading of the text and the rows of readRows", async () => {
    const row = fc.tuple(fc.option(numberText), text, text, fc.boolean());
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 40 }),
        fc.constantFrom("\n", "\r\n"),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 1, max: 7 }),
        async (rows, eol, readSize, batchSize) => {
          const lines = rows.map(([x, kind, note, quoted]) =>
            [x === null ? "" : quoted ? `"${x}"` : x, quote(kind, quoted), quote(note, quoted)].join(","),
          );
          const csv = `x,kind,note${eol}${lines.join(eol)}${eol}`;
          const file = tempFile("property.csv", csv);
          const spill = RowSpill.open(folder);
          try {
            await scanDataset(spec, file, { readSize, batchSize, onBatch: (b) => spill.append(b) });
            const back = [];
            for await (const b of spill.batches()) back.push(...rowsOf(b));
            const records = referenceRecords(csv).slice(1);
            expect(back.map((r) => r.line)).toEqual(records.map((r) => r.line));
            const expected = records
              .map((r) => r.fields)
              .map(([x, kind, note]) => ({
                x: x!.trim() === "" ? null : Number(x!.trim()),
                kind: kind === "" ? null : kind,
                note: note === "" ? null : note,
              }));
            expect(back.map((r) => r.values)).toEqual(expected);
            expect(back).toEqual(await readAll(spec, file, { batchSize }));
          } finally {
            spill.close();
          }
        },
      ),
      { seed: 1414, numRuns: 300 },
    );
  });
});
