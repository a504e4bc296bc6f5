/**
 * Profiles of parts of a data set put together: the same rows drawn by two profilers (some
 * columns each), or two shards merged as if read together.
 */
import { uniformOpen } from "../random.js";
import { basisDiffers, mergeRowHashes } from "./row-hash-sketch.js";
import type { CategoryCounts, ColumnProfile, DataProfile, NumericStats, Sample } from "./profile-types.js";

/**
 * The profile of the same rows drawn by two profilers, each of some of the columns: column i
 * from `a` where `fromA[i]`, else from `b`.
 */
export function joinProfiles(a: DataProfile, b: DataProfile, fromA: readonly boolean[]): DataProfile {
  return { ...a, columns: a.columns.map((c, i) => (fromA[i] ? c : b.columns[i]!)) };
}

/**
 * The profile of two shards of one data set read with the same spec, as if read together:
 * counts, moments (Chan et al.), min and max, and histograms with the same edges merge exactly;
 * samples merge into a uniform sample of the union (drawn with `seed`); category counts add, but
 * a value that only one shard counted in `other` stays there, so merged top counts are lower
 * bounds unless both shards listed every value (`other` 0).
 *
 * @throws Error when the profiles have different columns or different histogram edges (scan
 *   shards with the same `edges` to merge them).
 */
export function mergeProfiles(a: DataProfile, b: DataProfile, seed = 1): DataProfile {
  if (
    a.columns.length !== b.columns.length ||
    a.columns.some((c, i) => c.name !== b.columns[i]!.name || c.type !== b.columns[i]!.type)
  ) {
    throw new Error("profiles of different columns cannot be merged");
  }
  const random = uniformOpen(seed);
  const merged: DataProfile = {
    version: 1,
    rows: a.rows + b.rows,
    columns: a.columns.map((ca, i) => mergeColumn(ca, b.columns[i]!, random)),
  };
  if (a.rowHashes && b.rowHashes && basisDiffers(a.rowHashes, b.rowHashes) === null)
    merged.rowHashes = mergeRowHashes(a.rowHashes, b.rowHashes);
  return merged;
}

function mergeColumn(a: ColumnProfile, b: ColumnProfile, random: () => number): ColumnProfile {
  const out: ColumnProfile = {
    name: a.name,
    type: a.type,
    count: a.count + b.count,
    missing: a.missing + b.missing,
  };
  if (a.stats && b.stats) out.stats = mergeStats(a.stats, a.count, b.stats, b.count);
  if (a.histogram && b.histogram) {
    const same =
      a.histogram.edges.length === b.histogram.edges.length &&
      a.histogram.edges.every((e, i) => e === b.histogram!.edges[i]);
    if (!same) throw new Error(`column "${a.name}": histograms with different edges cannot be merged`);
    out.histogram = { ...a.histogram, counts: a.histogram.counts.map((n, i) => n + b.histogram!.counts[i]!) };
  } else if (a.histogram || b.histogram) out.histogram = structuredClone((a.histogram ?? b.histogram)!);
  if (a.sample && b.sample) out.sample = mergeSamples(a.sample, b.sample, random);
  if (a.categories && b.categories) out.categories = mergeCategories(a.categories, b.categories);
  return out;
}

function mergeStats(a: NumericStats, na: number, b: NumericStats, nb: number): NumericStats {
  const n = na + nb;
  if (na === 0) return { ...b };
  if (nb === 0) return { ...a };
  const delta = b.mean! - a.mean!;
  const mean = a.mean! + (delta * nb) / n;
  const m2 = a.m2 + b.m2 + (delta * delta * na * nb) / n;
  return {
    mean,
    std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0,
    min: Math.min(a.min!, b.min!),
    max: Math.max(a.max!, b.max!),
    m2,
  };
}

/** Draws without replacement from the union of two uniform samples, as from their populations. */
function mergeSamples(a: Sample, b: Sample, random: () => number): Sample {
  const size = Math.max(a.values.length, b.values.length);
  const pa = shuffled(a.values, random);
  const pb = shuffled(b.values, random);
  let restA = a.population;
  let restB = b.population;
  const values: number[] = [];
  while (values.length < size && (pa.length > 0 || pb.length > 0)) {
    const fromA = pb.length === 0 || (pa.length > 0 && random() * (restA + restB) < restA);
    if (fromA) {
      values.push(pa.pop()!);
      restA--;
    } else {
      values.push(pb.pop()!);
      restB--;
    }
  }
  return { seed: a.seed, population: a.population + b.population, values };
}

function shuffled(values: readonly number[], random: () => number): number[] {
  const out = values.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function mergeCategories(a: CategoryCounts, b: CategoryCounts): CategoryCounts {
  const counts = new Map<string, number>();
  for (const { value, count } of [...a.top, ...b.top]) counts.set(value, (counts.get(value) ?? 0) + count);
  const total = a.top.reduce((s, e) => s + e.count, a.other) + b.top.reduce((s, e) => s + e.count, b.other);
  const keep = Math.max(a.top.length, b.top.length);
  const top = [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
    .slice(0, keep);
  const complete = a.other === 0 && b.other === 0 && a.distinctExact && b.distinctExact;
  return {
    top,
    other: total - top.reduce((s, e) => s + e.count, 0),
    distinct: complete ? counts.size : Math.max(a.distinct, b.distinct, counts.size),
    distinctExact: complete,
  };
}
