/**
 * Sharded training, round two: each shard scores its test rows with the merged model (and the
 * champion) and reduces them to sums — per bootstrap resample, per slice group — whose size
 * depends on the resample count and the groups, not the rows; the merge adds them up and
 * finishes the evaluation exactly as a single run does (shard-report.ts).
 *
 * The bootstrap's Poisson weight of a row in a resample is a function of (seed, resample, the
 * row's index among all scored test rows, their count) alone (evaluate/bootstrap.ts), so a shard
 * that knows its rows' global indices (from the plan: each part's offset, or, reading the whole
 * file, by counting) draws exactly the weights the single run draws, and the sums add.
 */
import { TEST, type RowBatch } from "../data/row-batch.js";
import { readRows } from "../data/index.js";
import { POISSON_WEIGHTS } from "../evaluate/bootstrap.js";
import { InputError } from "../errors.js";
import { DEFAULT_MAPE_EPSILON } from "../evaluate/metric-types.js";
import { scoreTestRows } from "../evaluate/score-test-rows.js";
import { displayPath, type LoadedModel } from "../project/load-project.js";
import { parseModelFile } from "../model/model-file.js";
import { makeScorer } from "../model/builtin-model.js";
import { targetReader } from "../train/target.js";
import type { Champion } from "../model/load-model.js";
import { championScorer, SHARD_PLAN_FORMAT, type ScorePlan, type ShardRef } from "./shard-fit.js";
import { dataFilesOf } from "./shard-data.js";

export const SHARD_SCORE_FORMAT = "modelgate.shard-score/1";

/**
 * Sums per row of the scored test rows: challenger's squared, absolute and relative error, kept
 * (target not within mape's epsilon of 0), target − c and (target − c)² (c the plan's target
 * mean), the champion's three errors.
 */
export const CHANNELS = 9;
export const SQ = 0;
export const ABS = 1;
export const REL = 2;
export const KEPT = 3;
export const CENTRED = 4;
export const CENTRED_SQ = 5;
/** Offset of the champion's squared, absolute and relative errors from the challenger's. */
export const CHAMPION = 6;

/** Sums over rows: the channels, the largest absolute errors (challenger, champion), and the count. */
export interface RowSums {
  sums: number[];
  maxima: [number | null, number | null];
  rows: number;
}

/** One slice group of a shard: where it first appears (global test index) and its sums. */
export interface GroupSums extends RowSums {
  group: string;
  first: number;
}

/** Round two's partial result. */
export interface ScorePartial {
  format: typeof SHARD_SCORE_FORMAT;
  model: string;
  specHash: string;
  modelSha256: string;
  shard: ShardRef;
  /** Over the shard's scored test rows. */
  point: RowSums;
  /** Per resample b: sums[b · CHANNELS + channel], maxima[2b + model], totals[b] = Σ w. */
  resamples: { sums: number[]; maxima: (number | null)[]; totals: number[] };
  slices: { column: string; groups: GroupSums[] }[];
  /** Σ |contribution| per challenger feature. */
  absContribution: Record<string, number>;
  unseen: number;
  skipped: { missingTarget: number; unscorable: number };
}

/** Reads a plan and checks it belongs to this model and these specs. */
export function checkPlan(m: LoadedModel, plan: ScorePlan, file: string): ScorePlan {
  if (plan?.format !== SHARD_PLAN_FORMAT || plan.model !== m.name)
    throw new InputError({ file, message: `not a scoring plan of model "${m.name}"` });
  if (plan.specHash !== m.specHash)
    throw new InputError({
      file,
      message: `the scoring plan of model "${m.name}" was made from other specs`,
      hint: "run every shard and the merge on the same commit",
    });
  return plan;
}

function checkChampion(plan: ScorePlan, champion: Champion | null, file: string): void {
  const given = champion ? { version: champion.version, sha256: champion.sha256 } : null;
  if (JSON.stringify(given) !== JSON.stringify(plan.champion))
    throw new InputError({
      file,
      message: "the champion differs from the one the shards of round one scored",
      hint: "run both rounds against the same registry",
    });
}

/** Round two for one shard: score its test rows with the merged model and reduce them. */
export async function scoreShard(
  m: LoadedModel,
  plan: ScorePlan,
  shard: ShardRef,
  options: { displayBase: string; champion: Champion | null; planFile: string },
): Promise<ScorePartial> {
  checkChampion(plan, options.champion, options.planFile);
  if (shard.count !== plan.shards)
    throw new InputError({
      file: options.planFile,
      message: `the plan is for ${plan.shards} shards, not ${shard.count}`,
    });
  const model = parseModelFile(plan.modelText, options.planFile);
  const columnNames = m.data.columns.map((c) => c.name);
  const targetIndex = columnNames.indexOf(m.spec.target);
  const target = targetReader(m.spec, m.data.columns[targetIndex]!, targetIndex);
  const challenger = makeScorer(model, columnNames);
  const champion = championScorer(options.champion, columnNames);
  // A second pair of scorers decides, for every row, whether it is scored (rows mode counts the
  // other shards' rows too), without touching the counters of the ones that score.
  const gate = [makeScorer(model, columnNames).bound, championScorer(options.champion, columnNames)?.bound];
  const files = dataFilesOf(m);
  const mine = (batch: RowBatch, i: number): boolean =>
    plan.mode === "parts" || (batch.row[i]! - 1) % shard.count === shard.index - 1;
  const globalIndex: number[] = [];

  async function* ownBatches(): AsyncGenerator<RowBatch> {
    const partIndices =
      plan.mode === "parts" ? files.map((_, p) => p).filter((p) => p % shard.count === shard.index - 1) : [0];
    for (const p of partIndices) {
      let g = plan.mode === "parts" ? plan.scoring.offsets[p]! : 0;
      for await (const batch of readRows(m.data, files[p]!, {
        file: displayPath(options.displayBase, files[p]!),
        specFile: displayPath(options.displayBase, m.dataSpecFile),
        expectSha256: plan.parts[p]!.sha256,
      })) {
        const side = batch.side.slice();
        for (let i = 0; i < batch.length; i++) {
          if (side[i] !== TEST || Number.isNaN(target(batch, i))) continue;
          const scored =
            !gate[0]!.hasUnimputedMissing(batch, i) && !(gate[1]?.hasUnimputedMissing(batch, i) ?? false);
          if (!mine(batch, i)) {
            side[i] = 1 - TEST;
            if (scored) g++;
            continue;
          }
          if (scored) globalIndex.push(g++);
        }
        yield { ...batch, side };
      }
    }
  }

  const scored = await scoreTestRows({
    batches: ownBatches(),
    columnNames,
    target,
    challenger,
    champion,
    slices: m.spec.slices,
  });
  if (globalIndex.length !== scored.actual.length)
    throw new Error(`scored ${scored.actual.length} rows but placed ${globalIndex.length}`);

  const c = plan.scoring.targetMean;
  const channelsOf = (k: number, out: Float64Array): void => {
    const a = scored.actual[k]!;
    const kept = Math.abs(a) < DEFAULT_MAPE_EPSILON ? 0 : 1;
    const errors = (p: number, at: number): void => {
      out[at + SQ] = (a - p) * (a - p);
      out[at + ABS] = Math.abs(a - p);
      out[at + REL] = kept ? Math.abs(a - p) / Math.abs(a) : 0;
    };
    errors(scored.challenger[k]!, 0);
    out[KEPT] = kept;
    out[CENTRED] = a - c;
    out[CENTRED_SQ] = (a - c) * (a - c);
    if (scored.champion) errors(scored.champion[k]!, CHAMPION);
    else out[CHAMPION + SQ] = out[CHAMPION + ABS] = out[CHAMPION + REL] = 0;
  };
  const absErrors = (k: number): [number, number | null] => [
    Math.abs(scored.actual[k]! - scored.challenger[k]!),
    scored.champion ? Math.abs(scored.actual[k]! - scored.champion[k]!) : null,
  ];

  const n = scored.actual.length;
  const row = new Float64Array(CHANNELS);
  const point = emptySums();
  const { samples, seed } = m.spec.metrics.bootstrap;
  const sums = new Float64Array(samples * CHANNELS);
  const maxima = new Float64Array(samples * 2).fill(-Infinity);
  const totals = new Float64Array(samples);
  const half = Math.ceil(plan.scoring.rows / 2);
  const groupSums = scored.slices.map((s) =>
    s.groups.map((): GroupSums => ({ ...emptySums(), group: "", first: -1 })),
  );
  for (let k = 0; k < n; k++) {
    channelsOf(k, row);
    const [e1, e0] = absErrors(k);
    addRow(point, row, e1, e0);
    scored.slices.forEach((s, j) => {
      const code = s.codes[k]!;
      const gs = groupSums[j]![code]!;
      if (gs.first < 0) {
        gs.first = globalIndex[k]!;
        gs.group = s.groups[code]!;
      }
      addRow(gs, row, e1, e0);
    });
    const g = globalIndex[k]!;
    for (let b = 0; b < samples; b++) {
      const w = poissonWeight(seed, b, half, g);
      if (w === 0) continue;
      const at = b * CHANNELS;
      for (let ch = 0; ch < CHANNELS; ch++) sums[at + ch]! += w * row[ch]!;
      totals[b]! += w;
      if (e1 > maxima[2 * b]!) maxima[2 * b] = e1;
      if (e0 !== null && e0 > maxima[2 * b + 1]!) maxima[2 * b + 1] = e0;
    }
  }
  const absContribution: Record<string, number> = {};
  for (const [f, v] of scored.absContribution) absContribution[f] = v;
  return {
    format: SHARD_SCORE_FORMAT,
    model: m.name,
    specHash: m.specHash,
    modelSha256: plan.modelSha256,
    shard,
    point,
    resamples: {
      sums: Array.from(sums),
      maxima: Array.from(maxima, (v) => (v === -Infinity ? null : v)),
      totals: Array.from(totals),
    },
    slices: scored.slices.map((s, j) => ({ column: s.column, groups: groupSums[j]! })),
    absContribution,
    unseen: challenger.unseen,
    skipped: scored.skipped,
  };
}

function emptySums(): RowSums {
  return { sums: new Array<number>(CHANNELS).fill(0), maxima: [null, null], rows: 0 };
}

function addRow(s: RowSums, row: Float64Array, e1: number, e0: number | null): void {
  for (let ch = 0; ch < CHANNELS; ch++) s.sums[ch]! += row[ch]!;
  s.rows++;
  if (s.maxima[0] === null || e1 > s.maxima[0]) s.maxima[0] = e1;
  if (e0 !== null && (s.maxima[1] === null || e0 > s.maxima[1])) s.maxima[1] = e0;
}

/** Adds `b` into `a` (sums add, maxima take the larger). */
export function addSums(a: RowSums, b: RowSums): void {
  for (let ch = 0; ch < CHANNELS; ch++) a.sums[ch]! += b.sums[ch]!;
  a.rows += b.rows;
  for (const k of [0, 1] as const) {
    const v = b.maxima[k];
    if (v !== null && (a.maxima[k] === null || v > a.maxima[k]!)) a.maxima[k] = v;
  }
}

/**
 * The Poisson weight of test row `g` (0-based among `2 · half` or `2 · half − 1` rows) in
 * resample `b`: output b · half + ⌊g/2⌋ of mulberry32 seeded with `seed`, low 16 bits for an even
 * row, high for an odd one. mulberry32's state after k outputs is seed + k · 0x6D2B79F5.
 */
export function poissonWeight(seed: number, b: number, half: number, g: number): number {
  const k = (b * half + Math.floor(g / 2) + 1) % 4294967296;
  let t = ((seed >>> 0) + Math.imul(k | 0, 0x6d2b79f5)) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  t ^= t >>> 14;
  return POISSON_WEIGHTS[g % 2 === 0 ? t & 0xffff : t >>> 16]!;
}
