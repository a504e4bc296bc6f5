/**
 * Byte-level pieces of the JSON readers: find where one value ends (so a JSON array streams
 * record by record) and read one flat record, `{"name": value, ...}` with string, number,
 * boolean or null values, into a batch.
 */
import { isUtf8 } from "node:buffer";
import type { BatchBuilder } from "./build-batch.js";
import { decode } from "./build-batch.js";

const QUOTE = 34;
const BACKSLASH = 92;
const LF = 10;

/** The value is not complete in the buffer. */
export const NEED_MORE = -1;
/** The value cannot end: a string or bracket left open at the end of the file. */
export const UNTERMINATED = -2;

/** Side results of {@link findValueEnd}. */
export const valueScan = { newlines: 0, ascii: true };

/** Whether `c` is JSON whitespace. */
export function isSpace(c: number): boolean {
  return c === 32 || c === LF || c === 13 || c === 9;
}

/**
 * Index just past the JSON value starting at `buf[pos]`, or NEED_MORE / UNTERMINATED. Only
 * finds the end (strings, brackets); {@link readFlatRecord} checks the syntax inside.
 */
export function findValueEnd(buf: Uint8Array, pos: number, end: number, eof: boolean): number {
  let i = pos;
  let depth = 0;
  let nl = 0;
  let hi = 0;
  let c: number;
  for (;;) {
    if (i >= end) {
      if (!eof) return NEED_MORE;
      if (depth > 0) return UNTERMINATED;
      break;
    }
    c = buf[i]!;
    if (c === QUOTE) {
      i++;
      while (i < end && (c = buf[i]!) !== QUOTE) {
        if (c === BACKSLASH) i++;
        else if (c === LF) nl++;
        hi |= c;
        i++;
      }
      if (i >= end) return eof ? UNTERMINATED : NEED_MORE;
      i++;
      if (depth === 0) break;
      continue;
    }
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (depth === 0) break;
      depth--;
      if (depth === 0) {
        i++;
        break;
      }
    } else if (depth === 0 && (isSpace(c) || c === 44)) break;
    else if (c === LF) nl++;
    hi |= c;
    i++;
  }
  valueScan.newlines = nl;
  valueScan.ascii = hi < 128;
  return i;
}

/** How one record's keys reach columns. */
export interface RecordContext {
  builder: BatchBuilder;
  /** Key -> spec column index. */
  columnOf: Map<string, number>;
  /** Called for a key that is no spec column. */
  unknownKey(name: string): void;
  /** Per column: the last record (counted by `seen`) that set it, to catch duplicate keys. */
  seenIn: Float64Array;
  seen: number;
}

class JsonSyntax extends Error {}

/**
 * Reads the flat record `buf[s, e)` (a whole JSON value, surrounding whitespace allowed) into
 * the builder's current row. Returns undefined, or why the text is not a flat JSON record and
 * the last key read before the fault.
 */
export function readFlatRecord(
  buf: Buffer,
  s: number,
  e: number,
  ascii: boolean,
  ctx: RecordContext,
): { message: string; key: string | undefined } | undefined {
  const utf8Suspect = !ascii && !isUtf8(buf.subarray(s, e));
  const b = ctx.builder;
  ctx.seen++;
  let lastKey: string | undefined;
  let i = s;
  const fail = (what: string): never => {
    throw new JsonSyntax(`${what} at byte ${i - s + 1} of the record`);
  };
  const skipSpace = () => {
    while (i < e && isSpace(buf[i]!)) i++;
  };
  // Reads a string token at buf[i] === '"'; returns its text, or undefined when not UTF-8.
  const readString = (): string | undefined => {
    const start = i + 1;
    let escaped = false;
    i++;
    for (;;) {
      if (i >= e) fail("unterminated string");
      const c = buf[i]!;
      if (c === QUOTE) break;
      if (c < 32) fail("control character in a string");
      if (c === BACKSLASH) {
        escaped = true;
        i++;
      }
      i++;
    }
    const stop = i;
    i++;
    if (utf8Suspect && !isUtf8(buf.subarray(start, stop))) return undefined;
    if (!escaped) return decode(buf, start, stop, ascii);
    try {
      return JSON.parse(decode(buf, start - 1, stop + 1, ascii)) as string;
    } catch {
      return fail("invalid escape in a string");
    }
  };
  try {
    skipSpace();
    if (buf[i] !== 123)
      return { message: i < e ? "a record must be a JSON object {...}" : "empty record", key: undefined };
    i++;
    skipSpace();
    if (buf[i] === 125) i++;
    else {
      for (;;) {
        skipSpace();
        if (buf[i] !== QUOTE) fail("expected a quoted key");
        const key = readString();
        lastKey = key;
        skipSpace();
        if (buf[i] !== 58) fail("expected ':' after a key");
        i++;
        skipSpace();
        const c = key === undefined ? -1 : (ctx.columnOf.get(key) ?? -1);
        if (key === undefined) {
          b.rowProblem("utf8", "rows with bytes that are not UTF-8", "a key holds bytes that are not UTF-8");
        } else if (c < 0) {
          ctx.unknownKey(key);
        } else if (ctx.seenIn[c] === ctx.seen) {
          b.rowProblem(
            "duplicate-key",
            "records with a repeated key",
            `key ${JSON.stringify(key)} appears twice`,
            key,
          );
        }
        if (c >= 0) ctx.seenIn[c] = ctx.seen;
        readValue(c);
        skipSpace();
        if (buf[i] === 44) {
          i++;
          continue;
        }
        if (buf[i] === 125) {
          i++;
          break;
        }
        fail("expected ',' or '}'");
      }
    }
    skipSpace();
    if (i < e) fail("unexpected text after the record");
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntax) return { message: error.message, key: lastKey };
    throw error;
  }

  function readValue(c: number): void {
    const first = buf[i];
    if (first === QUOTE) {
      const text = readString();
      if (c < 0) return;
      if (text === undefined) {
        b.rowProblem(
          "utf8",
          "rows with bytes that are not UTF-8",
          "bytes that are not UTF-8",
          b.cols[c]!.name,
        );
        return b.skip(c);
      }
      return b.text(c, text);
    }
    if (first === 123 || first === 91) {
      const stop = findValueEnd(buf, i, e, true);
      if (stop < 0) fail("unterminated object or array");
      i = stop;
      if (c < 0) return;
      b.rowProblem(
        "nested",
        "records with nested values",
        `holds ${first === 123 ? "an object" : "an array"}; records must be flat`,
        b.cols[c]!.name,
        "write one plain value (string, number, true/false or null) per key",
      );
      return b.skip(c);
    }
    const start = i;
    while (i < e) {
      const ch = buf[i]!;
      if (isSpace(ch) || ch === 44 || ch === 125) break;
      i++;
    }
    const n = i - start;
    if (n === 0) fail("expected a value");
    const word = n <= 5 ? decode(buf, start, i, true) : "";
    if (word === "null") return c < 0 ? undefined : b.missing(c);
    if (word === "true" || word === "false") return c < 0 ? undefined : b.jsonBoolean(c, word === "true");
    const lead = buf[start]!;
    if (lead !== 45 && (lead < 48 || lead > 57)) fail("expected a value");
    if (c >= 0) b.jsonNumber(c, buf, start, i);
  }
}
