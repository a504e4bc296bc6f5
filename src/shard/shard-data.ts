/**
 * Data named by a glob: part files read in sorted order as one data set. Each part is scanned
 * on its own (every per-row check), and the scans combine into the data set's: rows and sides
 * add, profiles merge (mergeProfiles), and the dataset checks (minRows, maxMissingShare) apply
 * to the whole. The same functions serve a single run over every part and the merge of shards
 * that each scanned some parts, so both describe the data identically.
 *
 * - Hash: the sha256 of the text `<sha256 of part>  <path of part>\n` over the parts in order
 *   (the lines of `sha256sum`, paths relative to the data spec's folder, with `/`).
 * - Pin: pinned parts are checked before any is read (`verifyParts`, src/data/pinned-parts.ts);
 *   the combined scan then checks that the parts read are the parts checked, and records the pin.
 * - Histogram edges: parts must share them to merge, so for a numeric column without both
 *   `min` and `max` in the spec they come from the first part's first values (the quantiles of
 *   its first 10,000, as a single file's come from its first values), for every part.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { mergeProfiles, readRows, scanDataset, type DatasetScan, type RowBatch } from "../data/index.js";
import { quantileEdges } from "../data/profile-columns.js";
import { changedPart, partsMismatch, verifyPinnedParts, type VerifiedParts } from "../data/pinned-parts.js";
import { InputError, type Problem } from "../errors.js";
import { isPartsPin, type DataPinRecord } from "../project/data-pin.js";
import { displayPath, type LoadedModel } from "../project/load-project.js";
import type { DataSpec } from "../project/schemas.js";

/** Values of a column that choose its histogram edges (the profiler's default). */
const EDGE_SAMPLE = 10000;
const BINS = 10;

/** The files of a model's data: its parts, or its one file. */
export function dataFilesOf(m: LoadedModel): string[] {
  return m.dataParts ?? [m.dataFile];
}

/** A part's path as the hash names it: relative to the data spec's folder, with `/`. */
export function partName(m: LoadedModel, file: string): string {
  return path.relative(path.dirname(m.dataSpecFile), file).split(path.sep).join("/");
}

/**
 * Checks the model's pinned parts against their pin before they are read (undefined when the
 * data are not pinned parts).
 * @throws InputError when they are not there or not the pinned ones
 */
export async function verifyParts(m: LoadedModel, displayBase: string): Promise<VerifiedParts | undefined> {
  if (m.pin === undefined || !isPartsPin(m.pin) || m.dataParts === undefined) return undefined;
  return verifyPinnedParts(
    m.pin,
    m.dataParts.map((file) => ({ path: file, name: partName(m, file) })),
    (p) => displayPath(displayBase, p),
  );
}

/** The spec without dataset checks: they apply to the combined scan, not to each part. */
export function partSpec(spec: DataSpec): DataSpec {
  return { ...spec, checks: { ...spec.checks, minRows: undefined, maxMissingShare: undefined } };
}

/**
 * Histogram edges shared by every part: from the first part's first values, for the numeric
 * columns whose spec does not bound them on both sides.
 */
export async function sharedEdges(m: LoadedModel): Promise<Record<string, number[]>> {
  const columns = m.data.columns
    .map((c, i) => ({ c, i }))
    .filter(
      ({ c }) =>
        (c.type === "number" || c.type === "integer" || c.type === "date") &&
        (c.min === undefined || c.max === undefined),
    );
  if (columns.length === 0) return {};
  const values = columns.map(() => [] as number[]);
  const first = dataFilesOf(m)[0]!;
  for await (const batch of readRows(m.data, first)) {
    columns.forEach(({ i }, k) => {
      const col = batch.columns[i]!;
      if (col.kind !== "numeric") return;
      const list = values[k]!;
      for (let r = 0; r < batch.length && list.length < EDGE_SAMPLE; r++)
        if (!Number.isNaN(col.values[r]!)) list.push(col.values[r]!);
    });
    if (values.every((v) => v.length >= EDGE_SAMPLE)) break;
  }
  const edges: Record<string, number[]> = {};
  columns.forEach(({ c }, k) => {
    if (values[k]!.length > 0) edges[c.name] = quantileEdges(values[k]!, BINS);
  });
  return edges;
}

/** One scanned part: its name (for the hash) and its scan. */
export interface PartScan {
  name: string;
  scan: DatasetScan;
}

/** Scans one part with every per-row check (not the dataset checks), handing batches on. */
export async function scanPart(
  m: LoadedModel,
  file: string,
  options: { displayBase: string; edges: Record<string, number[]>; onBatch?: (batch: RowBatch) => void },
): Promise<PartScan> {
  const scan = await scanDataset(partSpec(m.data), file, {
    file: displayPath(options.displayBase, file),
    specFile: displayPath(options.displayBase, m.dataSpecFile),
    edges: options.edges,
    // The callers copy what they keep of a batch (spills, statistics, counts).
    recycle: true,
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  });
  return { name: partName(m, file), scan };
}

/**
 * The model's data scanned once, every check applied: its file, or its part files in order
 * (pinned parts checked before any is read, each batch's levels shared by all parts for
 * `onBatch`) with the parts' scans combined.
 */
export async function scanModelData(
  m: LoadedModel,
  displayBase: string,
  onBatch?: (batch: RowBatch) => void,
): Promise<DatasetScan> {
  if (m.dataParts === undefined)
    return scanDataset(m.data, m.dataFile, {
      file: displayPath(displayBase, m.dataFile),
      specFile: displayPath(displayBase, m.dataSpecFile),
      // The callers copy what they keep of a batch (spills, statistics, profile).
      recycle: true,
      ...(onBatch ? { onBatch } : {}),
      ...(m.pin && !isPartsPin(m.pin) ? { pin: m.pin } : {}),
    });
  const verified = await verifyParts(m, displayBase);
  const edges = await sharedEdges(m);
  const unify = shareLevels();
  const parts: PartScan[] = [];
  for (const file of m.dataParts)
    parts.push(
      await scanPart(m, file, {
        displayBase,
        edges,
        ...(onBatch ? { onBatch: (b) => onBatch(unify(b)) } : {}),
      }),
    );
  return combineScans(m, parts, displayBase, verified);
}

/**
 * The data set's scan from its parts' (in part order), with the dataset checks applied. With
 * pinned parts: `verified` is the check made before this run read them (a merge of shards has
 * none; each shard checked the parts, and its parts' scans carry the record).
 * @throws InputError when a dataset check fails, or the parts are not the pinned ones.
 */
export function combineScans(
  m: LoadedModel,
  parts: readonly PartScan[],
  displayBase: string,
  verified?: VerifiedParts,
): DatasetScan {
  if (parts.length === 0) throw new Error("no parts to combine");
  const pin = combinedPin(m, parts, displayPath(displayBase, m.dataFile), verified);
  const hash = createHash("sha256");
  for (const p of parts) hash.update(`${p.scan.sha256}  ${p.name}\n`);
  const missing: Record<string, number> = {};
  for (const p of parts)
    for (const [c, n] of Object.entries(p.scan.missing)) missing[c] = (missing[c] ?? 0) + n;
  let profile = parts[0]!.scan.profile;
  for (const p of parts.slice(1)) profile = mergeProfiles(profile, p.scan.profile);
  const sum = (pick: (s: DatasetScan) => number) => parts.reduce((s, p) => s + pick(p.scan), 0);
  const scan: DatasetScan = {
    file: displayPath(displayBase, m.dataFile),
    format: parts[0]!.scan.format,
    sha256: hash.digest("hex"),
    bytes: sum((s) => s.bytes),
    rows: sum((s) => s.rows),
    train: sum((s) => s.train),
    test: sum((s) => s.test),
    missing,
    profile,
    ...(pin ? { pin } : {}),
  };
  checkCombined(m, scan, displayPath(displayBase, m.dataSpecFile));
  return scan;
}

/** The pin's record of the parts read, after checking they are the pinned ones. */
function combinedPin(
  m: LoadedModel,
  parts: readonly PartScan[],
  file: string,
  verified: VerifiedParts | undefined,
): DataPinRecord | undefined {
  if (m.pin === undefined || !isPartsPin(m.pin)) return undefined;
  const read = parts.map((p) => ({ name: p.name, sha256: p.scan.sha256 }));
  const changed = verified && changedPart(verified, read, file);
  if (changed) throw new InputError(changed);
  if (m.pin.kind === "sha256-parts") {
    // Checked here again from the parts' own scans: a merge of shards checks it too.
    const mismatch = partsMismatch(m.pin, read, new Map(read.map((p) => [p.name, p.sha256])));
    if (mismatch) throw new InputError(mismatch);
    return { kind: "sha256-parts", parts: parts.length };
  }
  if (verified) return verified.record;
  const record = parts[0]!.scan.pin;
  if (record === undefined || parts.some((p) => JSON.stringify(p.scan.pin) !== JSON.stringify(record)))
    throw new InputError({
      file,
      message: "the shards' parts do not all carry the same checked pin",
      hint: "run every shard and the merge on the same commit",
    });
  return record;
}

function checkCombined(m: LoadedModel, scan: DatasetScan, specFile: string): void {
  const { minRows, maxMissingShare } = m.data.checks;
  const problems: Problem[] = [];
  if (minRows !== undefined && scan.rows < minRows)
    problems.push({
      file: scan.file,
      message: `the parts have ${scan.rows} row${scan.rows === 1 ? "" : "s"} in all, fewer than checks.minRows (${minRows})`,
      hint: `add rows, or lower checks.minRows in ${specFile}`,
    });
  if (maxMissingShare !== undefined && scan.rows > 0)
    for (const c of scan.profile.columns) {
      const share = c.missing / scan.rows;
      if (share > maxMissingShare)
        problems.push({
          file: scan.file,
          field: c.name,
          message: `${percent(share)} of the values are missing (${c.missing} of ${scan.rows} rows), more than checks.maxMissingShare (${percent(maxMissingShare)})`,
          hint: `fill them, or raise checks.maxMissingShare in ${specFile}`,
        });
    }
  if (problems.length > 0) throw new InputError(problems);
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

/**
 * Batches of several parts with one set of category levels: each part's read grows its own
 * levels in order of first sight, so a code means different levels in different parts. The
 * returned function rewrites a batch's codes into levels shared by every part (grown in order
 * of first sight over the parts), so passes that keep batches (the row spill) read them right.
 */
export function shareLevels(): (batch: RowBatch) => RowBatch {
  const shared = new Map<string, { levels: string[]; raw: string[]; index: Map<string, number> }>();
  const cache = new WeakMap<readonly string[], Int32Array>();
  return (batch) => {
    let changed = false;
    const columns = batch.columns.map((col) => {
      if (col.kind !== "category") return col;
      let s = shared.get(col.name);
      if (!s) shared.set(col.name, (s = { levels: [], raw: [], index: new Map() }));
      let map = cache.get(col.levels);
      if (!map || map.length !== col.levels.length) {
        const next = new Int32Array(col.levels.length);
        for (let c = 0; c < col.levels.length; c++) {
          const level = col.levels[c]!;
          let at = s.index.get(level);
          if (at === undefined) {
            at = s.levels.push(level) - 1;
            s.raw.push(col.raw[c]!);
            s.index.set(level, at);
          }
          next[c] = at;
        }
        cache.set(col.levels, (map = next));
      }
      const codes = new Int32Array(batch.length);
      for (let i = 0; i < batch.length; i++)
        codes[i] = col.codes[i]! < 0 ? col.codes[i]! : map[col.codes[i]!]!;
      changed = true;
      return { ...col, codes, levels: s.levels, raw: s.raw };
    });
    return changed ? { ...batch, columns } : batch;
  };
}
