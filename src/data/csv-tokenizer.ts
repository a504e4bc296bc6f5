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
 */

const QUOTE = 34;
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

/** Where the fields of the last record lie in the buffer. Reused from record to record. */
export class CsvRecord {
  /** Field f is `buf[starts[f], ends[f])`, without its quotes. */
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  /** 0 unquoted, 1 quoted, 2 quoted and holding `""` (the text needs unescaping). */
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
 * {@link UNTERMINATED}.
 */
export function tokenizeCsvRecord(
  buf: Uint8Array,
  pos: number,
  end: number,
  eof: boolean,
  delim: number,
  rec: CsvRecord,
  windowAscii = false,
): number {
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
    if (i < end && buf[i] === QUOTE) {
      const openLines = nl;
      i++;
      const s = i;
      let flag = 1;
      for (;;) {
        while (i < end && (c = buf[i]!) !== QUOTE) {
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
      if (i >= end) {
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
        starts[f] = s;
        ends[f] = i;
        flags[f] = 0;
        f++;
        i++;
        continue;
      }
      if (i >= end && !eof) return NEED_MORE;
      let e = i;
      if (e > s && buf[e - 1] === CR) e--;
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

/** The text of a quoted field that holds doubled quotes. */
export function unescapeQuotes(text: string): string {
  return text.replaceAll('""', '"');
}
