/**
 * A byte-level CSV tokenizer (RFC 4180): finds the fields of one record in a buffer without
 * making strings, so numeric cells can be read straight from the bytes.
 *
 * Rules, the same as {@link referenceCsvParse} in the tests:
 * - A record ends at LF or CRLF outside quotes. A lone CR is data. A line with no bytes (or only
 *   a CR) is blank and skipped; the end of the file ends the last record with or without a line
 *   break.
 * - A field that starts with `"` is quoted: it runs to the next `"` that is not doubled; inside
 *   it, delimiters, CR and LF are data and `""` stands for one `"`. A `"` inside an unquoted field
 *   is data.
 * - After a closing quote must come the delimiter, a line break or the end of the file; anything
 *   else is reported ({@link CsvRecord.badQuote}) and read on as plain bytes up to the next
 *   delimiter or line break.
 *
 * The spec's dialect ({@link CsvSyntax}) changes the quote character, lets an escape byte stand
 * before a quote inside quotes, drops spaces and tabs around fields (`trim`), and reads numbers
 * with a decimal comma.
 */
import { DEFAULT_SYNTAX, type CsvSyntax } from "./csv-syntax.js";

const LF = 10;
const CR = 13;

/** The record is not complete in the buffer: read more and call again from the same start. */
export const NEED_MORE = 0;
/** A record was found. */
export const RECORD = 1;
/** A blank line was skipped. */
export const BLANK = 2;
/** The file ended inside a quoted field. */
export const UNTERMINATED = 3;
/** {@link tokenizePlainRecord} cannot read the record: read it with {@link tokenizeCsvRecord}. */
export const NOT_PLAIN = 4;

/** Where the fields of the last record lie in the buffer. Reused from record to record. */
export class CsvRecord {
  /** Field f is `buf[starts[f], ends[f])`, without its quotes. */
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  /** 0 unquoted, 1 quoted, 2 quoted and holding `""` or an escape (the text needs unescaping). */
  flags = new Uint8Array(64);
  /** Number of fields. */
  count = 0;
  /** Index just past the record and its line break. */
  next = 0;
  /** Line breaks inside quoted fields of the record. */
  newlines = 0;
  /** Whether every byte of the record is ASCII. */
  ascii = true;
  /** The first field with text after its closing quote, or -1. */
  badQuote = -1;
  /** UNTERMINATED: the field whose quote never closes, and the line breaks before its quote. */
  openField = -1;
  openLineOffset = 0;

  grow(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    starts.set(this.starts);
    const ends = new Int32Array(size);
    ends.set(this.ends);
    const flags = new Uint8Array(size);
    flags.set(this.flags);
    this.starts = starts;
    this.ends = ends;
    this.flags = flags;
  }
}

/**
 * Tokenizes the record starting at `buf[pos]` (pos < end) into `rec`. `eof` says that no byte
 * follows `end`; `windowAscii` that no byte of `buf[0, end)` is above 0x7f (it spares the
 * hot loops a test per byte). Returns {@link NEED_MORE}, {@link RECORD}, {@link BLANK} or
 * {@link UNTERMINATED}. `syntax` gives the quote, the escape and `trim` (its delimiter is `delim`).
 */
export function tokenizeCsvRecord(
  buf: Uint8Array,
  pos: number,
  end: number,
  eof: boolean,
  delim: number,
  rec: CsvRecord,
  windowAscii = false,
  syntax: CsvSyntax = DEFAULT_SYNTAX,
): number {
  const QUOTE = syntax.quote;
  const escape = syntax.escape;
  const trim = syntax.trim;
  let starts = rec.starts;
  let ends = rec.ends;
  let flags = rec.flags;
  let i = pos;
  let f = 0;
  let nl = 0;
  let c = 0;
  rec.badQuote = -1;
  for (;;) {
    if (f === starts.length) {
      rec.grow();
      starts = rec.starts;
      ends = rec.ends;
      flags = rec.flags;
    }
    if (trim) while (i < end && ((c = buf[i]!) === 32 || c === 9)) i++;
    if (i < end && buf[i] === QUOTE) {
      const openLines = nl;
      i++;
      const s = i;
      let flag = 1;
      for (;;) {
        while (i < end && (c = buf[i]!) !== QUOTE && c !== escape) {
          if (c === LF) nl++;
          i++;
        }
        if (i >= end) {
          if (!eof) return NEED_MORE;
          rec.count = f;
          rec.newlines = nl;
          rec.openField = f;
          rec.openLineOffset = openLines;
          rec.next = end;
          return UNTERMINATED;
        }
        if (i + 1 >= end && !eof) return NEED_MORE;
        if (c !== QUOTE) {
          // An escape: the byte after it is data, whatever it is.
          if (i + 1 < end && buf[i + 1] === LF) nl++;
          flag = 2;
          i += 2;
          continue;
        }
        if (i + 1 < end && buf[i + 1] === QUOTE) {
          flag = 2;
          i += 2;
          continue;
        }
        break;
      }
      starts[f] = s;
      ends[f] = i;
      flags[f] = flag;
      f++;
      i++;
      if (trim) while (i < end && ((c = buf[i]!) === 32 || c === 9)) i++;
      if (i >= end) {
        if (trim && !eof) return NEED_MORE;
        rec.next = end;
        break;
      }
      c = buf[i]!;
      if (c === delim) {
        i++;
        continue;
      }
      if (c === LF) {
        rec.next = i + 1;
        break;
      }
      if (c === CR) {
        if (i + 1 >= end) {
          if (!eof) return NEED_MORE;
          rec.next = end;
          break;
        }
        if (buf[i + 1] === LF) {
          rec.next = i + 2;
          break;
        }
      }
      if (rec.badQuote < 0) rec.badQuote = f - 1;
      while (i < end && (c = buf[i]!) !== delim && c !== LF) i++;
      if (i >= end) {
        if (!eof) return NEED_MORE;
        rec.next = end;
        break;
      }
      if (c === delim) {
        i++;
        continue;
      }
      rec.next = i + 1;
      break;
    } else {
      const s = i;
      while (i < end && (c = buf[i]!) !== delim && c !== LF) i++;
      if (i < end && c === delim) {
        let e = i;
        if (trim) while (e > s && ((c = buf[e - 1]!) === 32 || c === 9)) e--;
        starts[f] = s;
        ends[f] = e;
        flags[f] = 0;
        f++;
        i++;
        continue;
      }
      if (i >= end && !eof) return NEED_MORE;
      let e = i;
      if (e > s && buf[e - 1] === CR) e--;
      if (trim) while (e > s && ((c = buf[e - 1]!) === 32 || c === 9)) e--;
      starts[f] = s;
      ends[f] = e;
      flags[f] = 0;
      f++;
      rec.next = i >= end ? end : i + 1;
      break;
    }
  }
  rec.count = f;
  rec.newlines = nl;
  if (!windowAscii) {
    let hi = 0;
    for (let k = pos; k < rec.next; k++) hi |= buf[k]!;
    rec.ascii = hi < 128;
  } else rec.ascii = true;
  if (f === 1 && flags[0] === 0 && starts[0] === ends[0]) return BLANK;
  return RECORD;
}

// Every power of ten up to 1e15 is exact in a double (see parseNumberBytes in parse-values.ts).
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The fast path of {@link tokenizeCsvRecord} for the common record: exactly `parse.length`
 * fields, none quoted, in a window of ASCII bytes, not a blank line. It finds the fields and, in
 * the same pass, reads the number of every field `f` with `parse[f]` set into `values[f]`: the
 * plain spellings `[+-]digits[.digits]` with at most 15 digits, whose value `parseNumberBytes`
 * computes the same way. Any other text in such a field leaves NaN there: read the field's bytes
 * the slow way, which also says what is wrong with them.
 *
 * It writes a line feed at `buf[end]` (outside the window, so `end` must be below the buffer's
 * length): the loops stop there without a bounds test per byte.
 *
 * Returns {@link RECORD} (fields in `rec`, as {@link tokenizeCsvRecord} would set them),
 * {@link NEED_MORE}, or {@link NOT_PLAIN} when the record has a quoted field, another number of
 * fields or is blank: then nothing was decided, and {@link tokenizeCsvRecord} reads it from `pos`.
 *
 * `syntax` gives the quote, `trim`, the decimal separator, and whether one delimiter more may end
 * the record.
 */
export function tokenizePlainRecord(
  buf: Uint8Array,
  pos: number,
  end: number,
  eof: boolean,
  delim: number,
  rec: CsvRecord,
  parse: Uint8Array,
  values: Float64Array,
  syntax: CsvSyntax = DEFAULT_SYNTAX,
): number {
  const QUOTE = syntax.quote;
  const point = syntax.point;
  const trim = syntax.trim;
  if (end >= buf.length) return NOT_PLAIN;
  buf[end] = LF;
  const fields = parse.length;
  while (rec.starts.length < fields) rec.grow();
  const starts = rec.starts;
  const ends = rec.ends;
  const flags = rec.flags;
  let i = pos;
  let c: number;
  for (let f = 0; ; f++) {
    if (f === fields) {
      // One delimiter more ends the record when the dialect allows it.
      if (!syntax.trailing) return NOT_PLAIN;
      if (i >= end) {
        if (!eof) return NEED_MORE;
        rec.next = end;
      } else if (buf[i] === LF) rec.next = i + 1;
      else if (buf[i] === CR && i + 1 < end && buf[i + 1] === LF) rec.next = i + 2;
      else return i + 1 >= end && !eof ? NEED_MORE : NOT_PLAIN;
      rec.count = fields;
      rec.newlines = 0;
      rec.ascii = true;
      rec.badQuote = -1;
      return RECORD;
    }
    if (trim) while ((c = buf[i]!) === 32 || c === 9) i++;
    const s = i;
    c = buf[i]!;
    if (c === QUOTE) return NOT_PLAIN;
    let value = NaN;
    // Where a plain number ended: the value stands only if the field ends there too.
    let numberEnd = -1;
    if (parse[f] === 1) {
      const negative = c === 45;
      if (negative || c === 43) i++;
      // The digits before and after the point as 32-bit integers: a chain of integer
      // multiply-adds is twice as fast as one of doubles. Up to 9 digits each they cannot wrap,
      // and whole * 10^fraction + part is then the exact integer the digits spell.
      const digitsFrom = i;
      let whole = 0;
      let d: number;
      while ((d = buf[i]! - 48) >>> 0 <= 9) {
        whole = (Math.imul(whole, 10) + d) | 0;
        i++;
      }
      const wholeDigits = i - digitsFrom;
      let part = 0;
      let fraction = 0;
      if (buf[i] === point) {
        i++;
        const fractionFrom = i;
        while ((d = buf[i]! - 48) >>> 0 <= 9) {
          part = (Math.imul(part, 10) + d) | 0;
          i++;
        }
        fraction = i - fractionFrom;
      }
      const digits = wholeDigits + fraction;
      if (digits > 0 && digits <= 15) {
        const mantissa =
          wholeDigits <= 9 && fraction <= 9
            ? whole * POW10[fraction]! + part
            : digitsValue(buf, digitsFrom, digitsFrom + digits + (fraction > 0 ? 1 : 0), point);
        value = mantissa === 0 ? 0 : fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
        if (negative) value = -value;
        numberEnd = i;
      }
    }
    while ((c = buf[i]!) !== delim && c !== LF) i++;
    if (i >= end) {
      if (!eof) return NEED_MORE;
      i = end;
    }
    flags[f] = 0;
    starts[f] = s;
    if (i < end && c === delim) {
      let e = i;
      if (trim) while (e > s && ((c = buf[e - 1]!) === 32 || c === 9)) e--;
      ends[f] = e;
      values[f] = e === numberEnd ? value : NaN;
      i++;
      continue;
    }
    // The last field of the record: a CR before the line break (or the end) belongs to it.
    let e = i;
    if (e > s && buf[e - 1] === CR) e--;
    if (trim) while (e > s && ((c = buf[e - 1]!) === 32 || c === 9)) e--;
    ends[f] = e;
    values[f] = e === numberEnd ? value : NaN;
    if (f + 1 !== fields || (f === 0 && e === s)) return NOT_PLAIN;
    rec.count = fields;
    rec.next = i >= end ? end : i + 1;
    rec.newlines = 0;
    rec.ascii = true;
    rec.badQuote = -1;
    return RECORD;
  }
}

/** The integer the digits in buf[from..to) spell, a point skipped: exact up to 15 digits. */
function digitsValue(buf: Uint8Array, from: number, to: number, point: number): number {
  let mantissa = 0;
  for (let i = from; i < to; i++) if (buf[i] !== point) mantissa = mantissa * 10 + (buf[i]! - 48);
  return mantissa;
}

/** The text of a quoted field that holds doubled quotes. */
export function unescapeQuotes(text: string): string {
  return text.replaceAll('""', '"');
}
