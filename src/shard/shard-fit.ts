/**
 * Sharded training, round one: each shard factors its share of the rows and describes its data;
 * the merge combines the shards exactly into the model a single run would fit, and a scoring
 * plan for round two (shard-score.ts). See src/train/README.md for the whole scheme.
 *
 * A shard's share is whole part files (part p goes to shard p mod n) when the data spec names
 * parts by a glob, else the rows of the one file whose row number r has (r - 1) mod n = i - 1
 * (every shard then reads and checks the whole file, and factors its own rows).
 */
import { TEST, type RowBatch } from "../data/row-batch.js";
import type { DatasetScan } from "../data/scan-dataset.js";
import { scanDataset } from "../data/index.js";
import { InputError } from "../errors.js";
import { displayPath, type LoadedModel } from "../project/load-project.js";
import type { ModelFit } from "../train/fit-common.js";
import { designAccumulator, fitFromDesign, planLinear, type LinearPlan } from "../train/fit-linear.js";
import { serialiseModel } from "../model/model-file.js";
import { makeScorer, type Scorer } from "../model/builtin-model.js";
import { DESIGN_STATE_FORMAT, type DesignState } from "./design-state.js";
import { MissingFeaturesError } from "../model/pipeline.js";
import type { Champion } from "../model/load-model.js";
import { changedPart } from "../data/pinned-parts.js";
import { isPartsPin } from "../project/data-pin.js";
import { combineScans, dataFilesOf, scanPart, sharedEdges, verifyParts } from "./shard-data.js";
import { toModelFile } from "../run/train-model.js";
import { championEdges, championProfile, referenceProfiler } from "../run/data-change.js";
import { mergeProfiles, type DataProfile, type DataProfiler } from "../data/profile-columns.js";

export const SHARD_FIT_FORMAT = "modelgate.shard-fit/1";
export const SHARD_PLAN_FORMAT = "modelgate.shard-plan/1";

/** Shard i of n, 1-based as written on the command line (`2/3`). */
export interface ShardRef {
  index: number;
  count: number;
}

/** Parses `i/n` (1 ≤ i ≤ n); a bad value is an InputError naming `where`. */
export function parseShard(text: string, where: string): ShardRef {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!(index >= 1 && count >= 1 && index <= count && count <= 10000))
    throw new InputError({
      file: where,
      message: `"${text}" is not a shard: expected i/n with 1 ≤ i ≤ n (e.g. 2/3)`,
      hint: "number shards from 1, as strategy.matrix lists them",
    });
  return { index, count };
}

/** Test rows by which of their features are missing: what the merge needs to count scored rows. */
export interface TestCounts {
  /** [mask, rows, Σ target]: bit k = the k-th `maskFeatures` missing, the top bit = champion cannot score. */
  masks: [number, number, number][];
}

/** A shard's part of the data: one entry per part file it read (the whole file with rows). */
export interface ShardPart {
  /** Index of the part among the data set's (0 with a single file). */
  index: number;
  name: string;
  scan: Omit<DatasetScan, "file">;
  /** The shard's own test rows of this part with a target. */
  test: TestCounts;
  /** With a champion: this part's numeric columns counted into its profile's edges (run/data-change.ts). */
  binned?: DataProfile;
}

/** Round one's partial result: its size depends on the features, levels and parts, not the rows. */
export interface FitPartial {
  format: typeof SHARD_FIT_FORMAT;
  model: string;
  specHash: string;
  shard: ShardRef;
  mode: "parts" | "rows";
  /** The data set's part count (1 with a single file). */
  partCount: number;
  parts: ShardPart[];
  /** Features with `impute: none`, the bits of the test masks. */
  maskFeatures: string[];
  champion: { version: number; sha256: string } | null;
  design: DesignState;
}

/** Refuses what sharded training cannot merge exactly, before any row is read. */
function checkShardable(m: LoadedModel, plan: LinearPlan, source: string): void {
  const problems = [];
  if (m.spec.task !== "regression" || m.spec.algorithm.type === "logistic")
    problems.push({
      file: source,
      message: `model "${m.name}" is a ${m.spec.task} model; sharded training fits linear and ridge regression`,
      hint: "train classification models without shards",
    });
  for (const f of plan.features)
    if (f.kind === "numeric" && f.impute === "median")
      problems.push({
        file: source,
        field: f.name,
        message: `feature "${f.name}" is imputed with its median, which sharded training cannot merge exactly`,
        hint: "use impute: mean, constant or most_frequent for this feature, or train without shards",
      });
  if (plan.searching && plan.primary !== "rmse" && plan.primary !== "r2")
    problems.push({
      file: source,
      message: `a sharded search is scored from the fold factors, which give rmse and r2, not ${plan.primary}`,
      hint: "set metrics.primary to rmse or r2, or train without shards",
    });
  if (problems.length > 0) throw new InputError(problems);
}

/** The champion's scorer on these columns, or null when it cannot score them. */
export function championScorer(champion: Champion | null, columnNames: readonly string[]): Scorer | null {
  if (!champion) return null;
  try {
    return makeScorer(champion.model, columnNames);
  } catch (e) {
    if (e instanceof MissingFeaturesError) return null;
    throw e;
  }
}

/** Round one for one shard: scan its share, factor its train rows, count its test rows. */
export async function fitShard(
  m: LoadedModel,
  shard: ShardRef,
  options: { displayBase: string; champion: Champion | null },
): Promise<FitPartial> {
  const source = displayPath(options.displayBase, m.dataFile);
  const plan = planLinear(m.spec, m.data, m.features);
  checkShardable(m, plan, displayPath(options.displayBase, m.specFile));
  const files = dataFilesOf(m);
  const mode = m.dataParts ? "parts" : "rows";
  const mine = (batch: RowBatch, i: number): boolean => (batch.row[i]! - 1) % shard.count === shard.index - 1;
  const design = designAccumulator(plan, mode === "rows" ? mine : undefined);
  const columnNames = m.data.columns.map((c) => c.name);
  const champion = championScorer(options.champion, columnNames);
  const masked = plan.features.flatMap((f, k) => (f.impute === "none" ? [k] : []));
  const championBit = 2 ** masked.length;

  const countTests = (counts: Map<number, [number, number]>) => (batch: RowBatch) => {
    design.add(batch);
    const y = batch.columns[plan.targetIndex]!;
    if (y.kind !== "numeric") return;
    for (let i = 0; i < batch.length; i++) {
      if (batch.side[i] !== TEST || Number.isNaN(y.values[i]!) || (mode === "rows" && !mine(batch, i)))
        continue;
      let mask = 0;
      masked.forEach((k, bit) => {
        const col = batch.columns[plan.columnIndex[k]!]!;
        const missing =
          col.kind === "numeric"
            ? Number.isNaN(col.values[i]!)
            : col.kind === "category" && col.codes[i]! < 0;
        if (missing) mask += 2 ** bit;
      });
      if (champion && champion.bound.hasUnimputedMissing(batch, i)) mask += championBit;
      const entry = counts.get(mask);
      if (entry) {
        entry[0]++;
        entry[1] += y.values[i]!;
      } else counts.set(mask, [1, y.values[i]!]);
    }
  };
  const testOf = (counts: Map<number, [number, number]>): TestCounts => ({
    masks: [...counts].map(([mask, [n, sum]]) => [mask, n, sum]),
  });

  const referenceEdges = championEdges(championProfile(options.champion));
  const parts: ShardPart[] = [];
  if (mode === "parts") {
    // Pinned parts: each shard checks them all (a DVC folder is checked whole) before reading
    // its own, and its parts' scans carry the pin's record to the merge.
    const verified = await verifyParts(m, options.displayBase);
    const edges = await sharedEdges(m);
    for (let p = shard.index - 1; p < files.length; p += shard.count) {
      const counts = new Map<number, [number, number]>();
      const reference = referenceProfiler(m, referenceEdges);
      const { name, scan } = await scanPart(m, files[p]!, {
        displayBase: options.displayBase,
        edges,
        onBatch: withReference(countTests(counts), reference),
      });
      const changed = verified && changedPart(verified, [{ name, sha256: scan.sha256 }], source);
      if (changed) throw new InputError(changed);
      parts.push({
        index: p,
        name,
        scan: { ...withoutFile(scan), ...(verified ? { pin: verified.record } : {}) },
        test: testOf(counts),
        ...(reference ? { binned: reference.result() } : {}),
      });
    }
  } else {
    const counts = new Map<number, [number, number]>();
    const reference = referenceProfiler(m, referenceEdges);
    const scan = await scanDataset(m.data, m.dataFile, {
      file: source,
      specFile: displayPath(options.displayBase, m.dataSpecFile),
      onBatch: withReference(countTests(counts), reference),
      recycle: true,
      ...(m.pin && !isPartsPin(m.pin) ? { pin: m.pin } : {}),
    });
    parts.push({
      index: 0,
      name: displayPath(options.displayBase, m.dataFile),
      scan: withoutFile(scan),
      test: testOf(counts),
      ...(reference ? { binned: reference.result() } : {}),
    });
  }
  return {
    format: SHARD_FIT_FORMAT,
    model: m.name,
    specHash: m.specHash,
    shard,
    mode,
    partCount: files.length,
    parts,
    maskFeatures: masked.map((k) => plan.features[k]!.name),
    champion: options.champion
      ? { version: options.champion.version, sha256: options.champion.sha256 }
      : null,
    design: design.toJSON(),
  };
}

/** `visit`, and the reference profiler's count of the same batch. */
function withReference(
  visit: (batch: RowBatch) => void,
  reference: DataProfiler | undefined,
): (batch: RowBatch) => void {
  return reference === undefined
    ? visit
    : (batch) => {
        visit(batch);
        reference.add(batch);
      };
}

function withoutFile(scan: DatasetScan): Omit<DatasetScan, "file"> {
  const { file: _file, ...rest } = scan;
  void _file;
  return rest;
}

/** What round two needs: the merged model and where each shard's scored test rows fall. */
export interface ScorePlan {
  format: typeof SHARD_PLAN_FORMAT;
  model: string;
  specHash: string;
  shards: number;
  mode: "parts" | "rows";
  /** The model file's text (canonical JSON) and its sha256. */
  modelText: string;
  modelSha256: string;
  fit: ModelFit;
  scan: DatasetScan;
  /** With a champion: the numeric columns counted into its profile's edges, all parts together. */
  binned?: DataProfile;
  /** Part names and hashes, in order (one entry with a single file). */
  parts: { name: string; sha256: string }[];
  champion: { version: number; sha256: string } | null;
  scoring: {
    /** Test rows both models score: the bootstrap's row count. */
    rows: number;
    /** Mean target over them (r2's bootstrap centres on it). */
    targetMean: number;
    /** Index of each part's first scored test row among all of them (parts mode). */
    offsets: number[];
  };
}

/** Shapes a partial must have; anything else is an InputError naming the file. */
export function checkPartials<T extends { format: string; model: string; specHash: string; shard: ShardRef }>(
  m: LoadedModel,
  partials: readonly { file: string; value: T }[],
  format: string,
): T[] {
  const problems = [];
  const count = partials[0]?.value.shard.count ?? 0;
  const seen = new Map<number, string>();
  for (const { file, value } of partials) {
    if (value.format !== format)
      problems.push({ file, message: `expected a ${format} partial result, found ${value.format}` });
    else if (value.specHash !== m.specHash)
      problems.push({
        file,
        message: `the partial result of model "${m.name}" was made from other specs (spec hash ${value.specHash.slice(0, 12)}…)`,
        hint: "run every shard and the merge on the same commit",
      });
    else if (value.shard.count !== count)
      problems.push({
        file,
        message: `shard ${value.shard.index}/${value.shard.count} does not belong with shards of ${count}`,
      });
    else if (seen.has(value.shard.index))
      problems.push({
        file,
        message: `shard ${value.shard.index}/${count} is given twice (also in ${seen.get(value.shard.index)})`,
      });
    else seen.set(value.shard.index, file);
  }
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((k) => !seen.has(k));
  if (problems.length === 0 && missing.length > 0)
    problems.push({
      file: partials[0]!.file,
      message: `model "${m.name}" lacks shard${missing.length === 1 ? "" : "s"} ${missing.map((k) => `${k}/${count}`).join(", ")}`,
      hint: "download every shard's partial result before merging",
    });
  if (problems.length > 0) throw new InputError(problems);
  return partials.map((p) => p.value).sort((a, b) => a.shard.index - b.shard.index);
}

/** The merged model: exactly the fit of every shard's rows at once, and round two's plan. */
export async function mergeFits(
  m: LoadedModel,
  partials: readonly { file: string; value: FitPartial }[],
  options: { displayBase: string },
): Promise<ScorePlan> {
  const shards = checkPartials(m, partials, SHARD_FIT_FORMAT);
  const first = shards[0]!;
  const source = displayPath(options.displayBase, m.dataFile);
  if (shards.some((s) => s.design.format !== DESIGN_STATE_FORMAT))
    throw new InputError({ file: partials[0]!.file, message: "a partial result holds no design factor" });
  const championKey = JSON.stringify(first.champion);
  if (shards.some((s) => JSON.stringify(s.champion) !== championKey))
    throw new InputError({
      file: partials[0]!.file,
      message: "the shards scored different champions",
      hint: "run every shard on the same commit, with the same registry",
    });

  let scan: DatasetScan;
  let parts: ShardPart[];
  if (first.mode === "parts") {
    parts = shards.flatMap((s) => s.parts).sort((a, b) => a.index - b.index);
    const expected = dataFilesOf(m).length;
    if (parts.length !== expected || parts.some((p, k) => p.index !== k) || first.partCount !== expected)
      throw new InputError({
        file: source,
        message: `the shards read ${parts.length} part files, the data has ${expected}`,
        hint: "run every shard and the merge on the same commit",
      });
    scan = combineScans(
      m,
      parts.map((p) => ({ name: p.name, scan: { ...p.scan, file: p.name } })),
      options.displayBase,
    );
  } else {
    const whole = first.parts[0]!;
    if (shards.some((s) => s.parts[0]?.scan.sha256 !== whole.scan.sha256))
      throw new InputError({ file: source, message: "the shards read different versions of the data file" });
    scan = { ...whole.scan, file: source };
    parts = [{ ...whole, test: { masks: shards.flatMap((s) => s.parts[0]!.test.masks) } }];
  }

  const plan = planLinear(m.spec, m.data, m.features);
  const fit = await fitFromDesign(
    { spec: m.spec, data: m.data, source },
    plan,
    shards.map((s) => ({ state: s.design })),
  );
  const model = toModelFile(m, fit, scan);
  const { text, sha256 } = serialiseModel(model);

  // A test row is scored when its target is there and both models can score it.
  const used = new Set(fit.pipeline.features.map((f) => f.name));
  let relevant = 2 ** first.maskFeatures.length;
  first.maskFeatures.forEach((name, bit) => {
    if (used.has(name)) relevant += 2 ** bit;
  });
  const offsets: number[] = [];
  let rows = 0;
  let sum = 0;
  for (const p of parts) {
    offsets.push(rows);
    for (const [mask, n, s] of p.test.masks)
      if (bitsClear(mask, relevant)) {
        rows += n;
        sum += s;
      }
  }
  return {
    format: SHARD_PLAN_FORMAT,
    model: m.name,
    specHash: m.specHash,
    shards: first.shard.count,
    mode: first.mode,
    modelText: text,
    modelSha256: sha256,
    fit,
    scan,
    parts: parts.map((p) => ({ name: p.name, sha256: p.scan.sha256 })),
    ...binnedOf(parts),
    champion: first.champion,
    scoring: { rows, targetMean: rows > 0 ? sum / rows : 0, offsets },
  };
}

/** The parts' reference counts merged (the same edges, so the counts add exactly). */
function binnedOf(parts: readonly ShardPart[]): { binned?: DataProfile } {
  const binned = parts.map((p) => p.binned);
  if (binned.length === 0 || binned.some((b) => b === undefined)) return {};
  return { binned: binned.slice(1).reduce((a, b) => mergeProfiles(a!, b!), binned[0])! };
}

/** Whether no bit of `relevant` is set in `mask` (both below 2^53, so no 32-bit operators). */
function bitsClear(mask: number, relevant: number): boolean {
  let a = mask;
  let b = relevant;
  while (a > 0 && b > 0) {
    if (a % 2 === 1 && b % 2 === 1) return false;
    a = Math.floor(a / 2);
    b = Math.floor(b / 2);
  }
  return true;
}
