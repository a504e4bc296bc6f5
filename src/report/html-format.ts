/** Small pieces of the HTML report: escaping, labels, badges and number formats the sections share. */
import { metricDirection } from "../evaluate/metrics.js";
import { cleanText, escapeHtml } from "./escape-markdown.js";
import { formatNumber } from "./format-number.js";
import type { ModelReport } from "./report-schema.js";
import { metricNamesOf } from "./report-schema.js";
import type { ChangeVerdict } from "./change-verdict.js";

/** Escapes report text for HTML after cleaning it and cutting it to `max` characters. */
export const h = (s: string, max = 500) => escapeHtml(cleanText(s, max));

/** The CSS class of each change verdict. */
export const VERDICT_CLASS: Record<ChangeVerdict, string> = {
  better: "better",
  worse: "worse",
  not_significant: "neutral",
  significant: "neutral",
  none: "",
};

/** The words of each change verdict. */
export const VERDICT_TEXT: Record<ChangeVerdict, string> = {
  better: "better",
  worse: "worse",
  not_significant: "not significant",
  significant: "changed",
  none: "—",
};

/** The model's metrics, the primary first. */
export function metricNames(m: ModelReport): string[] {
  const names = metricNamesOf(m);
  return names.includes(m.primaryMetric)
    ? [m.primaryMetric, ...names.filter((n) => n !== m.primaryMetric)]
    : names;
}

/** A metric's label from the catalogue, or its name. */
export function metricName(name: string): string {
  return metricDirection(name)?.label ?? name;
}

/** " (higher is better)" or " (lower is better)", or nothing for an unknown metric. */
export function directionText(metric: string): string {
  const d = metricDirection(metric);
  return d ? ` (${d.higherIsBetter ? "higher" : "lower"} is better)` : "";
}

/** The pass or fail badge. */
export function badge(passed: boolean): string {
  return passed
    ? '<span class="badge pass" aria-hidden="true">✓</span>'
    : '<span class="badge fail" aria-hidden="true">✗</span>';
}

/** `[lower, upper]` to three digits, or a dash. */
export function interval(ci: { lower: number; upper: number } | null): string {
  return ci ? `[${formatNumber(ci.lower, 3)}, ${formatNumber(ci.upper, 3)}]` : "—";
}

/** An integer with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** `n word` or `n words`, n with thousands separators. */
export function count(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}

/** Says in place what a shortened page leaves out, and where to find it. */
export function leftOutNote(what: string): string {
  return `<p class="muted left-out">${escapeHtml(what)} not shown here: report.json, beside this page, has them all.</p>`;
}

/** What {@link htmlPage} lays out. Every field is HTML already escaped by the caller. */
export interface HtmlPage {
  /** Plain text, escaped here. */
  title: string;
  css: string;
  /** The header's lines below the title (verdict, summary, commits, navigation). */
  header: string;
  main: string;
  /** The footer's "How to read this." paragraph, after its bold lead. */
  howToRead: string;
  /** The footer's last, muted line. */
  colophon: string;
}

/**
 * A whole report page, self-contained: no script, nothing fetched (its Content-Security-Policy
 * allows inline styles and data: images only), light and dark as the reader's system prefers.
 */
export function htmlPage(page: HtmlPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="color-scheme" content="light dark">
<title>${h(page.title, 120)}</title>
<style>${page.css}</style>
</head>
<body>
<header class="page">
<h1>${h(page.title, 120)}</h1>
${page.header}
</header>
<main>
${page.main}
</main>
<footer>
<p><strong>How to read this.</strong> ${page.howToRead}</p>
<p class="muted">${page.colophon}</p>
</footer>
</body>
</html>
`;
}
