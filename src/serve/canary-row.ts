/**
 * A canary row: one plausible row drawn from a version's training profile (a sampled value per
 * numeric column, the most frequent value per category), which a new version must score to a
 * finite number before it is served.
 */
import type { ColumnProfile } from "../data/profile-columns.js";
import type { TabularRequest } from "./decode-request.js";

/** A one-row request from `profile` (the model file's training profile) for `features`. */
export function canaryRequest(profile: unknown, features: readonly string[]): TabularRequest {
  const columns = new Map<string, unknown[]>();
  const profiled = new Map<string, ColumnProfile>();
  if (
    typeof profile === "object" &&
    profile !== null &&
    Array.isArray((profile as { columns?: unknown }).columns)
  )
    for (const c of (profile as { columns: ColumnProfile[] }).columns) profiled.set(c.name, c);
  for (const f of features) columns.set(f, [cellOf(profiled.get(f))]);
  return { rows: 1, columns, id: "canary" };
}

function cellOf(column: ColumnProfile | undefined): unknown {
  if (!column) return null;
  const top = column.categories?.top[0]?.value;
  if (top !== undefined) return top;
  const v = column.sample?.values[0] ?? column.stats?.min ?? null;
  if (v === null) return null;
  if (column.type === "date") return new Date(v).toISOString();
  if (column.type === "boolean") return v !== 0;
  return v;
}
