/**
 * The feature pipeline as a fitted model applies it: imputation, polynomial terms, one-hot
 * encoding and standardisation, saved with the model so scoring applies exactly the transforms
 * training learnt (src/train/feature-pipeline.ts learns them).
 *
 * A model's design has one column per *term*: a numeric feature gives `x` (and `x^2` … with a
 * degree), a category gives one indicator per level seen in training except a reference level
 * when there is an intercept (`Origin=Japan`). Dates enter as years since 1970, booleans as 0/1.
 */
import type { ColumnVector, RowBatch } from "../data/row-batch.js";
import type { DatePart } from "../project/schemas.js";

/** Milliseconds in a mean Gregorian year: dates enter a model as years since 1970. */
export const MS_PER_YEAR = 365.2425 * 24 * 3600 * 1000;

export { DATE_PARTS, type DatePart } from "../project/schemas.js";

export type ImputeStrategy = "mean" | "median" | "most_frequent" | "constant" | "none";

export interface NumericFeature {
  kind: "numeric";
  name: string;
  /** The column's type in the data spec; dates are converted to years since 1970. */
  type: "number" | "integer" | "boolean" | "date";
  /**
   * A date feature's part (`expand`): the step reads the date column `name` and takes this part
   * of it instead of years since 1970; its term is `name.part`. One step per part.
   */
  part?: DatePart;
  impute: ImputeStrategy;
  /** The value that replaces a missing one (in the feature's units: years for dates); null with `none`. */
  fill: number | null;
  degree: number;
  /** Term names: `x`, `x^2`, … */
  terms: string[];
  /** Mean and standard deviation of each term on the train side after imputation (for scaling). */
  mean: number[];
  std: number[];
}

export interface CategoryFeature {
  kind: "category";
  name: string;
  impute: ImputeStrategy;
  /** The level that replaces a missing (or unseen) value; null with `none`. */
  fill: string | null;
  /** Levels seen on the train side, most frequent first (ties by name). */
  levels: string[];
  /** The level without a term (absorbed by the intercept); null without intercept. */
  reference: string | null;
  /** Term names `name=level`, for the levels other than the reference. */
  terms: string[];
}

export type FeatureStep = NumericFeature | CategoryFeature;

/** Everything needed to turn a raw row into model terms. Saved in the model file. */
export interface Pipeline {
  features: FeatureStep[];
  intercept: boolean;
  /** Whether fitting used standardised terms (coefficients are always saved in original units). */
  standardise: boolean;
}

/**
 * Converts a raw numeric cell to the feature's units: dates to years since 1970, or to the
 * `part` of the date a step of an expanded date takes.
 */
export function featureValue(type: NumericFeature["type"], raw: number, part?: DatePart): number {
  if (type !== "date") return raw;
  return part === undefined ? raw / MS_PER_YEAR : datePart(raw, part);
}

/** One part of a date (milliseconds since 1970, UTC); see {@link DATE_PARTS}. */
export function datePart(ms: number, part: DatePart): number {
  const d = new Date(ms);
  switch (part) {
    case "year":
      return d.getUTCFullYear();
    case "month":
      return d.getUTCMonth() + 1;
    case "dayOfWeek":
      return ((d.getUTCDay() + 6) % 7) + 1;
    case "hour":
      return d.getUTCHours();
  }
}

// ---------------------------------------------------------------------------------------------
// applying the pipeline
// ---------------------------------------------------------------------------------------------

/** All term names of the design, in column order (without the intercept). */
export function termNames(p: Pipeline): string[] {
  return p.features.flatMap((f) => f.terms);
}

/** A pipeline bound to the column positions of a data source, ready to fill design rows fast. */
export interface BoundPipeline {
  pipeline: Pipeline;
  /** Number of terms (design columns without the intercept). */
  width: number;
  /**
   * Writes the terms of row `i` of `batch` into `out` from `offset`. `scaled` standardises them
   * (for fitting); unscaled terms are in the features' own units (for scoring with coefficients
   * in original units). Returns the number of unseen category values met (scored as missing).
   */
  fill(batch: RowBatch, i: number, out: Float64Array, offset: number, scaled: boolean): number;
  /**
   * {@link fill} for `count` rows at once, the rows `rows[0..count)` of `batch`: term j of the
   * t-th row goes to `out[j · count + t]` (a term's values side by side). Same values, bit for bit.
   */
  fillRows(batch: RowBatch, rows: Int32Array, count: number, out: Float64Array, scaled: boolean): number;
  /** Whether row `i` has a missing value in a feature whose imputation is `none`. */
  hasUnimputedMissing(batch: RowBatch, i: number): boolean;
}

/**
 * Binds `pipeline` to the columns of a data source (`columnNames` in batch order). A feature the
 * data lacks is an error naming it: the caller reports the model as not comparable.
 */
export function bindPipeline(pipeline: Pipeline, columnNames: readonly string[]): BoundPipeline {
  const missing = pipeline.features.filter((f) => !columnNames.includes(f.name)).map((f) => f.name);
  if (missing.length > 0) throw new MissingFeaturesError(missing);
  const index = pipeline.features.map((f) => columnNames.indexOf(f.name));
  // Per category feature: level code in the batch -> term slot, cached per levels array.
  const slotCache = pipeline.features.map(() => new WeakMap<readonly string[], Int32Array>());
  const width = termNames(pipeline).length;

  const slotsFor = (f: CategoryFeature, fi: number, levels: readonly string[]): Int32Array => {
    let slots = slotCache[fi]!.get(levels);
    if (!slots || slots.length !== levels.length) {
      slots = new Int32Array(levels.length);
      for (let c = 0; c < levels.length; c++) {
        const level = levels[c]!;
        slots[c] =
          level === f.reference ? -1 : f.levels.includes(level) ? f.terms.indexOf(`${f.name}=${level}`) : -2;
      }
      slotCache[fi]!.set(levels, slots);
    }
    return slots;
  };

  const one = new Int32Array(1);
  // Term j of the t-th row goes to out[offset + j · stride + t].
  const fillRows = (
    batch: RowBatch,
    rows: Int32Array,
    count: number,
    out: Float64Array,
    offset: number,
    stride: number,
    scaled: boolean,
  ): number => {
    let unseen = 0;
    let at = offset;
    for (let fi = 0; fi < pipeline.features.length; fi++) {
      const f = pipeline.features[fi]!;
      const col: ColumnVector = batch.columns[index[fi]!]!;
      if (f.kind === "numeric") {
        const values = col.kind === "numeric" ? col.values : undefined;
        const standardise = scaled && pipeline.standardise;
        if (values !== undefined && f.degree === 1 && !standardise && f.type !== "date") {
          // The loop below for one plain power, unscaled: the value itself, or the fill.
          const fill = f.fill ?? 0;
          for (let t = 0; t < count; t++) {
            const raw = values[rows[t]!]!;
            out[at + t] = Number.isNaN(raw) ? fill : raw;
          }
          at += stride;
          continue;
        }
        for (let t = 0; t < count; t++) {
          const raw = values === undefined ? NaN : values[rows[t]!]!;
          let x = Number.isNaN(raw) ? (f.fill ?? 0) : featureValue(f.type, raw, f.part);
          const base = x;
          for (let k = 0; k < f.degree; k++) {
            if (k > 0) x *= base;
            out[at + k * stride + t] = standardise ? scale(x, f.mean[k]!, f.std[k]!) : x;
          }
        }
        at += f.degree * stride;
      } else {
        const terms = f.terms.length;
        const fillSlot =
          f.fill === null || f.fill === f.reference ? -1 : f.terms.indexOf(`${f.name}=${f.fill}`);
        for (let t = 0; t < count; t++) {
          for (let s = 0; s < terms; s++) out[at + s * stride + t] = 0;
          let slot = -3;
          if (col.kind === "category" && col.codes[rows[t]!]! >= 0) {
            slot = slotsFor(f, fi, col.levels)[col.codes[rows[t]!]!]!;
            if (slot === -2) unseen++;
          }
          if (slot === -2 || slot === -3) slot = fillSlot;
          if (slot >= 0) out[at + slot * stride + t] = 1;
        }
        at += terms * stride;
      }
    }
    return unseen;
  };

  return {
    pipeline,
    width,
    fill(batch, i, out, offset, scaled) {
      one[0] = i;
      return fillRows(batch, one, 1, out, offset, 1, scaled);
    },
    fillRows(batch, rows, count, out, scaled) {
      return fillRows(batch, rows, count, out, 0, count, scaled);
    },
    hasUnimputedMissing(batch, i) {
      for (let fi = 0; fi < pipeline.features.length; fi++) {
        const f = pipeline.features[fi]!;
        if (f.impute !== "none") continue;
        const col = batch.columns[index[fi]!]!;
        if (
          col.kind === "numeric" ? Number.isNaN(col.values[i]!) : col.kind === "category" && col.codes[i]! < 0
        )
          return true;
      }
      return false;
    },
  };
}

function scale(x: number, mean: number, std: number): number {
  return std > 0 ? (x - mean) / std : x - mean;
}

/** The champion (or a pipeline) needs columns that today's data does not have. */
export class MissingFeaturesError extends Error {
  constructor(readonly features: string[]) {
    super(`the data has no column ${features.map((f) => `"${f}"`).join(", ")}`);
    this.name = "MissingFeaturesError";
  }
}
