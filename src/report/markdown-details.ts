/**
 * The collapsed detail sections of one model in the Markdown report: slices, fairness,
 * calibration, coefficients, data, search and the history chart.
 */
import { metricDirection } from "../evaluate/metrics.js";
import { codeSpan, escapeHtmlForGitHub, escapeText, mermaidLabel } from "./escape-markdown.js";
import { formatNumber } from "./format-number.js";
import type {
  ChampionJson,
  CalibrationBinJson,
  ExplanationJson,
  FairnessJson,
  MetricEstimateJson,
  ModelReport,
  SearchJson,
  SliceJson,
} from "./report-schema.js";
import type { HistoryPoint } from "./metric-history.js";
import {
  SOME_GROUPS,
  MAX_TRIALS,
  metricLabel,
  table,
  interval,
  change,
  formatDate,
  formatCount,
  plural,
  type Level,
} from "./markdown-format.js";

/** The primary metric per group of each slice column, the worst group flagged. */
export function slicesSection(m: ModelReport, level: Level): string {
  const primary = m.primaryMetric;
  const direction = metricDirection(primary);
  const blocks: string[] = [
    `${metricLabel(primary)} per group of the test rows` +
      (direction ? ` (${direction.higherIsBetter ? "higher" : "lower"} is better)` : "") +
      "; ⚠️ marks the challenger's worst group.",
  ];
  for (const s of m.slices) blocks.push(sliceTable(s, m, level));
  return blocks.join("\n\n");
}

function sliceTable(s: SliceJson, m: ModelReport, level: Level): string {
  const primary = m.primaryMetric;
  const withChampion = s.groups.some((g) => g.champion !== null);
  let groups = s.groups;
  if (level.slices === "some" && groups.length > SOME_GROUPS) {
    const keep = new Set(
      groups
        .map((g, k) => ({ g, k }))
        .sort((x, y) => Number(y.g.worst) - Number(x.g.worst) || y.g.rows - x.g.rows || x.k - y.k)
        .slice(0, SOME_GROUPS)
        .map((x) => x.k),
    );
    groups = groups.filter((_, k) => keep.has(k));
  }
  const hidden = s.groups.length - groups.length + s.omittedGroups;
  const rows = groups.map((g) => {
    const own = g.metrics[primary] ?? null;
    const theirs = g.champion?.[primary] ?? null;
    const flag = g.worst ? "⚠️ worst" : g.tooSmall ? "too small" : "";
    const name = codeSpan(g.group, { inTable: true, max: 80 });
    return withChampion
      ? [name, formatCount(g.rows), formatNumber(theirs), formatNumber(own), change(own, theirs), flag]
      : [name, formatCount(g.rows), formatNumber(own), flag];
  });
  const header = withChampion
    ? ["Group", "Rows", "Champion", "Challenger", "Change", ""]
    : ["Group", "Rows", "Challenger", ""];
  const align = withChampion ? ["l", "r", "r", "r", "r", "l"] : ["l", "r", "r", "l"];
  return (
    `**By ${codeSpan(s.column, { max: 80 })}**` +
    (hidden > 0 ? ` (${plural(hidden, "more group")} not listed)` : "") +
    `\n\n${table([header, ...rows], align)}`
  );
}

/** Feature contributions, then the coefficients beside the champion's, term by term. */
export function coefficientsSection(m: ModelReport): string {
  const champion = m.champion;
  const theirs = new Map((champion?.coefficients ?? []).map((t) => [t.term, t.coefficient]));
  const withChampion = champion !== null && champion.coefficients.length > 0;
  const seen = new Set<string>();
  const rows: string[][] = [];
  const ordered: ExplanationJson[] = [...m.explanations].sort(
    (a, b) => b.meanAbsContribution - a.meanAbsContribution,
  );
  const termRow = (
    feature: string,
    contribution: string,
    term: string,
    own: number | null,
    se: number | null,
  ) => {
    const other = theirs.get(term) ?? null;
    const ownText =
      own === null ? "—" : `${formatNumber(own)}${se !== null ? ` ± ${formatNumber(se, 2)}` : ""}`;
    return withChampion
      ? [
          feature,
          contribution,
          codeSpan(term, { inTable: true, max: 80 }),
          ownText,
          formatNumber(other),
          change(own, other),
        ]
      : [feature, contribution, codeSpan(term, { inTable: true, max: 80 }), ownText];
  };
  for (const e of ordered) {
    e.terms.forEach((t, k) => {
      seen.add(t.term);
      rows.push(
        termRow(
          k === 0 ? codeSpan(e.feature, { inTable: true, max: 80 }) : "",
          k === 0 ? formatNumber(e.meanAbsContribution) : "",
          t.term,
          t.coefficient,
          t.standardError,
        ),
      );
    });
  }
  // Terms without an explanation (none today, but the report allows it), then the champion's dropped ones.
  for (const t of m.challenger.coefficients)
    if (!seen.has(t.term)) {
      seen.add(t.term);
      rows.push(termRow("", "", t.term, t.coefficient, t.standardError));
    }
  for (const t of champion?.coefficients ?? [])
    if (!seen.has(t.term)) rows.push(termRow("*(dropped)*", "", t.term, null, null));
  const intercept = [
    "*(intercept)*",
    "",
    "",
    formatNumber(m.challenger.intercept),
    ...(withChampion
      ? [formatNumber(champion.intercept), change(m.challenger.intercept, champion.intercept)]
      : []),
  ];
  rows.push(intercept);
  const header = withChampion
    ? ["Feature", "Mean abs. contribution", "Term", "Coefficient ± SE", "Champion", "Change"]
    : ["Feature", "Mean abs. contribution", "Term", "Coefficient ± SE"];
  return (
    "Mean absolute contribution of each feature to the challenger's predictions on the test rows, in the target's units; " +
    (withChampion
      ? "coefficients of the challenger beside the champion's, term by term."
      : "coefficients of the challenger.") +
    `\n\n${table([header, ...rows], withChampion ? ["l", "r", "l", "r", "r", "r"] : ["l", "r", "l", "r"])}`
  );
}

/** Group rates and parity differences per sensitive column. */
export function fairnessSection(fairness: FairnessJson[], level: Level): string {
  const blocks = [
    "Rates of the challenger per group of each sensitive column, and the largest difference between groups " +
      "(0 is parity; the interval is a bootstrap interval).",
  ];
  for (const f of fairness) {
    let groups = f.groups;
    if (level.slices === "some" && groups.length > SOME_GROUPS)
      groups = [...groups].sort((a, b) => b.rows - a.rows).slice(0, SOME_GROUPS);
    const hidden = f.groups.length - groups.length;
    const difference = (label: string, e: MetricEstimateJson) =>
      `${label} ${formatNumber(e.value)}${e.ci ? ` ${interval(e.ci)}` : ""}${e.value === null && e.reason ? ` (${escapeText(e.reason, 160)})` : ""}`;
    const rows = groups.map((g) => [
      codeSpan(g.group, { inTable: true, max: 80 }),
      formatCount(g.rows),
      formatCount(g.positives),
      formatNumber(g.positiveRate),
      formatNumber(g.truePositiveRate),
      g.tooSmall ? "too small" : "",
    ]);
    blocks.push(
      `**By ${codeSpan(f.column, { max: 80 })}**: ${difference("parity difference", f.parityDifference)}; ` +
        `${difference("equal opportunity difference", f.equalOpportunityDifference)}` +
        (hidden > 0 ? ` (${plural(hidden, "more group")} not listed)` : "") +
        `\n\n${table(
          [["Group", "Rows", "Positives", "Predicted positive", "True positive rate", ""], ...rows],
          ["l", "r", "r", "r", "r", "l"],
        )}`,
    );
  }
  return blocks.join("\n\n");
}

/** The challenger's calibration bins as a table. */
export function calibrationSection(bins: CalibrationBinJson[]): string {
  const rows = bins.map((b) => [
    String(b.bin + 1),
    `${formatNumber(b.minPredicted, 3)} to ${formatNumber(b.maxPredicted, 3)}`,
    formatCount(b.rows),
    formatNumber(b.meanPredicted, 3),
    formatNumber(b.observedRate, 3),
  ]);
  return (
    "Test rows binned by predicted probability: a calibrated model's observed rate matches its mean prediction.\n\n" +
    table(
      [["Bin", "Predicted", "Rows", "Mean predicted", "Observed rate"], ...rows],
      ["r", "l", "r", "r", "r"],
    )
  );
}

/** The data file, its hash, the split and a profile of the columns. */
export function dataSection(m: ModelReport): string {
  const d = m.data;
  const c: ChampionJson | null = m.champion;
  const same = (ours: string, theirs: string | null | undefined, what: string) =>
    !c || !theirs
      ? ""
      : ours === theirs
        ? ` (the same ${what} as the champion's)`
        : ` (changed: the champion's was ${codeSpan(theirs.slice(0, 12))})`;
  const lines = [
    `- File ${codeSpan(d.file, { max: 160 })}, sha256 ${codeSpan(d.sha256.slice(0, 12))}${same(d.sha256, c?.dataHash, "data")}` +
      pinned(d.pin),
    `- ${formatCount(d.rows)} rows: ${formatCount(d.trainRows)} train, ${formatCount(d.testRows)} test` +
      (d.missingTarget > 0 ? `; ${formatCount(d.missingTarget)} without a target, left out` : ""),
    `- Split: ${formatNumber(d.split.test * 100)}% test by a stable hash, salt ${codeSpan(d.split.salt, { max: 60 })}`,
    `- Spec hash ${codeSpan(m.specHash.slice(0, 12))}${same(m.specHash, c?.specHash, "spec")}; model sha256 ${codeSpan(m.challenger.modelSha256.slice(0, 12))}`,
  ];
  if (d.columns.length === 0) return lines.join("\n");
  const rows = d.columns.map((col) => {
    // Dates are profiled as epoch milliseconds; people read them as dates and spreads in days.
    const date = col.type === "date";
    const at = (v: number | null | undefined) => (date ? formatDate(v) : formatNumber(v ?? null));
    const spread =
      date && col.std !== null && col.std !== undefined
        ? `${formatNumber(col.std / 86_400_000, 3)} days`
        : formatNumber(col.std ?? null);
    return [
      codeSpan(col.name, { inTable: true, max: 80 }),
      col.type,
      formatCount(col.missing),
      at(col.mean),
      spread,
      at(col.min),
      at(col.max),
      col.distinct === undefined ? "—" : formatCount(col.distinct),
    ];
  });
  return `${lines.join("\n")}\n\n${table(
    [["Column", "Type", "Missing", "Mean", "Std", "Min", "Max", "Distinct"], ...rows],
    ["l", "l", "r", "r", "r", "r", "r", "r"],
  )}`;
}

/** The summary line of the search section: method and number of trials. */
export function searchTitle(s: SearchJson): string {
  const n = s.trials.length + s.omittedTrials;
  return `${escapeHtmlForGitHub(s.method, 20)}, ${plural(n, "trial")}`;
}

function describeTrial(t: SearchJson["trials"][number], allFeatures: readonly string[]): string {
  const command = t.params.command;
  if (command)
    return (
      Object.entries(command)
        .slice(0, 10)
        .map(([k, v]) => codeSpan(`${k}: ${String(v)}`, { inTable: true, max: 60 }))
        .join(", ") || "the command's defaults"
    );
  const parts: string[] = [];
  if (t.params.alpha !== null) parts.push(`α ${formatNumber(t.params.alpha)}`);
  for (const [f, degree] of Object.entries(t.params.degree))
    parts.push(`${codeSpan(f, { inTable: true, max: 60 })} degree ${degree}`);
  const has = new Set(t.params.features);
  const missing = allFeatures.filter((f) => !has.has(f));
  parts.push(
    missing.length === 0
      ? `all ${plural(t.params.features.length, "feature")}`
      : `without ${missing
          .slice(0, 5)
          .map((f) => codeSpan(f, { inTable: true, max: 60 }))
          .join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}`,
  );
  return parts.join(", ");
}

/** The search trials, best first, the chosen one marked. */
export function searchSection(s: SearchJson, level: Level): string {
  const chosen = s.trials[s.chosen];
  const allFeatures = [...new Set(s.trials.flatMap((t) => t.params.features))];
  const metric = metricLabel(s.metric);
  const intro =
    `${plural(s.trials.length + s.omittedTrials, "trial")}, scored by ${s.folds}-fold cross-validation on the training rows, ${metric}.` +
    (chosen
      ? ` Chosen: trial ${s.chosen + 1} (${describeTrial(chosen, allFeatures)}), CV ${metric} ${formatNumber(chosen.score)}.`
      : "");
  if (!level.trials) return intro;
  const direction = metricDirection(s.metric);
  // Best first; trials without a score last.
  const key = (t: SearchJson["trials"][number]) =>
    t.score === null ? Infinity : direction?.higherIsBetter ? -t.score : t.score;
  const order = s.trials.map((t, k) => ({ t, k })).sort((x, y) => key(x.t) - key(y.t) || x.k - y.k);
  const listed = order.slice(0, MAX_TRIALS);
  if (!listed.some((x) => x.k === s.chosen) && chosen) listed.push({ t: chosen, k: s.chosen });
  const rows = listed.map(({ t, k }) => [
    String(k + 1),
    describeTrial(t, allFeatures),
    formatNumber(t.score),
    k === s.chosen ? "★ chosen" : "",
  ]);
  const hidden = s.trials.length - listed.length + s.omittedTrials;
  return (
    `${intro}\n\n${table([["Trial", "Parameters", `CV ${metric}`, ""], ...rows], ["r", "l", "r", "l"])}` +
    (hidden > 0 ? `\n\n${plural(hidden, "more trial")} not listed.` : "")
  );
}

/** Mermaid chart of the primary metric across registry versions, then this candidate. */
export function historySection(m: ModelReport, history: readonly HistoryPoint[] | undefined): string | null {
  if (!history || history.length === 0) return null;
  const points = [...history]
    .filter((p) => Number.isInteger(p.version) && p.value !== null && Number.isFinite(p.value))
    .sort((a, b) => a.version - b.version)
    .slice(-30)
    .map((p) => ({ label: `v${p.version}`, value: p.value! }));
  const own = m.challenger.metrics[m.primaryMetric]?.value ?? null;
  if (own !== null && Number.isFinite(own)) points.push({ label: "this PR", value: own });
  if (points.length < 2) return null;
  const label = mermaidLabel(metricDirection(m.primaryMetric)?.label ?? m.primaryMetric);
  const direction = metricDirection(m.primaryMetric);
  const chart = [
    "```mermaid",
    "xychart-beta",
    `  title "${label} by version"`,
    `  x-axis [${points.map((p) => `"${p.label}"`).join(", ")}]`,
    `  y-axis "${label}"`,
    `  line [${points.map((p) => chartNumber(p.value)).join(", ")}]`,
    "```",
  ].join("\n");
  const text = points.map((p) => `${p.label} ${formatNumber(p.value)}`).join(" → ");
  return `${chart}\n\n${text}${direction ? ` (${direction.higherIsBetter ? "higher" : "lower"} is better)` : ""}`;
}

/** A number mermaid parses: plain decimal, no exponent, six significant digits. */
function chartNumber(v: number): string {
  const r = Number(v.toPrecision(6));
  const text = String(r);
  if (!text.includes("e")) return text;
  const decimals = Math.min(20, Math.max(0, 5 - Math.floor(Math.log10(Math.abs(r)))));
  return r.toFixed(decimals);
}

/** How data fetched by a workflow step were checked, after their hash; nothing otherwise. */
function pinned(pin: ModelReport["data"]["pin"]): string {
  if (pin === undefined) return "";
  const fetched = "; fetched by a workflow step, ";
  switch (pin.kind) {
    case "sha256":
      return `${fetched}its bytes checked against the data spec's \`sha256:\``;
    case "sha256-parts":
      return `${fetched}its ${formatCount(pin.parts)} part files checked against the data spec's \`sha256:\` (of their \`sha256sum\` lines)`;
    case "dvc":
      return `${fetched}its bytes checked against ${codeSpan(pin.dvcFile, { max: 160 })} (md5 ${codeSpan(pin.md5.slice(0, 12))})`;
    case "dvc-dir":
      return `${fetched}its ${formatCount(pin.parts)} part files in ${codeSpan(pin.folder, { max: 160 })} checked with the folder's ${formatCount(pin.files)} files against ${codeSpan(pin.dvcFile, { max: 160 })} (folder md5 ${codeSpan(pin.md5.slice(0, 12))})`;
  }
}
