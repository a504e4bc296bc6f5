/**
 * A canary row: one plausible row drawn from a version's training profile (a sampled value per
 * numeric column, the most frequent value per category), which a new version must score to a
 * finite number before it is served.
 */
import type { ColumnProfile } from "../data/profile-columns.js";
import type { ColumnSpec, DataSpec } from "../project/schemas.js";
import type { TabularRequest } from "./decode-request.js";

/**
 * A one-row request from `profile` (the model's training profile) for `features`; a column the
 * profile lacks (a model without one) takes a value the data spec allows.
 */
export function canaryRequest(profile: unknown, features: readonly string[], spec: DataSpec): TabularRequest {
  const columns = new Map<string, unknown[]>();
  const profiled = new Map<string, ColumnProfile>();
  if (
    typeof profile === "object" &&
    profile !== null &&
    Array.isArray((profile as { columns?: unknown }).columns)
  )
    for (const c of (profile as { columns: ColumnProfile[] }).columns) profiled.set(c.name, c);
  const specs = new Map(spec.columns.map((c) => [c.name, c]));
  for (const f of features) {
    const fromProfile = cellOf(profiled.get(f));
    columns.set(f, [fromProfile ?? fromSpec(specs.get(f))]);
  }
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

function fromSpec(column: ColumnSpec | undefined): unknown {
  if (!column) return null;
  switch (column.type) {
    case "number":
    case "integer":
      return column.min ?? (column.max !== undefined ? Math.min(0, column.max) : 0);
    case "boolean":
      return false;
    case "date":
      return column.min ?? column.max ?? "2000-01-01";
    case "category":
      return column.values?.[0] ?? "a";
    default:
      return "a";
  }
}
