/** Byte-stable JSON for hashes and committed files. */
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, `undefined` members dropped, 2-space indent and a
 * trailing newline: the same value always gives the same bytes, so hashes and registry commits
 * are reproducible and diffs stay readable. Non-finite numbers are refused (JSON has none).
 */
export function canonicalJson(value: unknown, indent = 2): string {
  return JSON.stringify(sortKeys(value), null, indent) + (indent ? "\n" : "");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (typeof value === "number" && !Number.isFinite(value))
    throw new TypeError(`cannot write ${value} as JSON; use null for a missing number`);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** sha256 of text or bytes, as lower-case hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
