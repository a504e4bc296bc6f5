/**
 * The streaming read of one data file: bytes -> records (CSV, JSON array, JSON Lines) -> typed
 * columnar batches with their split side. Every other reader in this folder is driven from here.
 */
import { isUtf8 } from "node:buffer";
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { DataSpec } from "../project/schemas.js";
import { InputError } from "../errors.js";
import { closest } from "../project/did-you-mean.js";
import type { BuiltBatch, ColumnState } from "./build-batch.js";
import { BOOLEAN_TEXT, BatchBuilder, columnStates, decode } from "./build-batch.js";
import type { CollectedProblems } from "./collect-problems.js";
import { ProblemCollector, showValue } from "./collect-problems.js";
import {
  BLANK,
  CsvRecord,
  NEED_MORE,
  NOT_PLAIN,
  UNTERMINATED,
  tokenizeCsvRecord,
  tokenizePlainRecord,
  unescapeQuotes,
} from "./csv-tokenizer.js";
import type { RecordContext } from "./json-records.js";
import {
  NEED_MORE as VALUE_NEEDS_MORE,
  findValueEnd,
  isSpace,
  readFlatRecord,
  valueScan,
} from "./json-records.js";
import { CsvKernel } from "./csv-kernel.js";
import { ChunkReader, READ_SIZE } from "./read-chunks.js";
import type { DataProfile, ProfileOptions } from "./profile-columns.js";
import { DataProfiler, profileOptionsOf } from "./profile-columns.js";
import type { RowBatch } from "./row-batch.js";
import { SplitAssigner } from "./stable-split.js";

/** Options of every read. All have defaults. */
export interface ReadOptions {
  /** How problems name the data file. Default: the path as given. */
  file?: string;
  /** How problems about the spec itself (a `min` date that is no date, an unknown key column) name it. */
  specFile?: string;
  /** Rows per batch. Default 16384. */
  batchSize?: number;
  /** Longest record (CSV record, JSON record, JSON line) in bytes. Default 1 MiB. */
  maxRecordBytes?: number;
  /** Stop reading after this many problems. Default 1000. */
  maxProblems?: number;
  /** Problems shown in full per kind and column; the rest are counted. Default 5. */
  examplesPerKind?: number;
  /** Most distinct values of a category column without `values`. Default 10000. */
  maxLevels?: number;
  /** Bytes asked of the file per read. Default 1 MiB. */
  readSize?: number;
  /**
   * Read and parse in a worker thread, so that the caller's work on each batch runs beside it on
   * another core: `true`, `false`, or `"auto"` (the default), which uses the worker for files of
   * at least {@link WORKER_MIN_BYTES} when its script is there (it is in the compiled package and
   * in the Action bundle, not beside the TypeScript sources). Rows, problems and the hash are the
   * same either way.
   */
  worker?: boolean | "auto";
  /** The worker's script. Default: `read-worker.js` beside this module. */
  workerScript?: URL;
  /**
   * The caller keeps no batch, nor any of its arrays, once it asks for the next batch: a worker
   * thread then reuses them for later batches (memory stays flat; an array kept anyway is
   * emptied). Default false.
   */
  recycle?: boolean;
  /**
   * @internal Read CSV data of numbers only with the WebAssembly kernel (csv-kernel.ts).
   * Default true; false reads every record in JavaScript (the tests compare the two).
   */
  csvKernel?: boolean;
}

/** The limits of a read: the numeric {@link ReadOptions} and the kernel's switch, defaults applied. */
export type ReadLimits = Required<
  Pick<
    ReadOptions,
    | "batchSize"
    | "maxRecordBytes"
    | "maxProblems"
    | "examplesPerKind"
    | "maxLevels"
    | "readSize"
    | "csvKernel"
  >
>;

/** Files from this size on are read in a worker thread when `worker` is "auto" (16 MiB). */
export const WORKER_MIN_BYTES = 16 << 20;

/** Where a finished read ended up, carried from a worker thread to the reader that started it. */
export interface ReaderState {
  rows: number;
  train: number;
  test: number;
  bytes: number;
  sha256: string;
  stopped: boolean;
  problems: CollectedProblems;
  /** Per column, the first rows with a missing value. */
  missingRows: number[][];
  /** The profile, when the reader drew one ({@link DatasetReader.drawProfile}). */
  profile: DataProfile | undefined;
}

/** What a worker thread needs to read the same file the same way. */
export interface WorkerInput {
  spec: DataSpec;
  path: string;
  file: string;
  specFile: string;
  limits: ReadLimits;
  hash: boolean;
  /** Send the bytes read to the calling thread, which hashes them (instead of `hash`). */
  sendBytes: boolean;
  failFast: boolean;
  profile: ProfileOptions | undefined;
  /** The columns the reader profiles (true), when not all. */
  profileColumns: boolean[] | undefined;
}

export type DataFormat = "csv" | "json" | "jsonl";

const MIB = 1 << 20;

/** The format of a data file: the spec's `format`, else from the file's extension. */
export function dataFormat(spec: DataSpec, path: string, file = path): DataFormat {
  if (spec.format !== undefined) return spec.format;
  const ext = extname(path).toLowerCase();
  if (ext === ".csv" || ext === ".tsv" || ext === ".txt") return "csv";
  if (ext === ".json") return "json";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  throw new InputError({
    file,
    message: `cannot tell the format of the data from the extension "${ext}"`,
    hint: "name the file .csv, .json or .jsonl, or set `format: csv | json | jsonl` in the data spec",
  });
}

type Status = "more" | "done" | "stop";

/** One format's record loop over the chunk reader's window. */
interface RecordSource {
  pos: number;
  /** Reads the records complete in the window; says whether it needs more bytes, is done, or stopped. */
  parse(out: BuiltBatch[]): Status;
  /** Called when the record at `pos` grew past the limit. */
  tooLong(limit: number): void;
  /** Called once after the last record of a complete read. */
  finish?(): void;
}

/**
 * One streaming read of a data file. Iterate {@link DatasetReader.batches} once; afterwards the
 * fields below hold what the read saw. Problems are collected, not thrown, unless `failFast`.
 */
export class DatasetReader {
  readonly file: string;
  readonly format: DataFormat;
  readonly problems: ProblemCollector;
  readonly cols: ColumnState[];
  /** Data rows read. */
  rows = 0;
  train = 0;
  test = 0;
  /** Bytes read. */
  bytes = 0;
  /** sha256 of the file's bytes, hex; set after a complete read with `hash`. */
  sha256 = "";
  private readonly options: ReadLimits;
  private readonly splitter: SplitAssigner;
  private readonly specFile: string;
  private readonly worker: boolean | "auto";
  private readonly workerScript: URL | undefined;
  private stopped = false;
  private profileOptions: ProfileOptions | undefined;
  private profileColumns: boolean[] | undefined;
  private profiler: DataProfiler | undefined;
  private adoptedProfile: DataProfile | undefined;
  /** @internal Sees the bytes of every read (a worker thread sends a copy on). */
  passBytes: ((bytes: Uint8Array) => void) | undefined;
  /** @internal Where the batches' arrays come from (a worker thread reuses those sent back). */
  newBuffer: ((bytes: number) => ArrayBuffer) | undefined;
  /** Whether the caller is done with a batch's arrays once it asks for the next batch. */
  readonly recycles: boolean;

  /** `hash`: compute the sha256 of the file. `failFast`: throw at the first batch with a problem. */
  constructor(
    readonly spec: DataSpec,
    readonly path: string,
    options: ReadOptions = {},
    private readonly hash = false,
    private readonly failFast = false,
  ) {
    this.file = options.file ?? path;
    const specFile = options.specFile ?? "data spec";
    this.specFile = specFile;
    this.worker = options.worker ?? "auto";
    this.recycles = options.recycle ?? false;
    this.workerScript = options.workerScript;
    this.options = {
      batchSize: options.batchSize ?? 16384,
      maxRecordBytes: options.maxRecordBytes ?? MIB,
      maxProblems: options.maxProblems ?? 1000,
      examplesPerKind: options.examplesPerKind ?? 5,
      maxLevels: options.maxLevels ?? 10000,
      readSize: options.readSize ?? READ_SIZE,
      csvKernel: options.csvKernel ?? true,
    };
    this.format = dataFormat(spec, path, this.file);
    this.problems = new ProblemCollector(this.file, this.options.maxProblems, this.options.examplesPerKind);
    this.cols = columnStates(spec);
    const specProblems = this.cols
      .filter((c) => Number.isNaN(c.min) || Number.isNaN(c.max))
      .map((c) => ({
        file: specFile,
        field: c.name,
        message: `the column's min or max is not an ISO 8601 date`,
        hint: "write dates as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
      }));
    if (this.format === "csv") {
      const d = spec.delimiter.charCodeAt(0);
      if (spec.delimiter.length !== 1 || d > 127 || d === 34 || d === 10 || d === 13) {
        specProblems.push({
          file: specFile,
          field: "delimiter",
          message: `the delimiter ${JSON.stringify(spec.delimiter)} cannot be used`,
          hint: 'use one ASCII character other than a quote or a line break, e.g. ",", ";" or "\\t"',
        });
      }
    }
    if (specProblems.length > 0) throw new InputError(specProblems);
    this.splitter = new SplitAssigner(spec, specFile);
  }

  /**
   * Whether the file is CSV with no string column, whose records the WebAssembly kernel reads:
   * about twice as fast as other data, so the reading thread has time for more work.
   */
  get readsWithKernel(): boolean {
    // Without WebAssembly (node --jitless) there is no kernel.
    return (
      this.format === "csv" &&
      this.options.csvKernel &&
      typeof WebAssembly !== "undefined" &&
      this.cols.every((c) => c.spec.type !== "string")
    );
  }

  /**
   * Draws the profile of every row as it is read, on the thread that reads (a worker thread for
   * large files), of every column or of those `columns` marks: call before {@link batches}, read
   * the result with {@link profile}.
   */
  drawProfile(options: ProfileOptions, columns?: boolean[]): void {
    this.profileOptions = profileOptionsOf(options);
    this.profileColumns = columns;
    this.profiler = new DataProfiler(this.spec, this.profileOptions, columns);
  }

  /**
   * After a read with {@link drawProfile}: the profile of every row read (of the columns it
   * drew; the others are left empty, see `joinProfiles`).
   */
  profile(): DataProfile | undefined {
    return this.adoptedProfile ?? this.profiler?.result();
  }

  /**
   * Whether the read went through the whole file: false when it stopped early, at too many
   * problems or at a fault no later record can recover from (an open quote, a record too long).
   */
  get complete(): boolean {
    return !this.stopped;
  }

  /** The typed batches of the file, in file order, each with its split side. */
  async *batches(): AsyncGenerator<RowBatch, void, undefined> {
    if (this.worker === false || (this.worker === "auto" && (await fileSize(this.path)) < WORKER_MIN_BYTES)) {
      yield* this.readHere();
      return;
    }
    // Loaded only when a worker may be used, so that small reads never load worker_threads.
    const { readInWorker, defaultWorkerScript } = await import("./read-in-worker.js");
    const script = this.workerScript ?? defaultWorkerScript();
    if (script.protocol !== "file:" || !existsSync(fileURLToPath(script))) {
      if (this.worker === true) throw new Error(`the read worker's script ${script.href} is missing`);
      yield* this.readHere();
      return;
    }
    yield* readInWorker(this, script);
  }

  /** @internal What a worker thread needs to read this file the same way. */
  workerInput(): WorkerInput {
    return {
      spec: this.spec,
      path: this.path,
      file: this.file,
      specFile: this.specFile,
      limits: this.options,
      hash: this.hash,
      sendBytes: false,
      failFast: this.failFast,
      profile: this.profileOptions,
      profileColumns: this.profileColumns,
    };
  }

  /** @internal Where the read ended up: what a worker thread sends back. */
  state(): ReaderState {
    return {
      rows: this.rows,
      train: this.train,
      test: this.test,
      bytes: this.bytes,
      sha256: this.sha256,
      stopped: this.stopped,
      problems: this.problems.snapshot(),
      missingRows: this.cols.map((c) => c.missingRows),
      profile: this.profiler?.result(),
    };
  }

  /** @internal Takes over the {@link DatasetReader.state} of the same read done in a worker thread. */
  adopt(state: ReaderState): void {
    this.rows = state.rows;
    this.train = state.train;
    this.test = state.test;
    this.bytes = state.bytes;
    this.sha256 = state.sha256;
    this.stopped = state.stopped;
    this.problems.restore(state.problems);
    this.adoptedProfile = state.profile;
    state.missingRows.forEach((rows, c) => {
      const mine = this.cols[c]!.missingRows;
      mine.length = 0;
      mine.push(...rows);
    });
  }

  /** The read on this thread. */
  private async *readHere(): AsyncGenerator<RowBatch, void, undefined> {
    const { readSize, maxRecordBytes, batchSize } = this.options;
    // CSV with no string column: runs of plain records are read by the WebAssembly kernel,
    // in whose memory the window of bytes then lies.
    const numbers = this.readsWithKernel
      ? CsvKernel.acquire(this.cols.length, batchSize, ChunkReader.bufferBytes(readSize, maxRecordBytes))
      : undefined;
    let reader: ChunkReader;
    try {
      reader = await ChunkReader.open(
        this.path,
        maxRecordBytes,
        this.hash,
        readSize,
        this.passBytes,
        numbers?.window,
      );
    } catch (error) {
      numbers?.release();
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError({
        file: this.file,
        message:
          code === "ENOENT"
            ? "the data file does not exist"
            : `cannot read the data file (${code ?? String(error)})`,
        hint: "the data spec's `file` is relative to the data spec",
      });
    }
    try {
      yield* this.run(reader, numbers);
    } finally {
      await reader.close();
      numbers?.release();
    }
  }

  private async *run(
    reader: ChunkReader,
    numbers: CsvKernel | undefined,
  ): AsyncGenerator<RowBatch, void, undefined> {
    const builder = new BatchBuilder(this.spec, this.problems, this.options, this.cols, this.newBuffer);
    // Enough bytes to see a byte order mark, whatever the read size.
    while (reader.end < 3 && !reader.eof) await reader.refill(0);
    if (reader.eof && reader.end === 0) {
      this.problems.add("empty", "", {
        message: "the data file is empty",
        hint:
          this.format === "csv"
            ? "a CSV file needs its rows (and a header row unless `header: false`)"
            : this.format === "json"
              ? "a JSON data file is an array of records: [{...}, {...}]"
              : "a JSON Lines file has one record {...} per line",
      });
      this.stopped = true;
      this.throwIfFailFast();
      return;
    }
    const source = this.source(reader, builder, numbers);
    const b = reader.buf;
    if (reader.end >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) source.pos = 3;
    const ready: BuiltBatch[] = [];
    for (;;) {
      const status = source.parse(ready);
      this.throwIfFailFast();
      for (const batch of ready) yield this.finish(batch);
      ready.length = 0;
      if (status === "more" && !reader.eof) {
        const pending = reader.end - source.pos;
        source.pos -= await reader.refill(source.pos);
        // Past the limit, one more read tells a file that merely ends inside the record (an open
        // quote, reported as such by the next parse) from a record that is really too long.
        if (pending > this.options.maxRecordBytes && !reader.eof) {
          source.tooLong(this.options.maxRecordBytes);
          this.stopped = true;
          break;
        }
        continue;
      }
      if (status === "stop") this.stopped = true;
      break;
    }
    if (builder.n > 0 && !this.stopped) yield this.finish(builder.take());
    this.bytes = reader.bytes;
    if (!this.stopped) {
      if (this.rows > 0) source.finish?.();
      if (this.hash) this.sha256 = reader.digest();
      if (this.rows === 0 && this.problems.empty) {
        this.problems.add("no-rows", "", {
          message: "the data file has no data rows",
          hint: "a data set needs at least one row",
        });
      }
    }
    this.throwIfFailFast();
  }

  private throwIfFailFast(): void {
    if (this.failFast) this.problems.throwIfAny();
  }

  private finish(batch: BuiltBatch): RowBatch {
    const side = this.splitter.assign(batch.columns, batch.length);
    let test = 0;
    for (let r = 0; r < side.length; r++) test += side[r]!;
    this.rows += batch.length;
    this.test += test;
    this.train += batch.length - test;
    const rows: RowBatch = {
      length: batch.length,
      row: batch.row,
      line: batch.line,
      side,
      columns: batch.columns,
    };
    this.profiler?.add(rows);
    return rows;
  }

  private source(reader: ChunkReader, builder: BatchBuilder, numbers: CsvKernel | undefined): RecordSource {
    if (this.format === "csv") return new CsvSource(this, reader, builder, numbers);
    if (this.format === "json") return new JsonArraySource(this, reader, builder);
    return new JsonLinesSource(this, reader, builder);
  }

  /** @internal For the record sources: the read's limits. */
  get limits(): ReadLimits {
    return this.options;
  }
}

/** The size of a file in bytes; 0 when it cannot be read (the read itself reports why). */
async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

function tooLongProblem(
  owner: DatasetReader,
  limit: number,
  row: number,
  line: number,
  field?: string,
): void {
  owner.problems.add("too-long", "", {
    row,
    line,
    ...(field === undefined ? {} : { field }),
    message: `the record is longer than ${limit >= MIB ? `${limit / MIB} MiB` : `${limit} bytes`}; reading stopped here`,
    hint:
      owner.format === "csv"
        ? "look for a quote that never closes above this point, or raise the record limit (maxRecordBytes)"
        : "look for a string that never closes, or raise the record limit (maxRecordBytes)",
  });
}

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

class CsvSource implements RecordSource {
  pos = 0;
  private line = 1;
  private row = 0;
  private readonly rec = new CsvRecord();
  private headerDone: boolean;
  private fieldToCol: Int32Array;
  private names: string[];
  private readonly delim: number;
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
    private readonly owner: DatasetReader,
    private readonly reader: ChunkReader,
    private readonly builder: BatchBuilder,
    /** The WebAssembly kernel for records of numbers only, whose memory holds `reader.buf`. */
    private readonly numbers: CsvKernel | undefined,
  ) {
    const spec = owner.spec;
    this.delim = spec.delimiter.charCodeAt(0);
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
      fieldToCol.forEach((c, f) => {
        const col = cols[c]!;
        const kind = col.spec.type;
        if (kind === "category") this.categoryFields.push(f);
        if (kind === "boolean") {
          // A boolean reads as a category whose levels are the spellings it accepts, coded 1 and 0.
          numbers.setColumn(f, { kind: "category" });
          for (const [spelling, value] of BOOLEAN_SPELLINGS) numbers.addLevel(f, spelling, value);
          return;
        }
        numbers.setColumn(
          f,
          kind === "category"
            ? { kind }
            : { kind: kind === "integer" || kind === "date" ? kind : "number", min: col.min, max: col.max },
        );
      });
    }
  }

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
      if (c === 34) quoted = !quoted;
      else if (c === this.delim && !quoted) fields++;
    }
    const row = this.headerDone ? this.row + 1 : undefined;
    tooLongProblem(this.owner, limit, row ?? 0, this.line, this.names[fields]);
  }

  parse(out: BuiltBatch[]): Status {
    const reader = this.reader;
    const buf = reader.buf;
    const end = reader.end;
    const eof = reader.eof;
    const ascii = reader.ascii;
    const rec = this.rec;
    const builder = this.builder;
    const limit = this.owner.limits.maxRecordBytes;
    const problems = this.owner.problems;
    const numbers = this.numbers;
    for (;;) {
      const pos = this.pos;
      if (pos >= end) return eof ? "done" : "more";
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
        );
      }
      const plain = status !== NOT_PLAIN;
      if (!plain) status = tokenizeCsvRecord(buf, pos, end, eof, this.delim, rec, ascii);
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
    const n = rec.count;
    const expected = this.names.length;
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
      if (flags[f] === 2) builder.text(c, unescapeQuotes(decode(buf, s, e, ascii)));
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
      names.push(rec.flags[f] === 2 ? unescapeQuotes(text) : text);
    }
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
    for (const name of unknown) {
      const near = closest(name, absent);
      problems.add("header", "", {
        line,
        field: name,
        message: `column "${name}" is in the file but not in the data spec`,
        hint:
          near !== undefined
            ? `did you mean "${near}"? Rename the column in the file or in the data spec`
            : "describe every column of the file in the data spec's `columns`",
      });
    }
    names.forEach((name, f) => {
      if (name === "") {
        problems.add("header", "", {
          line,
          message: `header field ${f + 1} has no name`,
          hint: "name every column in the header row",
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

function jsonContext(owner: DatasetReader, builder: BatchBuilder): RecordContext & { unknown: Set<string> } {
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
function reportAbsentKeys(owner: DatasetReader, ctx: RecordContext & { unknown: Set<string> }): void {
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

class JsonArraySource implements RecordSource {
  pos = 0;
  private line = 1;
  private row = 0;
  private phase: "start" | "first" | "value" | "after" | "end" = "start";
  private readonly ctx: RecordContext & { unknown: Set<string> };

  constructor(
    private readonly owner: DatasetReader,
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

  private fatal(message: string, hint: string): Status {
    this.owner.problems.add("json", "", {
      ...(this.row > 0 ? { row: this.row } : {}),
      line: this.line,
      message,
      hint,
    });
    return "stop";
  }

  parse(out: BuiltBatch[]): Status {
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

class JsonLinesSource implements RecordSource {
  pos = 0;
  private line = 0;
  private row = 0;
  private readonly ctx: RecordContext & { unknown: Set<string> };

  constructor(
    private readonly owner: DatasetReader,
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

  parse(out: BuiltBatch[]): Status {
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
