/**
 * The text parts of one model in the HTML report: champion line, failures, warnings and the
 * tables (metrics, fairness, gate rules, coefficients, data, search).
 */
import { metricDirection } from "../evaluate/metrics.js";
import { escapeHtml } from "./escape-markdown.js";
import { formatNumber, formatPercent, formatSigned } from "./format-number.js";
import type { FairnessJson, ModelReport, SearchJson } from "./report-schema.js";
import { changeVerdict } from "./change-verdict.js";
import {
  h,
  VERDICT_CLASS,
  VERDICT_TEXT,
  metricNames,
  metricName,
  interval,
  formatCount,
  count,
  leftOutNote,
} from "./html-format.js";

/** Which champion the challenger is compared with, or why it is not. */
export function championLine(m: ModelReport): string {
  const c = m.champion;
  if (c === null) return "No champion yet: there is nothing to compare with, so change rules do not apply.";
  const who = `version ${c.version} (alias <code>${h(c.alias, 40)}</code>)`;
  if (!c.comparable)
    return `<strong class="warn">⚠ The champion, ${who}, is not comparable:</strong> ${h(c.reason ?? "no reason was given")}. Change rules do not apply.`;
  return `Champion: ${who}, scored on the same ${count(m.data.testRows, "test row")}.`;
}

/** The failed gate rules, as a callout. */
export function failures(m: ModelReport): string {
  const failed = m.gate.checks.filter((c) => c.status === "fail");
  if (failed.length === 0 && m.passed) return "";
  const items = failed.length
    ? failed.map((c) => `<li>${h(c.reason)}</li>`)
    : [`<li>${h(m.gate.summary)}</li>`];
  return `<div class="callout fail" role="note"><strong>Gate failed</strong><ul>${items.join("")}</ul></div>`;
}

/** The model's warnings, as a callout. */
export function warnings(m: ModelReport): string {
  const notes = [
    ...(m.registryChanged ? ["This pull request changes the registry folder; those edits are ignored."] : []),
    ...m.warnings,
  ];
  if (notes.length === 0) return "";
  return `<div class="callout warn" role="note"><strong>Warnings</strong><ul>${notes.map((w) => `<li>${h(w)}</li>`).join("")}</ul></div>`;
}

/** The metric table: challenger against champion with the change and its interval. */
export function metricTable(m: ModelReport): string {
  const c = m.champion?.comparable ? m.champion : null;
  const head = c
    ? `<tr><th scope="col">Metric</th><th scope="col" class="num">Champion v${c.version}</th><th scope="col" class="num">Challenger</th><th scope="col" class="num">Change</th><th scope="col" class="num">Relative</th><th scope="col" class="num">Interval of change</th><th scope="col">Verdict</th></tr>`
    : `<tr><th scope="col">Metric</th><th scope="col" class="num">Challenger</th><th scope="col" class="num">Interval</th><th scope="col">Note</th></tr>`;
  const rows = metricNames(m).map((name) => {
    const e = m.challenger.metrics[name]!;
    const label = `<th scope="row">${name === m.primaryMetric ? `<strong>${h(metricName(name), 80)}</strong>` : h(metricName(name), 80)}</th>`;
    if (!c)
      return `<tr>${label}<td class="num">${formatNumber(e.value)}</td><td class="num">${interval(e.ci)}</td><td>${e.value === null ? h(e.reason ?? "undefined") : e.excluded ? `${count(e.excluded, "row")} left out` : ""}</td></tr>`;
    const d = m.differences[name];
    const verdict = d ? changeVerdict(name, d) : "none";
    return `<tr>${label}<td class="num">${formatNumber(d?.champion ?? c.metrics[name]?.value ?? null)}</td><td class="num">${formatNumber(e.value)}</td><td class="num">${d ? formatSigned(d.difference) : "—"}</td><td class="num">${d ? formatPercent(d.relativeChange) : "—"}</td><td class="num">${d?.ci ? `[${formatSigned(d.ci.lower)}, ${formatSigned(d.ci.upper)}]` : "—"}</td><td><span class="mark ${VERDICT_CLASS[verdict]}">${VERDICT_TEXT[verdict]}</span></td></tr>`;
  });
  return `<div class="table-wrap"><table class="metrics"><caption class="sr">Metrics of the challenger${c ? " against the champion" : ""}</caption><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div>`;
}

/** Group rates per sensitive column. */
export function fairnessTables(m: ModelReport): string {
  if (!m.fairness || m.fairness.length === 0) return "";
  const estimate = (e: FairnessJson["parityDifference"]) =>
    `${formatNumber(e.value)}${e.ci ? ` ${interval(e.ci)}` : ""}${e.value === null && e.reason ? ` (${h(e.reason, 160)})` : ""}`;
  const blocks = m.fairness.map((f) => {
    const rows = f.groups.map(
      (g) =>
        `<tr><td><code>${h(g.group, 80)}</code></td><td class="num">${formatCount(g.rows)}</td><td class="num">${formatCount(g.positives)}</td><td class="num">${formatNumber(g.positiveRate)}</td><td class="num">${formatNumber(g.truePositiveRate)}</td><td>${g.tooSmall ? "too small" : ""}</td></tr>`,
    );
    return `<p>By <code>${h(f.column, 80)}</code>: parity difference ${estimate(f.parityDifference)}; equal opportunity difference ${estimate(f.equalOpportunityDifference)}.</p><div class="table-wrap"><table><thead><tr><th scope="col">Group</th><th scope="col" class="num">Rows</th><th scope="col" class="num">Positives</th><th scope="col" class="num">Predicted positive</th><th scope="col" class="num">True positive rate</th><th scope="col"></th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
  });
  return `<div class="fairness"><h3>Fairness</h3><p class="muted">Rates of the challenger per group of each sensitive column; 0 difference is parity.</p>${blocks.join("")}</div>`;
}

/** Every gate rule with its status. */
export function gateTable(m: ModelReport): string {
  if (m.gate.checks.length === 0) return `<p class="muted">The spec sets no gate rules.</p>`;
  const rows = m.gate.checks.map((c) => {
    const label = h(c.label, 60);
    const rule =
      c.rule === "min"
        ? `${label} ≥ ${formatNumber(c.bound)}`
        : c.rule === "max"
          ? `${label} ≤ ${formatNumber(c.bound)}`
          : c.rule === "maxWorsening"
            ? `${label} worsens by at most ${formatNumber(c.bound)}`
            : `${label} worsens by at most ${formatNumber(c.bound * 100)}%`;
    const status = c.status === "pass" ? "pass" : c.status === "fail" ? "fail" : "n/a";
    return `<tr><td><span class="status ${c.status === "not_applicable" ? "na" : c.status}">${status}</span></td><td>${rule}</td><td class="num">${formatNumber(c.value)}</td><td class="num">${formatNumber(c.champion)}</td><td>${h(c.reason)}</td></tr>`;
  });
  return `<div class="table-wrap"><table><thead><tr><th scope="col">Status</th><th scope="col">Rule</th><th scope="col" class="num">Challenger</th><th scope="col" class="num">Champion</th><th scope="col">Reason</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

/** Feature contributions and coefficients beside the champion's, collapsed. */
export function coefficientsDetails(m: ModelReport, limit = Infinity): string {
  if (m.challenger.coefficients.length === 0 || limit <= 0) return "";
  const champion = m.champion;
  const theirs = new Map((champion?.coefficients ?? []).map((t) => [t.term, t.coefficient]));
  const withChampion = champion !== null && champion.coefficients.length > 0;
  const contribution = new Map<string, { feature: string; value: number; first: boolean }>();
  for (const e of m.explanations)
    e.terms.forEach((t, k) =>
      contribution.set(t.term, { feature: e.feature, value: e.meanAbsContribution, first: k === 0 }),
    );
  const order = [...m.challenger.coefficients]
    .sort((a, b) => (contribution.get(b.term)?.value ?? -1) - (contribution.get(a.term)?.value ?? -1))
    .slice(0, limit);
  const own = new Set(m.challenger.coefficients.map((t) => t.term));
  const row = (
    feature: string,
    contrib: string,
    term: string,
    coef: string,
    other: number | null | undefined,
    diff: string,
  ) =>
    `<tr><td>${feature}</td><td class="num">${contrib}</td><td><code>${h(term, 80)}</code></td><td class="num">${coef}</td>${withChampion ? `<td class="num">${formatNumber(other ?? null)}</td><td class="num">${diff}</td>` : ""}</tr>`;
  const rows = order.map((t) => {
    const c = contribution.get(t.term);
    const other = theirs.get(t.term);
    return row(
      c?.first ? `<code>${h(c.feature, 80)}</code>` : "",
      c?.first ? formatNumber(c.value) : "",
      t.term,
      `${formatNumber(t.coefficient)}${t.standardError !== null ? ` ± ${formatNumber(t.standardError, 2)}` : ""}`,
      other,
      other === undefined ? "new" : formatSigned(t.coefficient - other),
    );
  });
  let dropped = 0;
  for (const t of champion?.coefficients ?? [])
    if (!own.has(t.term) && dropped++ < limit)
      rows.push(row("<em>dropped</em>", "", t.term, "—", t.coefficient, ""));
  const cut = m.challenger.coefficients.length - order.length + Math.max(0, dropped - limit);
  rows.push(
    row(
      "<em>intercept</em>",
      "",
      "",
      formatNumber(m.challenger.intercept),
      champion?.intercept,
      m.challenger.intercept !== null && champion?.intercept != null
        ? formatSigned(m.challenger.intercept - champion.intercept)
        : "—",
    ).replace("<code></code>", ""),
  );
  return `<details><summary>Feature contributions and coefficients</summary><p class="muted">Mean absolute contribution of each feature to the challenger's predictions on the test rows, in the target's units.</p><div class="table-wrap"><table><thead><tr><th scope="col">Feature</th><th scope="col" class="num">Mean abs. contribution</th><th scope="col">Term</th><th scope="col" class="num">Coefficient ± SE</th>${withChampion ? '<th scope="col" class="num">Champion</th><th scope="col" class="num">Change</th>' : ""}</tr></thead><tbody>${rows.join("")}</tbody></table></div>${cut > 0 ? leftOutNote(`${count(cut, "more term")}, the smallest contributions`) : ""}</details>`;
}

/** How a data file fetched by a workflow step was checked, after its hash; nothing otherwise. */
function pinned(pin: ModelReport["data"]["pin"]): string {
  if (pin === undefined) return "";
  const fetched = "; fetched by a workflow step, ";
  switch (pin.kind) {
    case "sha256":
      return `${fetched}its bytes checked against the data spec's <code>sha256:</code>`;
    case "sha256-parts":
      return `${fetched}its ${formatCount(pin.parts)} part files checked against the data spec's <code>sha256:</code> (of their <code>sha256sum</code> lines)`;
    case "dvc":
      return `${fetched}its bytes checked against <code>${h(pin.dvcFile, 160)}</code> (md5 <code>${h(pin.md5.slice(0, 12))}</code>)`;
    case "dvc-dir":
      return `${fetched}its ${formatCount(pin.parts)} part files in <code>${h(pin.folder, 160)}</code> checked with the folder's ${formatCount(pin.files)} files against <code>${h(pin.dvcFile, 160)}</code> (folder md5 <code>${h(pin.md5.slice(0, 12))}</code>)`;
  }
}

/** The data file, its hash, the split and the column profile, collapsed. */
export function dataDetails(m: ModelReport): string {
  const d = m.data;
  const c = m.champion;
  const same = (ours: string, theirs: string | null | undefined, what: string) =>
    !c || !theirs
      ? ""
      : ours === theirs
        ? ` (the same ${what} as the champion's)`
        : ` (changed: the champion's was <code>${h(theirs.slice(0, 12))}</code>)`;
  const date = (v: number | null | undefined) =>
    v === null || v === undefined || !Number.isFinite(v) || Math.abs(v) > 8.64e15
      ? "—"
      : new Date(v).toISOString().slice(0, 10);
  const rows = d.columns.map((col) => {
    const isDate = col.type === "date";
    const at = (v: number | null | undefined) => (isDate ? date(v) : formatNumber(v ?? null));
    const spread =
      isDate && col.std != null
        ? `${formatNumber(col.std / 86_400_000, 3)} days`
        : formatNumber(col.std ?? null);
    return `<tr><td><code>${h(col.name, 80)}</code></td><td>${escapeHtml(col.type)}</td><td class="num">${formatCount(col.missing)}</td><td class="num">${at(col.mean)}</td><td class="num">${spread}</td><td class="num">${at(col.min)}</td><td class="num">${at(col.max)}</td><td class="num">${col.distinct === undefined ? "—" : formatCount(col.distinct)}</td></tr>`;
  });
  return `<details><summary>Data</summary><ul>
<li>File <code>${h(d.file, 160)}</code>, sha256 <code>${h(d.sha256.slice(0, 12))}</code>${same(d.sha256, c?.dataHash, "data")}${pinned(d.pin)}</li>
<li>${formatCount(d.rows)} rows: ${formatCount(d.trainRows)} train, ${formatCount(d.testRows)} test${d.missingTarget > 0 ? `; ${formatCount(d.missingTarget)} without a target, left out` : ""}</li>
<li>Split: ${formatNumber(d.split.test * 100)}% test by a stable hash, salt <code>${h(d.split.salt, 60)}</code></li>
<li>Spec hash <code>${h(m.specHash.slice(0, 12))}</code>${same(m.specHash, c?.specHash, "spec")}; model sha256 <code>${h(m.challenger.modelSha256.slice(0, 12))}</code></li>
</ul>${rows.length ? `<div class="table-wrap"><table><thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col" class="num">Missing</th><th scope="col" class="num">Mean</th><th scope="col" class="num">Std</th><th scope="col" class="num">Min</th><th scope="col" class="num">Max</th><th scope="col" class="num">Distinct</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>` : ""}</details>`;
}

/** The search trials, best first, collapsed. */
export function searchDetails(s: SearchJson, limit = Infinity): string {
  const direction = metricDirection(s.metric);
  const key = (t: SearchJson["trials"][number]) =>
    t.score === null ? Infinity : direction?.higherIsBetter ? -t.score : t.score;
  const all = [...new Set(s.trials.flatMap((t) => t.params.features))];
  const best = s.trials.map((t, k) => ({ t, k })).sort((x, y) => key(x.t) - key(y.t) || x.k - y.k);
  // The best trials, and the chosen one always.
  let listed = best;
  if (best.length > limit) {
    listed = best.slice(0, limit);
    const chosen = best.find((x) => x.k === s.chosen);
    if (chosen && !listed.includes(chosen)) listed = [...best.slice(0, Math.max(0, limit - 1)), chosen];
  }
  const rows = listed.map(({ t, k }) => {
    const has = new Set(t.params.features);
    const command = t.params.command;
    const params = command
      ? Object.entries(command)
          .slice(0, 20)
          .map(([name, v]) => `<code>${h(`${name}: ${String(v)}`, 80)}</code>`)
      : [
          ...(t.params.alpha !== null ? [`α ${formatNumber(t.params.alpha)}`] : []),
          ...Object.entries(t.params.degree).map(([f, d]) => `<code>${h(f, 60)}</code> degree ${d}`),
          all.length === t.params.features.length
            ? `all ${count(t.params.features.length, "feature")}`
            : `without ${all
                .filter((f) => !has.has(f))
                .slice(0, 8)
                .map((f) => `<code>${h(f, 60)}</code>`)
                .join(", ")}`,
        ];
    return `<tr${k === s.chosen ? ' class="chosen"' : ""}><td class="num">${k + 1}</td><td>${params.join(", ")}</td><td class="num">${formatNumber(t.score)}</td><td>${k === s.chosen ? "★ chosen" : ""}</td></tr>`;
  });
  const metric = h(metricName(s.metric), 60);
  return `<details><summary>Search: ${escapeHtml(s.method)}, ${count(s.trials.length + s.omittedTrials, "trial")}</summary><p class="muted">Scored by ${s.folds}-fold cross-validation on the training rows, ${metric}.${s.omittedTrials ? ` ${count(s.omittedTrials, "more trial")} not in the report.` : ""}</p><div class="table-wrap"><table><thead><tr><th scope="col" class="num">Trial</th><th scope="col">Parameters</th><th scope="col" class="num">CV ${metric}</th><th scope="col"></th></tr></thead><tbody>${rows.join("")}</tbody></table></div>${rows.length < s.trials.length ? leftOutNote(`${count(s.trials.length - rows.length, "more trial")} of this report`) : ""}</details>`;
}
