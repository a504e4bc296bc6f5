/**
 * The feature pipeline: imputation, polynomial terms, one-hot encoding and standardisation,
 * learnt on the train side only and saved with the model so scoring applies exactly the same
 * transforms.
 *
 * A model's design has one column per *term*: a numeric feature gives `x` (and `x^2` … with a
 * degree), a category gives one indicator per level seen in training except a reference level
 * when there is an intercept (`Origin=Japan`). Dates enter as years since 1970, booleans as 0/1.
 */
import type { RowBatch } from "../data/row-batch.js";
import type { ColumnSpec, FeatureSpec, ModelSpec } from "../project/schemas.js";
import {
  featureValue,
  type DatePart,
  type CategoryFeature,
  type FeatureStep,
  type ImputeStrategy,
  type NumericFeature,
  type Pipeline,
} from "../model/pipeline.js";

/**
 * Counts one observed value and adds x, x², … x^degree to the per-power Welford means and M2
 * (what imputation and scaling of polynomial terms are learnt from).
 */
export function addPowers(
  s: { observed: number; mean: { [k: number]: number }; m2: { [k: number]: number } },
  x: number,
  degree: number,
): void {
  s.observed++;
  let power = 1;
  for (let k = 0; k < degree; k++) {
    power *= x;
    const delta = power - s.mean[k]!;
    s.mean[k]! += delta / s.observed;
    s.m2[k]! += delta * (power - s.mean[k]!);
  }
}

// ---------------------------------------------------------------------------------------------
// learning the pipeline
// ---------------------------------------------------------------------------------------------

interface NumericStats {
  kind: "numeric";
  type: NumericFeature["type"];
  part: DatePart | undefined;
  degree: number;
  observed: number;
  missing: number;
  /** Welford mean and M2 per power 1..degree of the observed values. */
  mean: Float64Array;
  m2: Float64Array;
  /** Observed values, kept only when a median is asked for. */
  values: number[] | null;
  /** Counts of distinct values, kept only for most_frequent on a numeric feature. */
  counts: Map<number, number> | null;
}

interface CategoryStats {
  kind: "category";
  counts: Map<string, number>;
  missing: number;
}

/** Streams train-side rows and learns what the pipeline needs. */
export class PipelineLearner {
  private readonly stats: (NumericStats | CategoryStats)[];
  private readonly columnIndex: number[];

  constructor(
    private readonly features: ResolvedFeature[],
    columns: readonly ColumnSpec[],
  ) {
    this.columnIndex = features.map((f) => columns.findIndex((c) => c.name === f.name));
    this.stats = features.map((f) =>
      f.kind === "category"
        ? { kind: "category", counts: new Map(), missing: 0 }
        : {
            kind: "numeric",
            type: f.type,
            part: f.part,
            degree: f.degree,
            observed: 0,
            missing: 0,
            mean: new Float64Array(f.degree),
            m2: new Float64Array(f.degree),
            values: f.impute === "median" ? [] : null,
            counts: f.impute === "most_frequent" ? new Map() : null,
          },
    );
  }

  /** Adds the rows of `batch` for which `use(i)` is true (train side, target present). */
  add(batch: RowBatch, use: (i: number) => boolean): void {
    for (let f = 0; f < this.stats.length; f++) {
      const s = this.stats[f]!;
      const col = batch.columns[this.columnIndex[f]!]!;
      if (s.kind === "category") {
        if (col.kind !== "category") throw new TypeError(`${col.name} is not a category column`);
        for (let i = 0; i < batch.length; i++) {
          if (!use(i)) continue;
          const code = col.codes[i]!;
          if (code < 0) s.missing++;
          else {
            const level = col.levels[code]!;
            s.counts.set(level, (s.counts.get(level) ?? 0) + 1);
          }
        }
      } else {
        if (col.kind !== "numeric") throw new TypeError(`${col.name} is not a numeric column`);
        for (let i = 0; i < batch.length; i++) {
          if (!use(i)) continue;
          const raw = col.values[i]!;
          if (Number.isNaN(raw)) {
            s.missing++;
            continue;
          }
          const x = featureValue(s.type, raw, s.part);
          addPowers(s, x, s.degree);
          s.values?.push(x);
          if (s.counts) s.counts.set(x, (s.counts.get(x) ?? 0) + 1);
        }
      }
    }
  }

  /** The learnt pipeline, plus warnings about features that carry no information. */
  finish(options: { intercept: boolean; standardise: boolean }): { pipeline: Pipeline; warnings: string[] } {
    const warnings: string[] = [];
    const steps = this.features.map((f, idx): FeatureStep => {
      const s = this.stats[idx]!;
      if (s.kind === "category") return finishCategory(f, s, options.intercept, warnings);
      return finishNumeric(f, s, warnings);
    });
    return {
      pipeline: { features: steps, intercept: options.intercept, standardise: options.standardise },
      warnings,
    };
  }
}

function finishNumeric(f: ResolvedFeature, s: NumericStats, warnings: string[]): NumericFeature {
  const type = f.kind === "numeric" ? f.type : "number";
  if (s.observed === 0 && s.missing > 0) throw new AllMissingError(f.name, s.missing);
  const fill = numericFill(f, s.observed > 0 ? s.mean[0]! : 0, s.values, s.counts);
  return numericStep(
    { name: f.name, type, impute: f.impute, degree: s.degree, ...(s.part ? { part: s.part } : {}) },
    s,
    fill,
    warnings,
  );
}

/**
 * A numeric feature's step once its fill value is chosen: each term's mean and standard
 * deviation after imputation, from the observed values' Welford state (count, mean and M2 per
 * power) merged with `missing` copies of fill^k.
 */
export function numericStep(
  f: Pick<NumericFeature, "name" | "type" | "impute" | "degree" | "part">,
  s: { observed: number; missing: number; mean: ArrayLike<number>; m2: ArrayLike<number> },
  fill: number | null,
  warnings: string[],
): NumericFeature {
  const terms: string[] = [];
  const mean: number[] = [];
  const std: number[] = [];
  const missing = fill === null ? 0 : s.missing;
  const n = s.observed + missing;
  // An expanded date's part is a term of its own, named `date.part`.
  const base = f.part === undefined ? f.name : `${f.name}.${f.part}`;
  for (let k = 0; k < f.degree; k++) {
    terms.push(k === 0 ? base : `${base}^${k + 1}`);
    const v = fill === null ? 0 : fill ** (k + 1);
    const delta = v - s.mean[k]!;
    const m = n > 0 ? (s.observed > 0 ? s.mean[k]! + (delta * missing) / n : v) : 0;
    const m2 = s.m2[k]! + (delta * delta * s.observed * missing) / Math.max(n, 1);
    mean.push(m);
    std.push(n > 1 ? Math.sqrt(m2 / (n - 1)) : 0);
  }
  if (s.observed > 0 && std[0] === 0)
    warnings.push(
      `feature "${base}" is constant on the train side (every value is ${s.mean[0]}): it cannot help the model`,
    );
  return {
    kind: "numeric",
    name: f.name,
    type: f.type,
    ...(f.part !== undefined ? { part: f.part } : {}),
    impute: f.impute,
    fill,
    degree: f.degree,
    terms,
    mean,
    std,
  };
}

/**
 * The value a numeric feature's missing cells take, from its train statistics: the mean (0
 * without values), the median of `values`, the most frequent of `counts` (the smallest on a tie;
 * 0 without values), the spec's constant, or null for `impute: none`.
 */
export function numericFill(
  f: Pick<ResolvedFeature, "impute" | "fill">,
  mean: number,
  values: readonly number[] | null,
  counts: Iterable<[number, number]> | null,
): number | null {
  switch (f.impute) {
    case "mean":
      return mean;
    case "median":
      return median(values ?? []);
    case "most_frequent":
      return mostFrequent(counts ?? [], (a, b) => a - b) ?? 0;
    case "constant":
      return typeof f.fill === "number" ? f.fill : 0;
    case "none":
      return null;
  }
}

function finishCategory(
  f: ResolvedFeature,
  s: CategoryStats,
  intercept: boolean,
  warnings: string[],
): CategoryFeature {
  return categoryStep(f, s.counts, s.missing, intercept, warnings);
}

/**
 * A category feature's step from its train counts: levels by count (ties by name), the first
 * as the reference with an intercept and as the fill of most_frequent (also mean and median).
 */
export function categoryStep(
  f: Pick<ResolvedFeature, "name" | "impute" | "fill">,
  counts: ReadonlyMap<string, number>,
  missing: number,
  intercept: boolean,
  warnings: string[],
): CategoryFeature {
  const levels = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((e) => e[0]);
  if (levels.length === 0 && missing > 0) throw new AllMissingError(f.name, missing);
  if (levels.length === 1)
    warnings.push(
      `feature "${f.name}" has one level ("${levels[0]}") on the train side: it cannot help the model`,
    );
  let fill: string | null = null;
  if (f.impute === "most_frequent" || f.impute === "mean" || f.impute === "median") fill = levels[0] ?? null;
  else if (f.impute === "constant") fill = f.fill === undefined ? null : String(f.fill);
  const reference = intercept ? (levels[0] ?? null) : null;
  const termLevels = levels.filter((l) => l !== reference);
  return {
    kind: "category",
    name: f.name,
    impute: f.impute,
    fill,
    levels,
    reference,
    terms: termLevels.map((l) => `${f.name}=${l}`),
  };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mostFrequent<T>(counts: Iterable<[T, number]>, order: (a: T, b: T) => number): T | undefined {
  let best: T | undefined;
  let bestCount = -1;
  for (const [v, c] of counts)
    if (c > bestCount || (c === bestCount && best !== undefined && order(v, best) < 0)) {
      best = v;
      bestCount = c;
    }
  return best;
}

// ---------------------------------------------------------------------------------------------
// resolving the spec's features against the data's columns
// ---------------------------------------------------------------------------------------------

/** A feature with its options settled: column kind, imputation, degree. */
export type ResolvedFeature =
  | {
      kind: "numeric";
      name: string;
      type: NumericFeature["type"];
      /** The part of an expanded date (`features[].expand`): one resolved feature per part. */
      part?: DatePart;
      impute: ImputeStrategy;
      fill?: number | string;
      degree: number;
    }
  | { kind: "category"; name: string; impute: ImputeStrategy; fill?: number | string; degree: 1 };

/**
 * Settles each feature's options from the model spec and the data spec's column types.
 * `maxDegree` raises a feature's degree (the search tries lower ones by dropping terms).
 */
export function resolveFeatures(
  spec: Pick<ModelSpec, "features" | "preprocessing">,
  columns: readonly ColumnSpec[],
  maxDegree: Record<string, number> = {},
): ResolvedFeature[] {
  return spec.features.flatMap((f: FeatureSpec): ResolvedFeature | ResolvedFeature[] => {
    const name = typeof f === "string" ? f : f.name;
    const column = columns.find((c) => c.name === name);
    if (!column) throw new Error(`feature ${name} is not a column (the spec loader checks this)`);
    const options: Partial<Exclude<FeatureSpec, string>> = typeof f === "string" ? {} : f;
    if (column.type === "category")
      return {
        kind: "category",
        name,
        impute: options.impute ?? spec.preprocessing.impute.category,
        fill: options.fill,
        degree: 1,
      } as const;
    if (column.type === "string")
      throw new Error(`feature ${name} is a string column (the spec loader checks this)`);
    const resolved = {
      kind: "numeric",
      name,
      type: column.type,
      impute: options.impute ?? spec.preprocessing.impute.numeric,
      fill: options.fill,
      degree: Math.max(options.degree ?? 1, maxDegree[name] ?? 1),
    } as const;
    // An expanded date: one numeric feature per part, in the spec's order.
    return options.expand ? options.expand.map((part) => ({ ...resolved, part })) : resolved;
  });
}

/** A feature has no value at all on the train side: nothing to learn from or impute with. */
export class AllMissingError extends Error {
  constructor(
    readonly feature: string,
    readonly rows: number,
  ) {
    super(`feature "${feature}" is missing in every one of the ${rows} train rows`);
    this.name = "AllMissingError";
  }
}

/**
 * Coefficients fitted on standardised terms, back in the terms' own units: b = b_s / s, and the
 * intercept absorbs the centring. Standard errors of slopes scale the same way; the intercept's
 * would need the slopes' covariance, so it is only given when nothing was standardised.
 */
export function toOriginalUnits(
  p: Pipeline,
  coefficients: readonly number[],
  standardErrors: readonly number[],
): {
  intercept: number | null;
  coefficients: number[];
  standardErrors: number[];
  interceptStandardError: number | null;
} {
  const offset = p.intercept ? 1 : 0;
  let intercept = p.intercept ? coefficients[0]! : null;
  const b: number[] = [];
  const se: number[] = [];
  let j = offset;
  for (const f of p.features) {
    for (let k = 0; k < f.terms.length; k++, j++) {
      const scaled = f.kind === "numeric" && p.standardise;
      const s = scaled && f.std[k]! > 0 ? f.std[k]! : 1;
      b.push(coefficients[j]! / s);
      se.push(standardErrors[j]! / s);
      if (scaled && intercept !== null) intercept -= (coefficients[j]! * f.mean[k]!) / s;
    }
  }
  return {
    intercept,
    coefficients: b,
    standardErrors: se,
    interceptStandardError: p.intercept && !p.standardise ? standardErrors[0]! : null,
  };
}
