/**
 * Making untrusted strings inert in GitHub-flavoured Markdown, HTML and mermaid.
 *
 * Everything in report.json came out of a pull request's run (model, column, category, term
 * and group names, warnings, gate reasons), and the App renders its comment from it. So every
 * such string passes through one of these functions before it reaches the output, chosen by
 * where it lands:
 *
 * - `escapeText`: prose in a paragraph, list item, heading or table cell. Markdown syntax is
 *   backslash-escaped; what GitHub turns into links *after* Markdown (an @mention, a #123
 *   reference, a bare URL or e-mail address) is broken with a zero-width space, because a
 *   backslash does not stop those: GitHub finds them in the rendered text.
 * - `codeSpan`: identifiers (names of columns, terms, groups). Code is never linked or
 *   mentioned; only its fence, its line breaks and (in tables) its pipes need care.
 * - `escapeHtml`: text inside raw HTML (`<summary>`) and the HTML report.
 * - `mermaidLabel`, `plainToken`: a whitelist, for places with no reliable escape at all.
 */

/** Zero-width space: invisible, and it splits `@name`, `#123`, `www.` and `://` for GitHub's linkers. */
const ZWSP = "\u200b";

/**
 * Characters that would reshape or hide text: C0/C1 controls (line breaks become spaces),
 * line/paragraph separators, bidirectional overrides and isolates (which can make a name read
 * differently from what it is), and the byte-order mark.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it matches
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** One line of text, without controls, at most `max` characters (cut with "…"). */
export function cleanText(value: string, max = 500): string {
  const flat = value.replace(CONTROL, (c) => (c === "\t" || c === "\n" || c === "\r" ? " " : ""));
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/**
 * ASCII punctuation that Markdown, GFM or raw HTML give a meaning to inline. A backslash
 * before any ASCII punctuation is a literal in CommonMark, so over-escaping is harmless;
 * `.`, `,`, `-`, `'`, `"`, `/`, `=`, `%`, `;`, `?` are left alone for readability: they
 * only mean something at the start of a line, where `escapeText` escapes them.
 */
const MARKDOWN_PUNCTUATION = /[\\`*_{}[\]()<>#+!|~&@:^$]/g;

/**
 * Escapes untrusted text for Markdown (one line, trimmed; safe in table cells and at the
 * start of a line): no link, image, HTML, code, emphasis, list, heading, @mention, #reference
 * or autolinked URL can come out of it.
 */
export function escapeText(value: string, max = 500): string {
  const escaped = cleanText(value, max)
    .trim()
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`)
    // At the start of a line these would begin a list, a thematic break or a setext heading.
    .replace(/^([-+=])/, "\\$1")
    .replace(/^(\d+)([.)])/, "$1\\$2");
  return breakLinkers(escaped);
}

/**
 * Breaks what GitHub links after Markdown is rendered: `@user` and `@org/team` mentions,
 * e-mail autolinks, `#123` and `GH-123` references, `www.` and `scheme://` autolinks. Applied
 * to escaped text, so `@` and `#` already carry a backslash and `:` is `\:`.
 */
function breakLinkers(escaped: string): string {
  return escaped
    .replace(/\\([@#])/g, `\\$1${ZWSP}`)
    .replace(/\\:\/\//g, `\\:${ZWSP}//`)
    .replace(/\b(www)\./gi, `$1${ZWSP}.`)
    .replace(/\b(gh)-(?=\d)/gi, `$1-${ZWSP}`);
}

/**
 * An untrusted identifier as an inline code span. `inTable` escapes its pipes the way GFM
 * tables require (a pipe inside a code span would otherwise end the cell); a backslash right
 * before a pipe is kept apart from it so it cannot cancel that escape.
 */
export function codeSpan(value: string, options: { inTable?: boolean; max?: number } = {}): string {
  let text = cleanText(value, options.max ?? 120);
  if (text.trim() === "") return "*(empty)*";
  if (options.inTable) text = text.replace(/\\(?=\|)/g, `\\${ZWSP}`).replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  // A leading or trailing backtick would merge with the fence; CommonMark strips one space
  // from each side, so padding both sides keeps the content as it is.
  const pad = text.startsWith("`") || text.endsWith("`") || text.startsWith(" ") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

const HTML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML content and attribute values (quoted with `"` or `'`). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

/**
 * Untrusted text inside raw HTML in a GitHub comment (a `<summary>`): entities for HTML, and
 * the mention and reference breakers, since GitHub links those in HTML text as well.
 */
export function escapeHtmlForGitHub(value: string, max = 200): string {
  return escapeHtml(cleanText(value, max))
    .replace(/[@#]/g, (c) => `${c}${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\b(www)\./gi, `$1${ZWSP}.`);
}

/**
 * A label for a mermaid chart. Mermaid has no escape that every version honours (quotes,
 * `%%` comments and directives, `-->` arrows, line breaks all change the diagram), so only
 * letters and digits (of any script), space and `._-` survive; anything else becomes `_`.
 */
export function mermaidLabel(value: string, max = 40): string {
  const kept = cleanText(value, max).replace(/[^\p{L}\p{N} ._-]/gu, "_");
  return kept.trim() === "" ? "_" : kept;
}

/**
 * A name for plain-text places (a check-run title, an Action output) that may still end up
 * in Markdown: letters, digits and `._:-` only (and no `www.` or `GH-1`), so it is
 * inert in either.
 */
export function plainToken(value: string, max = 64): string {
  const kept = cleanText(value, max)
    .replace(/[^A-Za-z0-9._:-]/g, "_")
    // No word boundary: `_` (which replaces other characters) can become emphasis and expose them.
    .replace(/(www)\./gi, "$1_")
    .replace(/(gh)-(?=\d)/gi, "$1_");
  return kept === "" ? "_" : kept;
}
