/**
 * The raw design of a linear fit, factored in the same pass as the statistics (see README.md),
 * and its state as JSON.
 *
 * The QR factor is taken of an *augmented raw* design whose columns do not depend on anything
 * learnt from the data: a column of ones; per numeric feature the powers (x − c)^k of its value
 * shifted by c (the first value seen, so the powers do not cancel against the mean), 0 where the
 * value is missing, and a missing indicator m; per category feature a missing indicator and one
 * indicator per level seen; and the target shifted by its first value. Because (x − c)^k · m = 0,
 * an imputed, standardised term ((x or fill)^k − mean) / std is a linear combination of these
 * columns, so the design the model is fitted on is A·T for a small matrix T known only once the
 * statistics are final. Its factor is the triangular factor of R·T: exact for any fill value and
 * scaling decided afterwards, and for factors of disjoint rows (shards) each with its own shifts
 * and levels, stacked in the final basis and factored again.
 *
 * A `DesignAccumulator` (shard-design.ts) holds, per cross-validation fold, the factor of its
 * rows, and for the whole of its rows the mergeable statistics of the feature pipeline (counts,
 * Welford means and M2 per power, category counts) and the value ranges the solver names
 * constant columns with. `finishDesign` (finish-design.ts) turns one or several of them into the
 * pipeline and the factors of the final design.
 */
import { type RowBatch } from "../data/row-batch.js";
import { type ResolvedFeature } from "../train/feature-pipeline.js";
import { type QrState } from "../train/least-squares/qr-accumulator.js";

export const DESIGN_STATE_FORMAT = "modelgate.design/1";

/** Mergeable statistics of one numeric feature on the train side (target present). */
export interface NumericFeatureStats {
  kind: "numeric";
  observed: number;
  missing: number;
  /** Welford mean and M2 per power 1..degree of the observed values. */
  mean: number[];
  m2: number[];
  /** Counts of distinct values, for most_frequent only: [value, count] pairs. */
  counts: [number, number][] | null;
}

/** Mergeable statistics of one category feature on the train side (target present). */
export interface CategoryFeatureStats {
  kind: "category";
  counts: Record<string, number>;
  missing: number;
}

/** Ranges over the factored rows, from which the final columns' ranges follow exactly. */
export interface NumericRange {
  /** Smallest and largest x^k (k = 1..degree) over the factored rows with a value. */
  min: (number | null)[];
  max: (number | null)[];
  /** Factored rows where the value was missing (imputed). */
  missing: number;
}

export interface CategoryRange {
  /** Factored rows per level. */
  counts: Record<string, number>;
  missing: number;
}

/** One cross-validation fold's target statistics (for a held-out R²). */
export interface FoldTarget {
  n: number;
  mean: number;
  m2: number;
}

/** The augmented basis of one accumulator: which raw column means what. */
export interface DesignBasis {
  /** Per feature (resolved order): the shift c of a numeric feature (null before a value). */
  shifts: (number | null)[];
  /** Level columns in order of first sight: [feature index, level]. */
  levels: [number, string][];
  /** The target's shift (its first value), null before a row. */
  yShift: number | null;
}

/** A design accumulator as JSON: its size depends on the features and levels, not the rows. */
export interface DesignState {
  format: typeof DESIGN_STATE_FORMAT;
  basis: DesignBasis;
  /** One factor of the augmented raw design per fold. */
  folds: QrState[];
  foldTargets: FoldTarget[];
  stats: (NumericFeatureStats | CategoryFeatureStats)[];
  ranges: (NumericRange | CategoryRange)[];
  /** Train rows with the target present (the statistics' rows). */
  statsRows: number;
  /** Train rows whose target is missing. */
  missingTarget: number;
  /** Train rows left out of the factor: a feature with `impute: none` was missing. */
  unscorable: number;
  /** Smallest and largest target over the factored rows. */
  yMin: number | null;
  yMax: number | null;
}

/** What the accumulator needs to know of the model and the data. */
export interface DesignConfig {
  /** Features with their options and the largest degree any trial uses. */
  features: ResolvedFeature[];
  /** Column index in a batch of each feature, and of the target. */
  columnIndex: number[];
  targetIndex: number;
  folds: number;
  foldSeed: number;
  /** Whether rows are limited to the ones `keep(batch, i)` accepts (a shard's share). */
  keep?: (batch: RowBatch, i: number) => boolean;
}
