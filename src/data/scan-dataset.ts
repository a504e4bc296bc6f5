/**
 * The two entries of the data layer: `scanDataset` checks a whole file and describes it (hash,
 * profile, split sizes) in one pass; `readRows` streams its typed rows for training.
 */
import type { DataSpec } from "../project/schemas.js";
import { InputError } from "../errors.js";
import type { DataProfile, ProfileOptions } from "./profile-columns.js";
import { DataProfiler, joinProfiles } from "./profile-columns.js";
import type { DataFormat, ReadOptions } from "./read-dataset.js";
import { DatasetReader } from "./read-dataset.js";
import type { RowBatch } from "./row-batch.js";
import { pinRecord, type DataPinRecord, type FilePin } from "../project/data-pin.js";
import { checkPinnedFile, DvcMd5, hashFile, pinMismatch } from "./pinned-file.js";

/** Options of {@link scanDataset}. */
export interface ScanOptions extends ReadOptions, ProfileOptions {
  /**
   * Receives every batch as it is read, so a caller can use the checking pass for its own
   * statistics. The scan may still throw at the end: discard what it received then. When it
   * returns a promise (a model scoring through a runtime), the scan awaits it before it takes the
   * next batch, so the batch's arrays stay the caller's until then.
   */
  onBatch?: (batch: RowBatch) => unknown;
  /**
   * The hash the file must have (data a workflow step fetched): checked before the read (the
   * file is there, DVC's size) and after it (sha256, or DVC's md5 of the same bytes). Pinned
   * part files are checked before their scans (src/data/pinned-parts.ts).
   */
  pin?: FilePin;
  /** Row hashes kept in the profile's `rowHashes` sketch (row-hash-sketch.ts). Default 4096. */
  rowSketch?: number;
}

/** What a scan found: the file is valid when a scan returns at all. */
export interface DatasetScan {
  /** The data file as problems name it. */
  file: string;
  format: DataFormat;
  /** sha256 of the file's bytes, lower-case hex. */
  sha256: string;
  bytes: number;
  /** Data rows (a header row is not a row). */
  rows: number;
  train: number;
  test: number;
  /** Missing values per column. */
  missing: Record<string, number>;
  profile: DataProfile;
  /** How the file was pinned, when it was (its hash matched the pin). */
  pin?: DataPinRecord;
}

/**
 * Reads the whole data file once, streaming: applies every check of the data spec (types,
 * nullable, min/max, allowed values, header, ragged rows, `checks.minRows`,
 * `checks.maxMissingShare`) and computes the content hash, the per-column profile and the split
 * sizes in the same pass.
 *
 * @throws InputError with every problem found (grouped: the first few per kind and column, and a
 *   count), the file, the 1-based data row, the physical line and the column of each.
 */
export async function scanDataset(
  spec: DataSpec,
  path: string,
  options: ScanOptions = {},
): Promise<DatasetScan> {
  // This thread draws the profile while the reader (a worker thread for large files) parses the
  // next batches. When the caller has work of its own for each batch (onBatch: a fit) and the
  // reader has time to spare (the kernel reads CSV, the flat decoder Parquet), the reader profiles
  // the first columns (`readerProfileShare` of them) and this thread the rest. Measured on the
  // 1M-row bench, that balances the two threads best (bench/README.md). A column's profile is the
  // same whichever thread draws it.
  const pin = options.pin;
  if (pin) await checkPinnedFile(pin, path, options.file ?? path);
  const reader = new DatasetReader(spec, path, options, true, false);
  const md5 = pin?.kind === "dvc" ? new DvcMd5(pin.dos2unix) : undefined;
  if (md5) reader.passBytes = (bytes) => md5.update(bytes);
  reader.sketchRows(options.rowSketch);
  const onBatch = options.onBatch;
  const columns = spec.columns.length;
  const share = onBatch !== undefined ? reader.readerProfileShare : 0;
  const here = share > 0 ? spec.columns.map((_, i) => i >= Math.round(columns * share)) : undefined;
  if (here !== undefined)
    reader.drawProfile(
      options,
      here.map((mine) => !mine),
    );
  const profiler = new DataProfiler(spec, options, here);
  for await (const batch of reader.batches()) {
    profiler.add(batch);
    const pending = onBatch?.(batch);
    if (pending instanceof Promise) await pending;
  }
  const drawn =
    here === undefined ? profiler.result() : joinProfiles(profiler.result(), reader.profile()!, here);
  const rowHashes = reader.rowHashes();
  const profile = rowHashes === undefined ? drawn : { ...drawn, rowHashes };
  if (reader.complete && reader.rows > 0) checkDataset(spec, reader, profile);
  const pinned = pin ? await checkPin(pin, path, reader, md5) : undefined;
  reader.problems.throwIfAny();
  const missing: Record<string, number> = {};
  for (const c of profile.columns) missing[c.name] = c.missing;
  return {
    file: reader.file,
    format: reader.format,
    sha256: reader.sha256,
    bytes: reader.bytes,
    rows: reader.rows,
    train: reader.train,
    test: reader.test,
    missing,
    profile,
    ...(pinned ? { pin: pinned } : {}),
  };
}

/**
 * The pin's record when the bytes read have the pinned hash; else throws the mismatch first,
 * before any problem of the rows (other data than the pinned is the cause to fix first).
 */
async function checkPin(
  pin: FilePin,
  path: string,
  reader: DatasetReader,
  md5: DvcMd5 | undefined,
): Promise<DataPinRecord> {
  // A read that stopped early (or a reader that does not pass its bytes on) has not hashed the
  // whole file: one more pass does.
  const whole = reader.complete && reader.sha256 !== "" && (md5 === undefined || md5.bytes === reader.bytes);
  const hashes = whole
    ? { sha256: reader.sha256, md5: md5?.digest() ?? "" }
    : await hashFile(path, pin.kind === "dvc" && pin.dos2unix);
  const mismatch = pinMismatch(pin, reader.file, hashes.sha256, hashes.md5);
  if (mismatch) throw new InputError(mismatch);
  return pinRecord(pin, hashes.md5);
}

function checkDataset(spec: DataSpec, reader: DatasetReader, profile: DataProfile): void {
  const { minRows, maxMissingShare } = spec.checks;
  if (minRows !== undefined && reader.rows < minRows) {
    reader.problems.add("min-rows", "", {
      message: `the file has ${reader.rows} row${reader.rows === 1 ? "" : "s"}, fewer than checks.minRows (${minRows})`,
      hint: "add rows, or lower checks.minRows in the data spec",
    });
  }
  if (maxMissingShare !== undefined) {
    profile.columns.forEach((c, i) => {
      const share = c.missing / reader.rows;
      if (share > maxMissingShare) {
        const rows = reader.cols[i]!.missingRows;
        reader.problems.add("missing-share", "", {
          ...(rows.length > 0 ? { row: rows[0] } : {}),
          field: c.name,
          message: `${percent(share)} of the values are missing (${c.missing} of ${reader.rows} rows), more than checks.maxMissingShare (${percent(maxMissingShare)})`,
          hint: `missing in rows ${rows.join(", ")}${c.missing > rows.length ? ", …" : ""}; fill them, or raise checks.maxMissingShare in the data spec`,
        });
      }
    });
  }
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

/** Options of {@link readRows}. */
export interface ReadRowsOptions extends ReadOptions {
  /** The sha256 an earlier scan found: a file that changed since then is refused at the end. */
  expectSha256?: string;
}

/**
 * Streams the typed rows of a data file as columnar batches, each row with its split side and
 * 1-based row number. Meant for the passes after a {@link scanDataset}: it applies the same
 * per-cell checks but throws at the first batch with a problem (and does not apply the dataset
 * checks, minRows and maxMissingShare).
 *
 * @throws InputError when a row is invalid, or (with `expectSha256`) after the last batch when
 *   the file's bytes differ from the scanned ones.
 */
export async function* readRows(
  spec: DataSpec,
  path: string,
  options: ReadRowsOptions = {},
): AsyncGenerator<RowBatch, void, undefined> {
  const expected = options.expectSha256;
  const reader = new DatasetReader(spec, path, options, expected !== undefined, true);
  yield* reader.batches();
  if (expected !== undefined && reader.sha256 !== expected) {
    throw new InputError({
      file: reader.file,
      message: "the data file changed since it was scanned (its sha256 differs)",
      hint: "do not change the data while modelgate runs",
    });
  }
}
