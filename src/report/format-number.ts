/** Numbers as people read them in reports: a few significant digits, no float noise. */

/** `3.142`, `0.000123`, `1.23e+6`: four significant digits by default; "—" for null. */
export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "-∞";
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1e6 || abs < 1e-4) return v.toExponential(digits - 1).replace(/\.?0+e/, "e");
  const text = v.toPrecision(digits);
  return text.includes(".") && !text.includes("e") ? text.replace(/\.?0+$/, "") : String(Number(text));
}

/** A signed change: `+0.12`, `-3.4`. */
export function formatSigned(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  return `${v > 0 ? "+" : v < 0 ? "-" : "±"}${formatNumber(Math.abs(v), digits)}`;
}

/** A relative change as a percentage: `+1.9%`. */
export function formatPercent(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  return `${formatSigned(v * 100, digits)}%`;
}

/** An interval: `[2.91, 3.40]`. */
export function formatInterval(ci: { lower: number; upper: number } | null | undefined, digits = 3): string {
  return ci ? `[${formatNumber(ci.lower, digits)}, ${formatNumber(ci.upper, digits)}]` : "";
}
