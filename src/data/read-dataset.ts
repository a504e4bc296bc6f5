/**
 * The streaming read of one data file: bytes -> records (CSV, JSON array, JSON Lines) -> typed
 * columnar batches with their split side. Every other reader in this folder is driven from here.
 */
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { DataSpec } from "../project/schemas.js";
import { InputError } from "../errors.js";
import { csvDialectProblems } from "../project/csv-dialect.js";
import type { BuiltBatch, ColumnState } from "./build-batch.js";
import { BatchBuilder, columnStates } from "./build-batch.js";
import { ProblemCollector } from "./collect-problems.js";
import { CsvSource } from "./csv-source.js";
import { JsonArraySource, JsonLinesSource } from "./json-sources.js";
import { CsvKernel } from "./csv-kernel.js";
import { ChunkReader, READ_SIZE } from "./read-chunks.js";
import type { DataProfile, ProfileOptions } from "./profile-columns.js";
import { DataProfiler, profileOptionsOf } from "./profile-columns.js";
import type { RowBatch } from "./row-batch.js";
import { SplitAssigner } from "./stable-split.js";
import type { RowHashes } from "./row-hash-sketch.js";
import type { ReaderState, ReadLimits, WorkerInput } from "./read-protocol.js";
import { MIB, unreadableDataFile, type RecordSource } from "./record-source.js";
import { dataFormat, type DataFormat } from "./data-format.js";

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
  /**
   * @internal Read Parquet files whose columns are all flat with the direct decoder
   * (parquet-flat.ts). Default true; false reads through hyparquet's generic read (the tests
   * compare the two).
   */
  parquetFlat?: boolean;
}

/** Files from this size on are read in a worker thread when `worker` is "auto" (16 MiB). */
export const WORKER_MIN_BYTES = 16 << 20;

export { dataFormat, type DataFormat } from "./data-format.js";

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
  private adoptedRowHashes: RowHashes | undefined;
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
      parquetFlat: options.parquetFlat ?? true,
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
    if (this.format === "csv")
      for (const p of csvDialectProblems(spec))
        specProblems.push({ file: specFile, field: p.path.join("."), message: p.message, hint: p.hint });
    if (specProblems.length > 0) throw new InputError(specProblems);
    this.splitter = new SplitAssigner(spec, specFile);
  }

  /**
   * Whether the file is CSV, whose records the WebAssembly kernel reads:
   * about twice as fast as other data, so the reading thread has time for more work.
   */
  get readsWithKernel(): boolean {
    // Without WebAssembly (node --jitless) there is no kernel.
    return this.format === "csv" && this.options.csvKernel && typeof WebAssembly !== "undefined";
  }

  /**
   * The share of the columns whose profile the reading thread should draw when the caller has
   * work of its own for each batch (a fit): 0.6 when the kernel reads CSV, all of them when the
   * flat decoder reads Parquet (a CPU profile of `modelgate run` on the 1M-row bench file showed
   * its worker idle half the time while the fitting thread was never idle), else none. Measured
   * on the 1M-row bench (bench/README.md).
   */
  get readerProfileShare(): number {
    if (this.readsWithKernel) return 0.6;
    // The flat decoder's codecs are WebAssembly too.
    if (this.format === "parquet" && this.options.parquetFlat && typeof WebAssembly !== "undefined") return 1;
    return 0;
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
   * Keeps the smallest row hashes of the read (row-hash-sketch.ts): call before {@link batches},
   * read the result with {@link rowHashes}.
   */
  sketchRows(size?: number): void {
    this.splitter.sketchRows(size);
  }

  /** After a read with {@link sketchRows}: the sketch of its rows. */
  rowHashes(): RowHashes | undefined {
    return this.adoptedRowHashes ?? this.splitter.sketch?.result();
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
      ...(this.splitter.sketch ? { rowSketch: this.splitter.sketch.size } : {}),
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
      rowHashes: this.splitter.sketch?.result(),
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
    this.adoptedRowHashes = state.rowHashes;
    state.missingRows.forEach((rows, c) => {
      const mine = this.cols[c]!.missingRows;
      mine.length = 0;
      mine.push(...rows);
    });
  }

  /** The read on this thread. */
  private async *readHere(): AsyncGenerator<RowBatch, void, undefined> {
    if (this.format === "parquet") {
      yield* this.readParquet();
      return;
    }
    const { readSize, maxRecordBytes, batchSize } = this.options;
    // CSV: runs of plain records are read by the WebAssembly kernel,
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
      throw unreadableDataFile(this.file, error);
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
    // A UTF-8 byte order mark; in Latin-1 these bytes are text ("ï»¿").
    const latin1 = this.format === "csv" && this.spec.encoding === "latin-1";
    if (!latin1 && reader.end >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) source.pos = 3;
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

  /** A Parquet file (parquet-source.ts), on this thread (a worker thread's, for large files). */
  private async *readParquet(): AsyncGenerator<RowBatch, void, undefined> {
    const { ParquetSource } = await import("./parquet-source.js");
    const builder = new BatchBuilder(this.spec, this.problems, this.options, this.cols, this.newBuffer);
    const source = new ParquetSource(this, this.path, builder, this.hash);
    for await (const batch of source.batches()) {
      this.throwIfFailFast();
      yield this.finish(batch);
    }
    this.bytes = source.bytes;
    this.stopped = source.stopped;
    this.sha256 = source.sha256;
    if (!this.stopped && this.rows === 0 && this.problems.empty) {
      this.problems.add("no-rows", "", {
        message: "the data file has no data rows",
        hint: "a data set needs at least one row",
      });
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
