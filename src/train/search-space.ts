/** The trials of a hyperparameter search: a grid, or a seeded random draw from it. */
import { createRandom } from "../random.js";
import { builtinAlgorithm, type ModelSpec } from "../project/schemas.js";

export interface TrialParams {
  /** Ridge/L2 penalty; null for plain least squares. */
  alpha: number | null;
  /** The features this trial uses, in spec order. */
  features: string[];
  /** Polynomial degree per numeric feature that has one above 1 (others are 1). */
  degree: Record<string, number>;
  /** A training command's parameters (`algorithm: { type: command }`), as MODELGATE_PARAMS holds them. */
  command?: Record<string, number | string | boolean>;
}

/**
 * Logistic regression's L2 penalty when the spec gives none: the conventional default of
 * scikit-learn's LogisticRegression (C = 1). It minimises D(b) + α Σ b_j² with D the deviance,
 * i.e. Σ log-loss + α/2 Σ b_j², which is scikit-learn's objective divided by C for α = 1/C.
 */
export const DEFAULT_LOGISTIC_ALPHA = 1;

/** Largest grid a search may have; beyond it, a random search must sample it. */
export const MAX_TRIALS = 500;

/**
 * Every trial the spec asks for, in a fixed order. Without `search`, one trial: the algorithm's
 * own settings. Throws a RangeError (turned into a spec problem by the caller) for a grid
 * larger than MAX_TRIALS.
 */
export function searchTrials(spec: ModelSpec, features: readonly string[]): TrialParams[] {
  const algo = builtinAlgorithm(spec);
  const baseAlpha =
    algo.type === "linear"
      ? null
      : algo.type === "logistic"
        ? (algo.alpha ?? DEFAULT_LOGISTIC_ALPHA)
        : algo.alpha;
  const baseDegree: Record<string, number> = {};
  for (const f of spec.features)
    if (typeof f !== "string" && f.degree && f.degree > 1) baseDegree[f.name] = f.degree;
  const space = spec.search?.space ?? {};

  const alphas: (number | null)[] = space.alpha ?? [baseAlpha];
  const subsets = space.features ?? [features as string[]];
  const degreeKeys = Object.keys(space.degree ?? {});
  let degrees: Record<string, number>[] = [{ ...baseDegree }];
  for (const key of degreeKeys) {
    const next: Record<string, number>[] = [];
    for (const d of degrees) for (const v of space.degree![key]!) next.push({ ...d, [key]: v });
    degrees = next;
  }

  const size = alphas.length * subsets.length * degrees.length;
  const method = spec.search?.method ?? "grid";
  if (method === "grid" && size > MAX_TRIALS)
    throw new RangeError(
      `the search grid has ${size} combinations, more than ${MAX_TRIALS}; use method: random with trials`,
    );

  const all: TrialParams[] = [];
  for (const subset of subsets)
    for (const degree of degrees)
      for (const alpha of alphas) {
        const order = features.filter((f) => subset.includes(f));
        const used: Record<string, number> = {};
        for (const [k, v] of Object.entries(degree)) if (order.includes(k) && v > 1) used[k] = v;
        all.push({ alpha, features: order, degree: used });
      }
  if (method === "grid" || all.length <= (spec.search?.trials ?? all.length)) return dedupe(all);
  return dedupe(sampleWithoutReplacement(all, spec.search!.trials, spec.search!.seed));
}

function dedupe(trials: TrialParams[]): TrialParams[] {
  const seen = new Set<string>();
  return trials.filter((t) => {
    const key = JSON.stringify([t.alpha, t.features, Object.entries(t.degree).sort()]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Draws `k` items by a seeded partial Fisher-Yates shuffle, kept in their original order. */
function sampleWithoutReplacement<T>(items: T[], k: number, seed: number): T[] {
  const index = items.map((_, i) => i);
  const random = createRandom(seed).next;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (index.length - i));
    [index[i], index[j]] = [index[j]!, index[i]!];
  }
  return index
    .slice(0, k)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}

/**
 * The cross-validation fold of a train row, from its 1-based row number and the seed: a
 * multiplicative hash, so folds are stable for a file and balanced.
 */
export function foldOf(row: number, folds: number, seed: number): number {
  let h = Math.imul(row ^ Math.imul(seed, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % folds;
}

/** The trials, each feature's largest degree among them, and the cross-validation folds. */
export interface SearchPlan {
  trials: TrialParams[];
  /** Per feature, the largest polynomial degree any trial uses (the design holds them all). */
  maxDegree: Record<string, number>;
  searching: boolean;
  /** k of the k-fold cross-validation; 1 without a search. */
  folds: number;
  foldSeed: number;
}

/** What a fit needs to know of its search before it reads a row. */
export function searchPlan(spec: ModelSpec, features: readonly string[]): SearchPlan {
  const trials = searchTrials(spec, features);
  const maxDegree: Record<string, number> = {};
  for (const t of trials)
    for (const [f, d] of Object.entries(t.degree)) maxDegree[f] = Math.max(maxDegree[f] ?? 1, d);
  const searching = trials.length > 1;
  return {
    trials,
    maxDegree,
    searching,
    folds: searching ? (spec.search?.folds ?? 5) : 1,
    foldSeed: spec.search?.seed ?? spec.seed,
  };
}
