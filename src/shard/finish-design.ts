/**
 * Finishing a design: the merged statistics of one or several accumulators (one per shard) give
 * the pipeline, the pipeline gives the small matrix T, and each fold's factor R·T is taken again
 * in the final basis (see design-state.ts).
 */
import { InputError } from "../errors.js";
import {
  AllMissingError,
  categoryStep,
  numericFill,
  numericStep,
  type ResolvedFeature,
} from "../train/feature-pipeline.js";
import {
  type CategoryFeature,
  type FeatureStep,
  type NumericFeature,
  type Pipeline,
} from "../model/pipeline.js";
import { QrAccumulator, type QrState } from "../train/least-squares/qr-accumulator.js";
import type {
  CategoryFeatureStats,
  CategoryRange,
  DesignState,
  FoldTarget,
  NumericFeatureStats,
  NumericRange,
} from "./design-state.js";

/** The final design's fold factors, ready for the search and the final fit. */
export interface FinishedDesign {
  pipeline: Pipeline;
  warnings: string[];
  /** One accumulator per fold over [1?, terms…, y] of the final (scaled, imputed) design. */
  folds: QrAccumulator[];
  foldTargets: FoldTarget[];
  trainingRows: number;
  missingTarget: number;
  unscorable: number;
}

/** In-process extras of an accumulator that a JSON state does not carry (median values). */
export interface DesignPart {
  state: DesignState;
  medianValues?: (number[] | null)[];
}

/**
 * The pipeline and the final design's fold factors from the accumulators of disjoint rows (one
 * for a single run, one per shard). Median imputation needs every value: it is only possible
 * with a single part that carries them.
 */
export function finishDesign(
  parts: readonly DesignPart[],
  features: readonly ResolvedFeature[],
  options: { intercept: boolean; standardise: boolean; source: string },
): FinishedDesign {
  if (parts.length === 0) throw new Error("no design to finish");
  const folds = parts[0]!.state.folds.length;
  const warnings: string[] = [];
  const steps = features.map((f, k): FeatureStep => {
    try {
      if (f.kind === "category")
        return finishCategory(
          f,
          parts.map((p) => p.state.stats[k] as CategoryFeatureStats),
          options.intercept,
          warnings,
        );
      const values = parts.length === 1 ? (parts[0]!.medianValues?.[k] ?? null) : null;
      if (f.impute === "median" && values === null)
        throw new InputError({
          file: options.source,
          field: f.name,
          message: `feature "${f.name}" is imputed with its median, which sharded training cannot merge exactly`,
          hint: "use impute: mean, constant or most_frequent for this feature, or train without shards",
        });
      return finishNumeric(
        f,
        mergeNumeric(parts.map((p) => p.state.stats[k] as NumericFeatureStats)),
        values,
        warnings,
      );
    } catch (e) {
      if (!(e instanceof AllMissingError)) throw e;
      throw new InputError({
        file: options.source,
        field: e.feature,
        message: e.message,
        hint: "remove the feature from the model spec, or fill the column in the data",
      });
    }
  });
  const pipeline: Pipeline = {
    features: steps,
    intercept: options.intercept,
    standardise: options.standardise,
  };

  const offset = options.intercept ? 1 : 0;
  const termCount = steps.reduce((s, f) => s + f.terms.length, 0);
  const width = offset + termCount + 1;
  const finals = Array.from({ length: folds }, () => new QrAccumulator(width));
  const foldRows = new Array<number>(folds).fill(0);
  for (const part of parts) {
    const t = transformOf(part.state, features, pipeline, width);
    part.state.folds.forEach((qr, f) => {
      foldRows[f]! += qr.rows;
      addTransformed(finals[f]!, qr, t);
    });
  }
  const { min, max } = finalRanges(
    parts.map((p) => p.state),
    pipeline,
    width,
  );
  const merged = finals.map((acc, f) => {
    const state = acc.toJSON();
    const rows = foldRows[f]!;
    return QrAccumulator.fromJSON({
      ...state,
      rows,
      weightSum: rows,
      min: rows > 0 ? min : state.min.map(() => null),
      max: rows > 0 ? max : state.max.map(() => null),
    });
  });
  const foldTargets = Array.from({ length: folds }, (_, f) =>
    parts.map((p) => p.state.foldTargets[f]!).reduce(mergeMoments, { n: 0, mean: 0, m2: 0 }),
  );
  const sum = (pick: (s: DesignState) => number) => parts.reduce((s, p) => s + pick(p.state), 0);
  return {
    pipeline,
    warnings,
    folds: merged,
    foldTargets,
    trainingRows: foldRows.reduce((a, b) => a + b, 0),
    missingTarget: sum((s) => s.missingTarget),
    unscorable: sum((s) => s.unscorable),
  };
}

/** Chan et al.'s pairwise update of count, mean and M2. */
export function mergeMoments(a: FoldTarget, b: FoldTarget): FoldTarget {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n };
}

function mergeNumeric(list: readonly NumericFeatureStats[]): NumericFeatureStats {
  const first = list[0]!;
  if (list.length === 1) return first;
  const degree = first.mean.length;
  const out: NumericFeatureStats = {
    kind: "numeric",
    observed: 0,
    missing: 0,
    mean: new Array<number>(degree).fill(0),
    m2: new Array<number>(degree).fill(0),
    counts: first.counts ? [] : null,
  };
  const counts = new Map<number, number>();
  for (const s of list) {
    for (let d = 0; d < degree; d++) {
      const m = mergeMoments(
        { n: out.observed, mean: out.mean[d]!, m2: out.m2[d]! },
        { n: s.observed, mean: s.mean[d]!, m2: s.m2[d]! },
      );
      out.mean[d] = m.mean;
      out.m2[d] = m.m2;
    }
    out.observed += s.observed;
    out.missing += s.missing;
    for (const [v, c] of s.counts ?? []) counts.set(v, (counts.get(v) ?? 0) + c);
  }
  if (out.counts) out.counts = [...counts.entries()];
  return out;
}

// PipelineLearner.finish's steps over merged statistics; a test holds them to the learner's results.

function finishNumeric(
  f: Extract<ResolvedFeature, { kind: "numeric" }>,
  s: NumericFeatureStats,
  values: number[] | null,
  warnings: string[],
): NumericFeature {
  if (s.observed === 0 && s.missing > 0) throw new AllMissingError(f.name, s.missing);
  const fill = numericFill(f, s.observed > 0 ? s.mean[0]! : 0, values, s.counts);
  return numericStep(f, s, fill, warnings);
}

function finishCategory(
  f: Extract<ResolvedFeature, { kind: "category" }>,
  list: readonly CategoryFeatureStats[],
  intercept: boolean,
  warnings: string[],
): CategoryFeature {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const s of list) {
    missing += s.missing;
    for (const [level, c] of Object.entries(s.counts)) counts.set(level, (counts.get(level) ?? 0) + c);
  }
  return categoryStep(f, counts, missing, intercept, warnings);
}

/** Sparse T: per final column, the raw columns and their coefficients. */
type Transform = { column: number; coefficient: number }[][];

function binomial(n: number, k: number): number {
  let b = 1;
  for (let i = 1; i <= k; i++) b = (b * (n - k + i)) / i;
  return b;
}

/** T of one accumulator's basis: final column j = Σ coefficient · raw column. */
function transformOf(
  state: DesignState,
  features: readonly ResolvedFeature[],
  pipeline: Pipeline,
  width: number,
): Transform {
  const t: Transform = Array.from({ length: width }, () => []);
  const rawWidth = state.folds[0]!.width;
  let at = 1;
  const numericAt: number[] = [];
  const missingAt: number[] = [];
  for (const f of features) {
    numericAt.push(f.kind === "numeric" ? at : -1);
    if (f.kind === "numeric") at += f.degree + 1;
  }
  for (const f of features) missingAt.push(f.kind === "category" ? at++ : -1);
  const levelAt = new Map<string, number>();
  state.basis.levels.forEach(([k, level], i) => levelAt.set(`${k}\u0000${level}`, at + i));
  let j = 0;
  if (pipeline.intercept) t[j++]!.push({ column: 0, coefficient: 1 });
  pipeline.features.forEach((step, k) => {
    if (step.kind === "numeric") {
      const c = state.basis.shifts[k] ?? 0;
      const start = numericAt[k]!;
      const fill = step.fill ?? 0;
      for (let p = 1; p <= step.degree; p++, j++) {
        const scaled = pipeline.standardise;
        const s = scaled && step.std[p - 1]! > 0 ? step.std[p - 1]! : 1;
        const list = t[j]!;
        // x^p = Σ_{i≥1} C(p,i) c^(p-i) (x-c)^i + c^p where observed; fill^p where missing.
        for (let i = 1; i <= p; i++)
          list.push({ column: start + i - 1, coefficient: (binomial(p, i) * c ** (p - i)) / s });
        list.push({ column: 0, coefficient: (c ** p - (scaled ? step.mean[p - 1]! : 0)) / s });
        list.push({ column: start + features[k]!.degree, coefficient: (fill ** p - c ** p) / s });
      }
    } else {
      for (const term of step.terms) {
        const level = term.slice(step.name.length + 1);
        const list = t[j++]!;
        const column = levelAt.get(`${k}\u0000${level}`);
        if (column !== undefined) list.push({ column, coefficient: 1 });
        if (step.fill === level) list.push({ column: missingAt[k]!, coefficient: 1 });
      }
    }
  });
  t[j]!.push({ column: rawWidth - 1, coefficient: 1 }, { column: 0, coefficient: state.basis.yShift ?? 0 });
  return t;
}

/** Adds the rows of R·T (R the raw factor of `qr`) to `target`. */
function addTransformed(target: QrAccumulator, qr: QrState, t: Transform): void {
  if (qr.rows === 0) return;
  const w = qr.width;
  const r = new Float64Array(w * w);
  let k = 0;
  for (let i = 0; i < w; i++) for (let j = i; j < w; j++) r[i * w + j] = qr.r[k++]!;
  const out = new Float64Array(t.length);
  for (let i = 0; i < w; i++) {
    let any = false;
    for (let j = 0; j < t.length; j++) {
      let s = 0;
      for (const { column, coefficient } of t[j]!) if (column >= i) s += r[i * w + column]! * coefficient;
      out[j] = s;
      if (s !== 0) any = true;
    }
    if (any) target.addRow(out);
  }
}

/** Ranges of the final design's columns over the factored rows of every part. */
function finalRanges(
  states: readonly DesignState[],
  pipeline: Pipeline,
  width: number,
): { min: number[]; max: number[] } {
  const min = new Array<number>(width).fill(0);
  const max = new Array<number>(width).fill(0);
  let j = 0;
  if (pipeline.intercept) {
    min[0] = 1;
    max[0] = 1;
    j = 1;
  }
  const rows = states.reduce((s, st) => s + st.folds.reduce((a, q) => a + q.rows, 0), 0);
  pipeline.features.forEach((step, k) => {
    if (step.kind === "numeric") {
      const missing = states.reduce((s, st) => s + (st.ranges[k] as NumericRange).missing, 0);
      let fillPower = step.fill ?? 0;
      for (let p = 0; p < step.degree; p++, j++) {
        if (p > 0) fillPower *= step.fill ?? 0;
        let lo = Infinity;
        let hi = -Infinity;
        for (const st of states) {
          const r = st.ranges[k] as NumericRange;
          if (r.min[p] !== null && r.min[p]! < lo) lo = r.min[p]!;
          if (r.max[p] !== null && r.max[p]! > hi) hi = r.max[p]!;
        }
        if (missing > 0 && step.fill !== null) {
          lo = Math.min(lo, fillPower);
          hi = Math.max(hi, fillPower);
        }
        const scale = (v: number): number => {
          if (!pipeline.standardise) return v;
          const m = step.mean[p]!;
          const s = step.std[p]!;
          return s > 0 ? (v - m) / s : v - m;
        };
        min[j] = Number.isFinite(lo) ? scale(lo) : 0;
        max[j] = Number.isFinite(hi) ? scale(hi) : 0;
      }
    } else {
      const missing = states.reduce((s, st) => s + (st.ranges[k] as CategoryRange).missing, 0);
      for (const term of step.terms) {
        const level = term.slice(step.name.length + 1);
        let count = states.reduce((s, st) => s + ((st.ranges[k] as CategoryRange).counts[level] ?? 0), 0);
        if (step.fill === level) count += missing;
        min[j] = count === rows && rows > 0 ? 1 : 0;
        max[j] = count > 0 ? 1 : 0;
        j++;
      }
    }
  });
  const ys = states.filter((s) => s.yMin !== null);
  min[j] = ys.length ? Math.min(...ys.map((s) => s.yMin!)) : 0;
  max[j] = ys.length ? Math.max(...ys.map((s) => s.yMax!)) : 0;
  return { min, max };
}
