/**
 * "What changed in the data" in the Markdown report: the one line at the top of the comment for
 * a pull request that changes only data, and a compact collapsed section per model. Every name
 * comes from a pull request, so each goes out as a code span.
 */
import type { ColumnChangeJson, DataChangeJson } from "./data-change-schema.js";
import { codeSpan } from "./escape-markdown.js";
import { formatNumber } from "./format-number.js";
import { formatDate, table } from "./markdown-format.js";
import type { Report } from "./report-schema.js";

/** Columns named in the one line at most; the rest are counted. */
const LINE_COLUMNS = 3;
/** Columns in the section's table at most (worst first). */
const TABLE_COLUMNS = 15;

const count = (n: number) => n.toLocaleString("en-US");
const codeName = (s: string) => codeSpan(s, { max: 40 });
const psi = (v: number | null) => (v === null ? "—" : formatNumber(v, 2));

/** "+120 rows, −4 rows" (exact) or "about +120 (±9) rows, −4 (±3) rows"; or the row counts alone. */
export function rowsPhrase(d: DataChangeJson): string {
  const r = d.rows;
  if (r === null) return `${count(d.champion.rows)} → ${count(d.current.rows)} rows`;
  if (r.exact) return `+${count(r.added)} rows, −${count(r.removed)} rows`;
  return `about +${count(r.added)} (±${count(r.addedMargin)}) rows, −${count(r.removed)} (±${count(r.removedMargin)}) rows`;
}

function listed(items: string[]): string {
  const shown = items.slice(0, LINE_COLUMNS).join(", ");
  return items.length > LINE_COLUMNS ? `${shown} and ${items.length - LINE_COLUMNS} more` : shown;
}

const shifted = (c: ColumnChangeJson) => c.status === "warn" || c.status === "alert";

/**
 * How the data changed, in one phrase list: rows, drift, new levels, columns, the target. `name`
 * writes a name from the data (a code span by default; the HTML report passes its own).
 */
export function dataChangePhrase(d: DataChangeJson, name: (s: string) => string = codeName): string {
  const parts = [rowsPhrase(d)];
  const drift = d.columns.filter((c) => shifted(c) && c.role !== "target" && c.psi !== null);
  parts.push(
    drift.length > 0
      ? `drift in ${listed(drift.map((c) => `${name(c.name)} (PSI ${psi(c.psi)})`))}`
      : "no significant drift",
  );
  if (d.newCategories.length > 0) {
    const levels = d.newCategories.reduce((s, c) => s + c.values.length + c.omitted, 0);
    parts.push(
      `${levels === 1 ? "new level" : "new levels"} in ${listed(d.newCategories.map((c) => name(c.column)))}`,
    );
  }
  if (d.columnsAdded.length > 0)
    parts.push(
      `${d.columnsAdded.length === 1 ? "column" : "columns"} added: ${listed(d.columnsAdded.map(name))}`,
    );
  if (d.columnsDropped.length > 0)
    parts.push(
      `${d.columnsDropped.length === 1 ? "column" : "columns"} dropped: ${listed(d.columnsDropped.map(name))}`,
    );
  const target = d.columns.find((c) => c.role === "target");
  if (target && shifted(target))
    parts.push(`target ${name(target.name)} shifted (${targetShift(d, target, name)})`);
  return parts.join("; ");
}

/** "bad 30% → 37%" for the largest share change, or "mean 23.4 → 25.1". */
function targetShift(d: DataChangeJson, target: ColumnChangeJson, name: (s: string) => string): string {
  const t = d.target;
  if (t && t.shares.length > 0) {
    const top = [...t.shares].sort((a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before))[0]!;
    const pct = (v: number) => `${formatNumber(v * 100, 3)}%`;
    return `${name(top.value)} ${pct(top.before)} → ${pct(top.after)}`;
  }
  if (t && t.before.mean !== null && t.after.mean !== null)
    return `mean ${formatNumber(t.before.mean)} → ${formatNumber(t.after.mean)}`;
  return `PSI ${psi(target.psi)}`;
}

/**
 * The first line of the comment when a model's pull request changes only its data (same spec
 * as the champion's, other data): "**Data changed:** +120 rows, −4 rows; drift in …". Several
 * such models share the line, each named. Empty when no model's change is data only.
 */
export function dataOnlyLine(report: Report): string {
  const models = report.models.filter((m) => m.dataChange?.dataOnly);
  if (models.length === 0) return "";
  if (models.length === 1) return `**Data changed:** ${dataChangePhrase(models[0]!.dataChange!)}`;
  const shown = models.slice(0, 3).map((m) => `${codeName(m.name)}: ${dataChangePhrase(m.dataChange!)}`);
  const more = models.length > 3 ? ` · and ${models.length - 3} more models` : "";
  return `**Data changed** · ${shown.join(" · ")}${more}`;
}

/** The collapsed section's summary. */
export function dataChangeTitle(d: DataChangeJson): string {
  return d.changed
    ? `What changed in the data since v${d.champion.version}: ${rowsPhrase(d).replace(/`/g, "")}`
    : `The data is the same as v${d.champion.version}'s`;
}

/** The section: the phrase, then the columns worst first (PSI, test, means, status). */
export function dataChangeSection(d: DataChangeJson): string {
  const lines = [dataChangePhrase(d) + "."];
  if (d.rows === null && d.rowsNote)
    lines.push(`Rows added and removed are not counted: ${codeSpan(d.rowsNote, { max: 200 })}.`);
  else if (d.rows !== null)
    lines.push(
      d.rows.exact
        ? `Rows told apart by ${d.rows.by === "key" ? "their key" : "all their values"}; exact counts.`
        : `Rows told apart by ${d.rows.by === "key" ? "their key" : "all their values"}; estimated from ${count(d.rows.compared)} rows of the two row sketches (95% margins).`,
    );
  for (const c of d.newCategories.slice(0, 5))
    lines.push(
      `New in ${codeName(c.column)}: ${c.values
        .slice(0, 5)
        .map((v) => `${codeSpan(v.value, { max: 40 })} (${count(v.count)})`)
        .join(", ")}${c.values.length + c.omitted > 5 ? ", …" : ""}`,
    );
  const shown = d.columns.slice(0, TABLE_COLUMNS);
  if (shown.length > 0) {
    const mean = (v: number | null | undefined, type: string) =>
      v === undefined ? "" : type === "date" ? formatDate(v) : formatNumber(v ?? null);
    const rows = [
      ["column", "role", "PSI", "adj. p", "mean before", "mean after", "status"],
      ...shown.map((c) => [
        codeSpan(c.name, { inTable: true, max: 60 }),
        c.role,
        psi(c.psi),
        c.adjustedPValue === null ? "—" : formatNumber(c.adjustedPValue, 2),
        mean(c.before.mean, c.type),
        mean(c.after.mean, c.type),
        { alert: "🔴 alert", warn: "🟠 warn", ok: "ok", skipped: "skipped" }[c.status],
      ]),
    ];
    lines.push(table(rows, ["l", "l", "r", "r", "r", "r", "l"]));
    if (d.columns.length > shown.length)
      lines.push(`…and ${d.columns.length - shown.length} more columns in report.json.`);
  }
  return lines.join("\n\n");
}
