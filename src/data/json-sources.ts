/**
 * The JSON record loops of the streaming read: a JSON array of records, and JSON Lines.
 */
import { closest } from "../project/did-you-mean.js";
import type { BatchBuilder, BuiltBatch } from "./build-batch.js";
import type { RecordContext } from "./json-records.js";
import {
  NEED_MORE as VALUE_NEEDS_MORE,
  findValueEnd,
  isSpace,
  readFlatRecord,
  valueScan,
} from "./json-records.js";
import type { ChunkReader } from "./read-chunks.js";
import { tooLongProblem, type RecordSource, type SourceOwner, type SourceStatus } from "./record-source.js";

/** What the JSON record reader needs of a read: where each key goes, and the keys no column has. */
function jsonContext(owner: SourceOwner, builder: BatchBuilder): RecordContext & { unknown: Set<string> } {
  const columnOf = new Map(owner.spec.columns.map((c, i) => [c.name, i] as const));
  const names = owner.spec.columns.map((c) => c.name);
  const unknown = new Set<string>();
  return {
    builder,
    columnOf,
    seenIn: new Float64Array(names.length).fill(-1),
    seen: 0,
    unknown,
    unknownKey(name: string) {
      if (unknown.size < 100) unknown.add(name);
      const near = closest(name, names);
      builder.rowProblem(
        "unknown-key",
        "records with a key that is not a column",
        `key "${name}" is not a column of the data spec`,
        name,
        near !== undefined
          ? `did you mean "${near}"?`
          : "describe every key of the records in the data spec's `columns`",
      );
    },
  };
}

/** After a JSON read: a spec column that no record holds is most likely misspelt. */
function reportAbsentKeys(owner: SourceOwner, ctx: RecordContext & { unknown: Set<string> }): void {
  owner.spec.columns.forEach((c, i) => {
    if (ctx.seenIn[i] !== -1) return;
    const near = closest(c.name, [...ctx.unknown]);
    owner.problems.add("header", "", {
      field: c.name,
      message: `column "${c.name}" is in the data spec but in no record of the file`,
      hint:
        near !== undefined ? `did you mean "${near}"?` : "check the column's name against the records' keys",
    });
  });
}

function jsonRecordProblem(builder: BatchBuilder, fault: { message: string; key: string | undefined }): void {
  builder.rowProblem(
    "json",
    "records that are not valid JSON",
    `the record is not valid JSON: ${fault.message}`,
    fault.key,
    'each record must be a flat JSON object such as {"a": 1, "b": "x"}',
  );
}

/** The record loop of a JSON array of records. */
export class JsonArraySource implements RecordSource {
  pos = 0;
  private line = 1;
  private row = 0;
  private phase: "start" | "first" | "value" | "after" | "end" = "start";
  private readonly ctx: RecordContext & { unknown: Set<string> };

  constructor(
    private readonly owner: SourceOwner,
    private readonly reader: ChunkReader,
    private readonly builder: BatchBuilder,
  ) {
    this.ctx = jsonContext(owner, builder);
  }

  tooLong(limit: number): void {
    tooLongProblem(this.owner, limit, this.row + 1, this.line);
  }

  finish(): void {
    reportAbsentKeys(this.owner, this.ctx);
  }

  private fatal(message: string, hint: string): SourceStatus {
    this.owner.problems.add("json", "", {
      ...(this.row > 0 ? { row: this.row } : {}),
      line: this.line,
      message,
      hint,
    });
    return "stop";
  }

  parse(out: BuiltBatch[]): SourceStatus {
    const buf = this.reader.buf;
    const end = this.reader.end;
    const eof = this.reader.eof;
    const builder = this.builder;
    const problems = this.owner.problems;
    const limit = this.owner.limits.maxRecordBytes;
    for (;;) {
      let pos = this.pos;
      while (pos < end && isSpace(buf[pos]!)) {
        if (buf[pos] === 10) this.line++;
        pos++;
      }
      this.pos = pos;
      if (pos >= end) {
        if (!eof) return "more";
        if (this.phase !== "end") {
          return this.fatal(
            "the file ends before the array of records closes",
            "a JSON data file is one array of records: [{...}, {...}]",
          );
        }
        return "done";
      }
      const c = buf[pos]!;
      switch (this.phase) {
        case "start":
          if (c !== 91) {
            return this.fatal(
              "a JSON data file must be an array of records",
              "write [{...}, {...}], or use JSON Lines (one record per line, format: jsonl)",
            );
          }
          this.pos = pos + 1;
          this.phase = "first";
          continue;
        case "end":
          return this.fatal(
            "unexpected text after the array of records",
            "the file must hold one array and nothing after it",
          );
        case "after":
          if (c === 44) this.phase = "value";
          else if (c === 93) this.phase = "end";
          else return this.fatal(`expected "," or "]" after row ${this.row}`, "separate records with commas");
          this.pos = pos + 1;
          continue;
        case "first":
          if (c === 93) {
            this.pos = pos + 1;
            this.phase = "end";
            continue;
          }
          break;
        default:
          break;
      }
      const stop = findValueEnd(buf, pos, end, eof);
      if (stop === VALUE_NEEDS_MORE) return "more";
      if (stop < 0 || stop === pos) {
        this.row++;
        return this.fatal(
          stop === pos
            ? "expected a record"
            : "the file ends inside a record (a string or object never closes)",
          "each record is a flat JSON object; check quotes and braces",
        );
      }
      if (stop - pos > limit) {
        this.tooLong(limit);
        return "stop";
      }
      const row = ++this.row;
      const line = this.line;
      builder.begin(row, line);
      const fault = readFlatRecord(buf, pos, stop, valueScan.ascii, this.ctx);
      if (fault !== undefined) jsonRecordProblem(builder, fault);
      builder.end();
      this.line += valueScan.newlines;
      this.pos = stop;
      this.phase = "after";
      if (builder.full) out.push(builder.take());
      if (problems.full) {
        problems.stop({ row, line });
        return "stop";
      }
    }
  }
}

/** The record loop of JSON Lines: one record per line. */
export class JsonLinesSource implements RecordSource {
  pos = 0;
  private line = 0;
  private row = 0;
  private readonly ctx: RecordContext & { unknown: Set<string> };

  constructor(
    private readonly owner: SourceOwner,
    private readonly reader: ChunkReader,
    private readonly builder: BatchBuilder,
  ) {
    this.ctx = jsonContext(owner, builder);
  }

  tooLong(limit: number): void {
    tooLongProblem(this.owner, limit, this.row + 1, this.line + 1);
  }

  finish(): void {
    reportAbsentKeys(this.owner, this.ctx);
  }

  parse(out: BuiltBatch[]): SourceStatus {
    const buf = this.reader.buf;
    const end = this.reader.end;
    const eof = this.reader.eof;
    const builder = this.builder;
    const problems = this.owner.problems;
    const limit = this.owner.limits.maxRecordBytes;
    for (;;) {
      const pos = this.pos;
      if (pos >= end) return eof ? "done" : "more";
      let lf = buf.indexOf(10, pos);
      if (lf < 0 || lf >= end) {
        if (!eof) return "more";
        lf = end;
      }
      if (lf - pos > limit) {
        this.tooLong(limit);
        return "stop";
      }
      const line = ++this.line;
      this.pos = lf + 1;
      let s = pos;
      let hi = 0;
      while (s < lf && isSpace(buf[s]!)) s++;
      if (s === lf) continue;
      for (let i = s; i < lf; i++) hi |= buf[i]!;
      const row = ++this.row;
      builder.begin(row, line);
      const fault = readFlatRecord(buf, s, lf, hi < 128, this.ctx);
      if (fault !== undefined) jsonRecordProblem(builder, fault);
      builder.end();
      if (builder.full) out.push(builder.take());
      if (problems.full) {
        problems.stop({ row, line });
        return "stop";
      }
    }
  }
}
