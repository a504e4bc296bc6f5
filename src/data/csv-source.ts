/**
 * The CSV record loop of the streaming read: header, quoting, delimiters, and runs of plain
 * records handed to the WebAssembly kernel when every column is a number or a category.
 */
import { isUtf8 } from "node:buffer";
import { closest } from "../project/did-you-mean.js";
import type { BuiltBatch, BatchBuilder } from "./build-batch.js";
import { BOOLEAN_TEXT, decode } from "./build-batch.js";
import { showValue } from "./collect-problems.js";
import {
  BLANK,
  CsvRecord,
  NEED_MORE,
  NOT_PLAIN,
  UNTERMINATED,
  tokenizeCsvRecord,
  tokenizePlainRecord,
} from "./csv-tokenizer.js";
import { csvSyntaxOf, unescapeField, type CsvSyntax } from "./csv-syntax.js";
import { STRING_ADDRESS_SCALE, type CsvKernel } from "./csv-kernel.js";
import type { ChunkReader } from "./read-chunks.js";
import {
  tooLongProblem,
  unknownColumnProblem,
  type RecordSource,
  type SourceOwner,
  type SourceStatus,
} from "./record-source.js";

/** Every spelling of a boolean the reader accepts (`true`, `no`, `1`... in any case), and its value. */
const BOOLEAN_SPELLINGS: readonly [string, number][] = Object.entries(BOOLEAN_TEXT).flatMap(([word, value]) =>
  caseVariants(word).map((spelling): [string, number] => [spelling, value]),
);

/** `word` with each letter in either case. */
function caseVariants(word: string): string[] {
  let out = [""];
  for (const c of word)
    out = out.flatMap((head) => [...new Set([head + c.toLowerCase(), head + c.toUpperCase()])]);
  return out;
}

/** The CSV record loop. */
export class CsvSource implements RecordSource {
  pos = 0;
  private line = 1;
  private row = 0;
  private readonly rec = new CsvRecord();
  private headerDone: boolean;
  private fieldToCol: Int32Array;
  private names: string[];
  private readonly delim: number;
  private readonly syntax: CsvSyntax;
  /** Lines of `skipRows` not skipped yet. */
  private skipLeft: number;
  /** Per field of the file: 1 when its column is a number or integer column (read in the tokenizer). */
  private numericFields: Uint8Array;
  private fieldValues = new Float64Array(64);

  /** Whether the kernel reads runs of records (the fields are the columns, numbers or categories). */
  private kernelReads = false;
  /** The category fields, and per field the levels of its column the kernel was given. */
  private categoryFields: number[] = [];
  private levelsGiven = new Int32Array(0);
  /** Runs the kernel found nothing to read in a row, and records left to read without it. */
  private kernelMisses = 0;
  private kernelRest = 0;

  constructor(
    private readonly owner: SourceOwner,
    private readonly reader: ChunkReader,
    private readonly builder: BatchBuilder,
    /** The WebAssembly kernel for records of numbers only, whose memory holds `reader.buf`. */
    private readonly numbers: CsvKernel | undefined,
  ) {
    const spec = owner.spec;
    this.syntax = csvSyntaxOf(spec);
    this.delim = this.syntax.delim;
    this.skipLeft = this.syntax.skipRows;
    this.headerDone = !spec.header;
    this.names = spec.columns.map((c) => c.name);
    this.fieldToCol = new Int32Array(0);
    this.numericFields = new Uint8Array(0);
    this.useFields(Int32Array.from(this.names, (_, i) => i));
  }

  /** The file's fields are the columns `fieldToCol` (-1 for a field of no column). */
  private useFields(fieldToCol: Int32Array): void {
    const cols = this.builder.cols;
    this.fieldToCol = fieldToCol;
    if (this.fieldValues.length < fieldToCol.length) this.fieldValues = new Float64Array(fieldToCol.length);
    this.numericFields = Uint8Array.from(fieldToCol, (c) =>
      c >= 0 && (cols[c]!.spec.type === "number" || cols[c]!.spec.type === "integer") ? 1 : 0,
    );
    const numbers = this.numbers;
    this.kernelReads = numbers?.fields === fieldToCol.length && this.builder.kernelColumns(fieldToCol);
    this.categoryFields = [];
    this.levelsGiven = new Int32Array(fieldToCol.length);
    numbers?.forgetLevels();
    if (numbers !== undefined && this.kernelReads) {
      const syntax = this.syntax;
      numbers.setSyntax({ ...syntax, comment: syntax.comment?.[0] ?? 0, latin1: syntax.latin1 });
      fieldToCol.forEach((c, f) => {
        const col = cols[c]!;
        const kind = col.spec.type;
        const nullable = col.nullable;
        // Markers first: where a marker is also a level or a spelling, the marker wins (as in
        // the batch builder).
        for (const marker of col.markers ?? []) if (!numbers.addMarker(f, marker)) this.kernelReads = false;
        if (kind === "category") this.categoryFields.push(f);
        if (kind === "boolean") {
          // A boolean reads as a category whose levels are the spellings it accepts, coded 1 and 0.
          numbers.setColumn(f, { kind: "category", nullable });
          for (const [spelling, value] of BOOLEAN_SPELLINGS)
            if (!col.markerValues?.has(value)) numbers.addLevel(f, spelling, value);
          return;
        }
        if (kind === "category" || kind === "string") return numbers.setColumn(f, { kind, nullable });
        // The kernel knows one number that stands for a missing value per column.
        const values = [...(col.markerValues ?? [])];
        if (values.length > 1) this.kernelReads = false;
        numbers.setColumn(f, {
          kind: kind === "integer" || kind === "date" ? kind : "number",
          min: col.min,
          max: col.max,
          nullable,
          ...(values.length === 1 ? { missingValue: values[0] } : {}),
        });
      });
    }
  }

  /** The text of a string cell the kernel read: its value is its address · 2^21 + its length. */
  private readonly textOf = (v: number): string => {
    const length = v % STRING_ADDRESS_SCALE;
    const start = (v - length) / STRING_ADDRESS_SCALE - this.numbers!.windowAddress;
    return decode(this.reader.buf, start, start + length, true);
  };

  /** Gives the kernel the levels its category columns gained since the last run. */
  private giveLevels(numbers: CsvKernel): void {
    const cols = this.builder.cols;
    for (const f of this.categoryFields) {
      const raw = cols[this.fieldToCol[f]!]!.raw;
      for (let code = this.levelsGiven[f]!; code < raw.length; code++) numbers.addLevel(f, raw[code]!, code);
      this.levelsGiven[f] = raw.length;
    }
  }

  tooLong(limit: number): void {
    // Name the column being read when the limit struck: count the delimiters outside quotes
    // before it; inside a quote that is still open, the field is the one the quote opened.
    const buf = this.reader.buf;
    let fields = 0;
    let quoted = false;
    for (let i = this.pos; i < this.reader.end; i++) {
      const c = buf[i];
      if (c === this.syntax.quote) quoted = !quoted;
      else if (c === this.delim && !quoted) fields++;
    }
    const row = this.headerDone ? this.row + 1 : undefined;
    tooLongProblem(this.owner, limit, row ?? 0, this.line, this.names[fields]);
  }

  parse(out: BuiltBatch[]): SourceStatus {
    const reader = this.reader;
    const buf = reader.buf;
    const end = reader.end;
    const eof = reader.eof;
    // Latin-1 text is one byte per character: decoded as such, never checked as UTF-8.
    const ascii = reader.ascii || this.syntax.latin1;
    const syntax = this.syntax;
    const comment = syntax.comment;
    const rec = this.rec;
    const builder = this.builder;
    const limit = this.owner.limits.maxRecordBytes;
    const problems = this.owner.problems;
    const numbers = this.numbers;
    for (;;) {
      const pos = this.pos;
      if (pos >= end) return eof ? "done" : "more";
      // Lines skipped at the top (`skipRows`) and comment lines.
      if (this.skipLeft > 0 || (comment !== undefined && buf[pos] === comment[0])) {
        const skip = this.skipLeft > 0 ? 1 : startsWith(buf, pos, end, comment!);
        if (skip < 0 && !eof) return "more";
        if (skip > 0) {
          let lf = buf.indexOf(10, pos);
          if (lf < 0 || lf >= end) {
            if (!eof) {
              if (end - pos > limit) {
                this.tooLong(limit);
                return "stop";
              }
              return "more";
            }
            lf = end - 1;
          }
          if (this.skipLeft > 0) this.skipLeft--;
          this.line++;
          this.pos = lf + 1;
          continue;
        }
      }
      // Data of numbers only: the kernel reads runs of plain records at once.
      if (numbers !== undefined && this.kernelReads && this.headerDone) {
        if (this.kernelRest > 0) this.kernelRest--;
        else {
          if (this.categoryFields.length > 0) this.giveLevels(numbers);
          const count = numbers.read(pos, end, this.delim, builder.room, Math.min(limit, 0x7fffffff));
          if (count > 0) {
            builder.kernelRows(
              numbers.values,
              numbers.stride,
              count,
              this.fieldToCol,
              this.row + 1,
              this.line,
              this.textOf,
            );
            this.row += count;
            this.line += count;
            this.pos = numbers.next;
            this.kernelMisses = 0;
            if (builder.full) out.push(builder.take());
            continue;
          }
          // The record it stopped at is read below, the general way. After misses in a row, it
          // sits out as many records: data it cannot read costs it little.
          this.kernelRest = this.kernelMisses;
          this.kernelMisses = Math.min(2 * this.kernelMisses + 1, 64);
        }
      }
      // Most records have no quotes: read them, numbers included, in one pass.
      let status = NOT_PLAIN;
      if (ascii && this.headerDone) {
        status = tokenizePlainRecord(
          buf,
          pos,
          end,
          eof,
          this.delim,
          rec,
          this.numericFields,
          this.fieldValues,
          syntax,
        );
      }
      const plain = status !== NOT_PLAIN;
      if (!plain) status = tokenizeCsvRecord(buf, pos, end, eof, this.delim, rec, ascii, syntax);
      if (status === NEED_MORE) return "more";
      if (rec.next - pos > limit && status !== UNTERMINATED) {
        this.tooLong(limit);
        return "stop";
      }
      const line = this.line;
      this.line += 1 + rec.newlines;
      this.pos = rec.next;
      if (status === BLANK) continue;
      if (status === UNTERMINATED) {
        problems.add("unterminated", "", {
          ...(this.headerDone ? { row: this.row + 1 } : {}),
          line: line + rec.openLineOffset,
          ...(this.names[rec.openField] === undefined ? {} : { field: this.names[rec.openField] }),
          message: "a quoted field never closes: the file ends inside it",
          hint: 'end the field with a quote; inside a quoted field write a quote as two quotes ("")',
        });
        return "stop";
      }
      if (!this.headerDone) {
        this.header(buf, pos, line);
        this.headerDone = true;
        continue;
      }
      const row = ++this.row;
      builder.begin(row, line);
      if (plain) {
        if (!builder.wholeNumbers(this.fieldValues, this.fieldToCol, rec.count)) this.plainCells(buf);
      } else this.cells(buf, pos);
      builder.end();
      if (builder.full) out.push(builder.take());
      if (problems.full) {
        problems.stop({ row, line });
        return "stop";
      }
    }
  }

  /** The cells of a record read by the fast path: the right number of fields, ASCII, no quotes. */
  private plainCells(buf: Buffer): void {
    const rec = this.rec;
    const builder = this.builder;
    const starts = rec.starts;
    const ends = rec.ends;
    const values = this.fieldValues;
    const fieldToCol = this.fieldToCol;
    const n = rec.count;
    for (let f = 0; f < n; f++) {
      const c = fieldToCol[f]!;
      if (c < 0) continue;
      const v = values[f]!;
      if (v === v) builder.number(c, v);
      else builder.bytes(c, buf, starts[f]!, ends[f]!, true);
    }
  }

  private cells(buf: Buffer, pos: number): void {
    const rec = this.rec;
    const builder = this.builder;
    const expected = this.names.length;
    let n = rec.count;
    // One delimiter more at the end of the record, when the dialect allows it.
    if (
      this.syntax.trailing &&
      n === expected + 1 &&
      rec.flags[n - 1] === 0 &&
      rec.starts[n - 1] === rec.ends[n - 1]
    )
      n--;
    if (n !== expected) {
      const short = n < expected;
      builder.rowProblem(
        "ragged",
        "rows with the wrong number of fields",
        `the row has ${n} field${n === 1 ? "" : "s"}, the ${this.owner.spec.header ? "header has" : "data spec names"} ${expected}`,
        short ? this.names[n] : this.names[expected - 1],
        short
          ? `the row ends before column "${this.names[n]}"; quote fields that contain the delimiter`
          : `the row has fields after the last column "${this.names[expected - 1]}"; quote fields that contain the delimiter`,
      );
      return;
    }
    const starts = rec.starts;
    const ends = rec.ends;
    const flags = rec.flags;
    const ascii = rec.ascii;
    const badUtf8 = !ascii && !isUtf8(buf.subarray(pos, rec.next));
    const fieldToCol = this.fieldToCol;
    for (let f = 0; f < n; f++) {
      const c = fieldToCol[f]!;
      if (c < 0) continue;
      const s = starts[f]!;
      const e = ends[f]!;
      if (badUtf8 && !isUtf8(buf.subarray(s, e))) {
        builder.rowProblem(
          "utf8",
          "cells with bytes that are not UTF-8",
          "the cell holds bytes that are not UTF-8",
          this.names[f],
          "save the file as UTF-8 (from Latin-1, for example: iconv -f latin1 -t utf-8)",
        );
        builder.skip(c);
        continue;
      }
      if (flags[f] === 2) builder.text(c, unescapeField(decode(buf, s, e, ascii), this.syntax));
      else builder.bytes(c, buf, s, e, ascii);
    }
    if (rec.badQuote >= 0) {
      builder.rowProblem(
        "quote",
        "fields with text after the closing quote",
        "the field has text after its closing quote",
        this.names[rec.badQuote],
        'a quoted field must end right after its closing quote; write a quote inside it as two quotes ("")',
      );
    }
  }

  private header(buf: Buffer, pos: number, line: number): void {
    const rec = this.rec;
    const problems = this.owner.problems;
    const names: string[] = [];
    const badUtf8 = !rec.ascii && !isUtf8(buf.subarray(pos, rec.next));
    for (let f = 0; f < rec.count; f++) {
      const s = rec.starts[f]!;
      const e = rec.ends[f]!;
      if (badUtf8 && !isUtf8(buf.subarray(s, e))) {
        problems.add("utf8", "", {
          line,
          message: `header field ${f + 1} holds bytes that are not UTF-8`,
          hint: "save the file as UTF-8",
        });
      }
      const text = decode(buf, s, e, rec.ascii);
      names.push(rec.flags[f] === 2 ? unescapeField(text, this.syntax) : text);
    }
    if (this.syntax.trailing && names.length > 1 && names[names.length - 1] === "") names.pop();
    const specNames = this.owner.spec.columns.map((c) => c.name);
    const fieldToCol = new Int32Array(names.length).fill(-1);
    const seen = new Set<string>();
    names.forEach((name, f) => {
      if (seen.has(name)) {
        problems.add("header", "", {
          line,
          field: name,
          message: `column "${name}" appears more than once in the header`,
          hint: "give every column its own name",
        });
        return;
      }
      seen.add(name);
      fieldToCol[f] = specNames.indexOf(name);
    });
    const unknown = names.filter((n, f) => fieldToCol[f] === -1 && n !== "");
    const absent = specNames.filter((n) => !seen.has(n));
    for (const name of unknown) unknownColumnProblem(this.owner, name, absent, line);
    names.forEach((name, f) => {
      if (name === "") {
        problems.add("header", "", {
          line,
          message: `header field ${f + 1} has no name`,
          hint:
            f === names.length - 1 && f > 0
              ? "the header ends with a delimiter: set `trailingDelimiter: true` in the data spec if every record does"
              : "name every column in the header row",
        });
      }
    });
    for (const name of absent) {
      const near = closest(name, unknown);
      this.builder.cols[specNames.indexOf(name)]!.reportAbsent = false;
      problems.add("header", "", {
        line,
        field: name,
        message: `column "${name}" is in the data spec but not in the file's header`,
        hint:
          near !== undefined
            ? `did you mean "${near}"? The header has ${showValue(near)}`
            : `the header has ${names.map((n) => JSON.stringify(n)).join(", ")}`,
      });
    }
    this.names = names;
    this.useFields(fieldToCol);
  }
}

/** 1 when `buf[pos, end)` starts with `prefix`, 0 when it does not, -1 when it is too short to tell. */
function startsWith(buf: Uint8Array, pos: number, end: number, prefix: Uint8Array): number {
  for (let k = 0; k < prefix.length; k++) {
    if (pos + k >= end) return -1;
    if (buf[pos + k] !== prefix[k]) return 0;
  }
  return 1;
}
