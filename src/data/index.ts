/**
 * The data layer's public entries: streaming reads with every check of a data spec, the content
 * hash, the profile and the stable split. README.md beside this file describes the formats and
 * rules; SPLIT.md the split.
 */
export type { DataFormat, ReadOptions } from "./read-dataset.js";
export { dataFormat } from "./read-dataset.js";
export type { DatasetScan, ReadRowsOptions, ScanOptions } from "./scan-dataset.js";
export { readRows, scanDataset } from "./scan-dataset.js";
export type {
  CategoryVector,
  ColumnVector,
  NumericVector,
  RowBatch,
  Side,
  StringVector,
} from "./row-batch.js";
export { TEST, TRAIN } from "./row-batch.js";
export type {
  CategoryCounts,
  ColumnProfile,
  DataProfile,
  Histogram,
  NumericStats,
  ProfileOptions,
  Sample,
} from "./profile-columns.js";
export { binIndex, mergeProfiles } from "./profile-columns.js";
export type { CanonicalValue } from "./stable-split.js";
export { canonicalRowBytes, sideAt, splitPosition } from "./stable-split.js";
export { RowSpill } from "./row-spill.js";
