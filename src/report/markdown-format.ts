/**
 * Small pieces of the Markdown report: the levels of detail, collapsed sections, tables and
 * number formats that every section shares.
 */
import { markdownTable } from "markdown-table";
import { metricDirection } from "../evaluate/metrics.js";
import { codeSpan, escapeText } from "./escape-markdown.js";
import { formatNumber, formatSigned } from "./format-number.js";

/** One level of detail of the Markdown report (see `LEVELS` in render-markdown.ts). */
export interface Level {
  trials: boolean;
  coefficients: boolean;
  slices: "all" | "some" | "none";
  details: boolean;
  /** What this level leaves out, for the note. */
  leftOut: string[];
}

/** Groups per slice kept at the "some" level (the worst is always kept). */
export const SOME_GROUPS = 8;

/** Trials listed at most, best first (the chosen one always). */
export const MAX_TRIALS = 25;

/** Warnings listed per model at most; the rest are counted. */
export const MAX_WARNINGS = 20;

/** A metric's label from the catalogue (trusted text) or, for an unknown name, the name as code. */
export function metricLabel(name: string): string {
  const known = metricDirection(name);
  return known ? escapeText(known.label, 80) : codeSpan(name, { inTable: true, max: 60 });
}

/** A collapsed section; the summary is escaped for HTML (it sits inside a raw HTML block). */
export function details(summary: string, body: string): string {
  return `<details>\n<summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/** A GitHub table with the given column alignments (`l`, `c`, `r`). */
export function table(rows: string[][], align: string[]): string {
  return markdownTable(rows, { align });
}

/** `[lower, upper]` with signs, or a dash. */
export function signedInterval(ci: { lower: number; upper: number } | null): string {
  return ci ? `[${formatSigned(ci.lower)}, ${formatSigned(ci.upper)}]` : "—";
}

/** `[lower, upper]`, or a dash. */
export function interval(ci: { lower: number; upper: number } | null): string {
  return ci ? `[${formatNumber(ci.lower, 3)}, ${formatNumber(ci.upper, 3)}]` : "—";
}

/** The signed change of one value against another, or a dash when either is missing. */
export function change(own: number | null, theirs: number | null): string {
  return own === null || theirs === null ? "—" : formatSigned(own - theirs);
}

/** A date (epoch milliseconds) as YYYY-MM-DD, or a dash. */
export function formatDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return "—";
  return new Date(ms).toISOString().slice(0, 10);
}

/** An integer with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** `n word` or `n words`. */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}
