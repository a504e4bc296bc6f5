/**
 * The `dataChange` of a model's report: this run's data against the champion's training data,
 * from the profile the champion's model file stores (src/monitor/compare-data.ts compares).
 */
import { DataProfiler, type DataProfile } from "../data/profile-columns.js";
import type { Champion } from "../model/load-model.js";
import type { LoadedModel } from "../project/load-project.js";
import { resolveThresholds } from "../project/monitor-thresholds.js";
import { compareData } from "../monitor/compare-data.js";
import { storedProfile } from "../monitor/monitor-model.js";
import type { DataChangeJson } from "../report/data-change-schema.js";

/** The champion's stored training profile, or undefined when its model file holds none usable. */
export function championProfile(champion: Champion | null): DataProfile | undefined {
  if (champion === null) return undefined;
  const parsed = storedProfile.safeParse(champion.model.profile);
  return parsed.success ? (parsed.data as unknown as DataProfile) : undefined;
}

/**
 * The champion's histogram edges by column: this run counts its numeric columns into them too,
 * so that their PSI compares like with like.
 */
export function championEdges(profile: DataProfile | undefined): Record<string, number[]> | undefined {
  if (profile === undefined) return undefined;
  const edges: Record<string, number[]> = {};
  for (const c of profile.columns) if (c.histogram) edges[c.name] = c.histogram.edges;
  return Object.keys(edges).length > 0 ? edges : undefined;
}

/**
 * What changed in the data since the champion was trained; undefined without a champion or
 * when its model file keeps no usable profile. The thresholds are the model spec's `monitor:`
 * section (defaults otherwise); a section the monitor would refuse falls back to the defaults.
 */
export function dataChangeOf(
  m: LoadedModel,
  champion: Champion | null,
  scan: { sha256: string; profile: DataProfile },
  binned: DataProfile | undefined,
): DataChangeJson | undefined {
  const training = championProfile(champion);
  if (champion === null || training === undefined) return undefined;
  let thresholds;
  try {
    thresholds = resolveThresholds(m.spec, m.specFile);
  } catch {
    thresholds = resolveThresholds({}, m.specFile);
  }
  return compareData({
    training,
    current: scan.profile,
    ...(binned ? { binned } : {}),
    target: m.spec.target,
    features: m.features,
    thresholds,
    champion: {
      version: champion.version,
      specHash: champion.model.specHash,
      dataHash: champion.model.dataHash,
    },
    specHash: m.specHash,
    dataHash: scan.sha256,
  });
}

/** A profiler of the numeric columns that `edges` names, counted into those edges. */
export function referenceProfiler(
  m: LoadedModel,
  edges: Record<string, number[]> | undefined,
): DataProfiler | undefined {
  if (edges === undefined) return undefined;
  const only = m.data.columns.map(
    (c) =>
      edges[c.name] !== undefined && c.type !== "boolean" && c.type !== "category" && c.type !== "string",
  );
  if (!only.some(Boolean)) return undefined;
  // One value of sample: the sample is this run's own profile's business.
  return new DataProfiler(m.data, { edges, sampleSize: 1 }, only);
}
