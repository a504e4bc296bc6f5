import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BLANK,
  CsvRecord,
  NEED_MORE,
  RECORD,
  UNTERMINATED,
  tokenizeCsvRecord,
  unescapeQuotes,
} from "../../src/data/csv-tokenizer.js";
import { dataSpec, readAll, tempFile } from "./data-test-helpers.js";

/**
 * The reference: a plain character-by-character reading of the rules in csv-tokenizer.ts.
 * Throws on an unterminated quote, or at the end of a record with text after a closing quote.
 */
function referenceCsvParse(text: string, delim: string): string[][] {
  const records: string[][] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const fields: string[] = [];
    let quotedFirst = false;
    let badQuote = false;
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        if (fields.length === 0) quotedFirst = true;
        i++;
        for (;;) {
          if (i >= n) throw new Error("unterminated");
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          field += text[i++];
        }
        fields.push(field);
        if (i >= n) break;
        if (text[i] === delim) {
          i++;
          continue;
        }
        if (text[i] === "\n") {
          i++;
          break;
        }
        if (text[i] === "\r" && text[i + 1] === "\n") {
          i += 2;
          break;
        }
        if (text[i] === "\r" && i + 1 >= n) {
          i++;
          break;
        }
        // Text after the closing quote: skipped up to the next delimiter or line end, and the
        // record reported once it is complete (a quote that never closes later wins).
        badQuote = true;
        while (i < n && text[i] !== delim && text[i] !== "\n") i++;
        if (i < n && text[i] === delim) {
          i++;
          continue;
        }
        if (i < n) i++;
        break;
      }
      while (i < n && text[i] !== delim && text[i] !== "\n") field += text[i++];
      if (i < n && text[i] === delim) {
        fields.push(field);
        i++;
        continue;
      }
      if (field.endsWith("\r")) field = field.slice(0, -1);
      fields.push(field);
      if (i < n) i++;
      break;
    }
    if (badQuote) throw new Error("text after closing quote");
    if (fields.length === 1 && fields[0] === "" && !quotedFirst) continue;
    records.push(fields);
  }
  return records;
}

/** Tokenizes all of `bytes`, showing the tokenizer at most `chunk` more bytes at a time. */
function tokenizeAll(
  bytes: Uint8Array,
  delim: string,
  chunk: number,
): string[][] | "unterminated" | "bad quote" {
  const rec = new CsvRecord();
  const records: string[][] = [];
  const buf = Buffer.from(bytes);
  let pos = 0;
  let avail = Math.min(chunk, buf.length);
  while (pos < buf.length) {
    const eof = avail >= buf.length;
    const status = tokenizeCsvRecord(buf.subarray(0, avail), pos, avail, eof, delim.charCodeAt(0), rec);
    if (status === NEED_MORE) {
      expect(eof).toBe(false);
      avail = Math.min(avail + chunk, buf.length);
      continue;
    }
    if (status === UNTERMINATED) return "unterminated";
    if (status === RECORD) {
      if (rec.badQuote >= 0) return "bad quote";
      const fields: string[] = [];
      for (let f = 0; f < rec.count; f++) {
        const text = buf.toString("utf8", rec.starts[f], rec.ends[f]);
        fields.push(rec.flags[f] === 2 ? unescapeQuotes(text) : text);
      }
      records.push(fields);
    } else expect(status).toBe(BLANK);
    pos = rec.next;
  }
  return records;
}

function reference(text: string, delim: string): string[][] | "unterminated" | "bad quote" {
  try {
    return referenceCsvParse(text, delim);
  } catch (error) {
    return (error as Error).message === "unterminated" ? "unterminated" : "bad quote";
  }
}

/** Writes records as CSV the way a careful writer would: quotes where needed, sometimes anyway. */
function writeCsv(records: string[][], delim: string, eol: string, quoteAll: boolean[]): string {
  return records
    .map((fields, r) =>
      fields
        .map((f) =>
          quoteAll[r % quoteAll.length] || /["\r\n]/.test(f) || f.includes(delim) || f === ""
            ? `"${f.replaceAll('"', '""')}"`
            : f,
        )
        .join(delim),
    )
    .join(eol);
}

const fieldText = fc.string({
  unit: fc.constantFrom("a", "b", "7", ".", " ", ",", ";", '"', "\n", "\r", "é", "€", "😀"),
  maxLength: 8,
});

describe("the CSV tokenizer", () => {
  it("agrees with the reference parser on arbitrary text, whatever the chunk boundaries", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "1", ",", '"', "\n", "\r", "é"), maxLength: 60 });
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 9 }), (t, chunk) => {
        const bytes = new TextEncoder().encode(t);
        expect(tokenizeAll(bytes, ",", chunk)).toEqual(reference(t, ","));
      }),
      { seed: 20240601, numRuns: 3000 },
    );
  });

  it("reads back what a CSV writer wrote: quotes, delimiters, line breaks and CRLF inside fields", () => {
    const records = fc.array(fc.array(fieldText, { minLength: 1, maxLength: 5 }), {
      minLength: 1,
      maxLength: 12,
    });
    fc.assert(
      fc.property(
        records,
        fc.constantFrom(",", ";", "\t"),
        fc.constantFrom("\n", "\r\n"),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 13 }),
        (recs, delim, eol, quoteAll, finalEol, chunk) => {
          const text = writeCsv(recs, delim, eol, quoteAll) + (finalEol ? eol : "");
          const bytes = new TextEncoder().encode(text);
          const parsed = tokenizeAll(bytes, delim, chunk);
          expect(parsed).toEqual(reference(text, delim));
          // A one-field record holding "" is written quoted, so it is not a blank line.
          expect(parsed).toEqual(recs);
        },
      ),
      { seed: 42, numRuns: 1500 },
    );
  });

  it("reads the same records through the whole reader with tiny reads (records span chunks)", async () => {
    const records = fc.array(fc.tuple(fieldText, fieldText, fieldText), { minLength: 1, maxLength: 30 });
    const spec = dataSpec({
      columns: ["a", "b", "c"].map((name) => ({ name, type: "string", nullable: true })),
    });
    await fc.assert(
      fc.asyncProperty(
        records,
        fc.constantFrom("\n", "\r\n"),
        fc.integer({ min: 1, max: 17 }),
        async (recs, eol, readSize) => {
          const text = `\uFEFFa,b,c${eol}${writeCsv(recs, ",", eol, [false])}${eol}`;
          const file = tempFile("prop.csv", text);
          const rows = await readAll(spec, file, { readSize, maxRecordBytes: 1024 });
          expect(rows.map((r) => [r.values.a, r.values.b, r.values.c])).toEqual(
            recs.map((rec) => rec.map((f) => (f === "" ? null : f))),
          );
          // Physical lines: header is line 1; every record starts after the line breaks before it.
          let line = 2;
          rows.forEach((r, k) => {
            expect(r.row).toBe(k + 1);
            expect(r.line).toBe(line);
            line += 1 + recs[k]!.join("").split("\n").length - 1;
          });
        },
      ),
      { seed: 7, numRuns: 150 },
    );
  });

  it("reports the field whose quote never closes, and text after a closing quote", () => {
    const rec = new CsvRecord();
    const buf = Buffer.from('1,"ab\ncd,2\n');
    expect(tokenizeCsvRecord(buf, 0, buf.length, true, 44, rec)).toBe(UNTERMINATED);
    expect(rec.openField).toBe(1);
    const bad = Buffer.from('1,"ab"x,2\n3,4,5\n');
    expect(tokenizeCsvRecord(bad, 0, bad.length, true, 44, rec)).toBe(RECORD);
    expect(rec.badQuote).toBe(1);
    expect(rec.count).toBe(3);
    expect(tokenizeCsvRecord(bad, rec.next, bad.length, true, 44, rec)).toBe(RECORD);
    expect(rec.badQuote).toBe(-1);
  });
});
