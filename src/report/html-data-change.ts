/**
 * "What changed in the data" in the HTML report: a callout at the top of a model whose pull
 * request changes only its data, and a section with the rows, new values and every compared
 * column (worst first). Every name is escaped.
 */
import type { DataChangeJson } from "./data-change-schema.js";
import { formatNumber } from "./format-number.js";
import { formatCount, h } from "./html-format.js";
import { dataChangePhrase, dataChangeTitle } from "./markdown-data-change.js";
import type { ModelReport } from "./report-schema.js";
import { formatDate } from "./markdown-format.js";

const code = (s: string) => `<code>${h(s, 60)}</code>`;

/** The callout of a data-only change, or nothing. */
export function dataOnlyCallout(m: ModelReport): string {
  const d = m.dataChange;
  if (!d?.dataOnly) return "";
  return `<div class="callout warn" role="note"><strong>Data changed:</strong> ${dataChangePhrase(d, code)}.</div>`;
}

const STATUS = { alert: "🔴 alert", warn: "🟠 warn", ok: "ok", skipped: "skipped" } as const;

/** The section, collapsed unless the change is data only. */
export function dataChangeDetails(m: ModelReport): string {
  const d: DataChangeJson | undefined = m.dataChange;
  if (d === undefined) return "";
  const num = (v: number | null | undefined) => (v === undefined ? "" : formatNumber(v ?? null));
  const mean = (v: number | null | undefined, type: string) =>
    v === undefined ? "" : type === "date" ? formatDate(v) : formatNumber(v ?? null);
  const rows = d.columns.map(
    (c) =>
      `<tr><td>${code(c.name)}</td><td>${c.role}</td><td>${c.type}</td><td class="num">${num(c.psi)}</td><td class="num">${c.adjustedPValue === null ? "—" : formatNumber(c.adjustedPValue, 3)}</td><td class="num">${mean(c.before.mean, c.type)}</td><td class="num">${mean(c.after.mean, c.type)}</td><td class="num">${formatCount(c.before.missing)} → ${formatCount(c.after.missing)}</td><td>${STATUS[c.status]}</td><td>${h(c.note, 300)}</td></tr>`,
  );
  const items = [
    `<li>${dataChangePhrase(d, code)}.</li>`,
    d.rows === null
      ? `<li>Rows added and removed are not counted: ${h(d.rowsNote ?? "no row sketch", 300)}.</li>`
      : `<li>Rows told apart by ${d.rows.by === "key" ? "their key" : "all their values"}${d.rows.exact ? "; exact counts" : `; estimated from ${formatCount(d.rows.compared)} rows of the row sketches, 95% margins ±${formatCount(d.rows.addedMargin)} added, ±${formatCount(d.rows.removedMargin)} removed`}.</li>`,
    ...d.newCategories.map(
      (c) =>
        `<li>New in ${code(c.column)}: ${c.values.map((v) => `${code(v.value)} (${formatCount(v.count)})`).join(", ")}${c.omitted > 0 ? ` and ${formatCount(c.omitted)} more` : ""}</li>`,
    ),
  ];
  if (d.target && d.target.shares.length > 0)
    items.push(
      `<li>Target ${code(d.target.name)}: ${d.target.shares
        .slice(0, 10)
        .map(
          (s) => `${code(s.value)} ${formatNumber(s.before * 100, 3)}% → ${formatNumber(s.after * 100, 3)}%`,
        )
        .join(", ")}</li>`,
    );
  else if (d.target)
    items.push(
      `<li>Target ${code(d.target.name)}: mean ${num(d.target.before.mean)} → ${num(d.target.after.mean)}, std ${num(d.target.before.std)} → ${num(d.target.after.std)}</li>`,
    );
  const table =
    rows.length === 0
      ? ""
      : `<table><thead><tr><th>column</th><th>role</th><th>type</th><th>PSI</th><th>adj. p</th><th>mean before</th><th>mean after</th><th>missing</th><th>status</th><th>why</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  return `<details${d.dataOnly ? " open" : ""}><summary>${h(dataChangeTitle(d), 200)}</summary><ul>${items.join("\n")}</ul>${table}</details>`;
}
