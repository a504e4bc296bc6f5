/**
 * The profile of a data set as plain JSON (see profile-columns.ts for what each field holds and
 * how it is drawn), and the options of drawing one.
 */
import type { ColumnType } from "../project/schemas.js";
import type { RowHashes } from "./row-hash-sketch.js";

export interface NumericStats {
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  /** Sum of squared deviations from the mean (for merging). */
  m2: number;
}

export interface Histogram {
  edges: number[];
  /** edges.length + 1 counts: below, the bins, above. */
  counts: number[];
  edgesFrom: "given" | "spec" | "data";
}

export interface Sample {
  seed: number;
  /** Values the sample was drawn from. */
  population: number;
  values: number[];
}

export interface CategoryCounts {
  top: { value: string; count: number }[];
  other: number;
  distinct: number;
  distinctExact: boolean;
}

export interface ColumnProfile {
  name: string;
  type: ColumnType;
  /** Values present. */
  count: number;
  missing: number;
  stats?: NumericStats;
  histogram?: Histogram;
  sample?: Sample;
  categories?: CategoryCounts;
}

export interface DataProfile {
  version: 1;
  rows: number;
  columns: ColumnProfile[];
  /** The smallest row hashes (row-hash-sketch.ts), to count rows added and removed later. */
  rowHashes?: RowHashes;
}

/** How profiles are drawn. All have defaults. */
export interface ProfileOptions {
  /** Seed of the samples. Default 1. */
  seed?: number;
  /** Values kept per numeric column for KS tests. Default 2000. */
  sampleSize?: number;
  /** Bins between the outer edges. Default 10. */
  bins?: number;
  /** Values that choose quantile edges when neither `edges` nor spec min/max give them. Default 10000. */
  edgeSample?: number;
  /** Bin edges to use, by column name. */
  edges?: Record<string, number[]>;
  /** Values listed per category or string column. Default 50. */
  topCategories?: number;
  /** Distinct values counted exactly per category or string column. Default 10000. */
  maxTracked?: number;
}

/** Only the {@link ProfileOptions} of `options` (plain data, as a worker thread can receive). */
export function profileOptionsOf(options: ProfileOptions): ProfileOptions {
  const { seed, sampleSize, bins, edgeSample, edges, topCategories, maxTracked } = options;
  const picked: ProfileOptions = { seed, sampleSize, bins, edgeSample, edges, topCategories, maxTracked };
  for (const key of Object.keys(picked) as (keyof ProfileOptions)[]) {
    if (picked[key] === undefined) delete picked[key];
  }
  return picked;
}
