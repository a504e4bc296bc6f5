/**
 * The HTML report: one self-contained page (inline CSS, inline SVG, no script, nothing fetched;
 * a Content-Security-Policy forbids it anyway) that people open from the run's artifact.
 * Rendered from report.json plus, for the charts of predictions, the scored test rows, which
 * report.json does not carry.
 */
import { dataChangeDetails, dataOnlyCallout } from "./html-data-change.js";
import { commandDetails } from "./html-command.js";
import { escapeHtml } from "./escape-markdown.js";
import { formatNumber } from "./format-number.js";
import type { ModelReport, Report } from "./report-schema.js";
import type { MetricHistory } from "./metric-history.js";
import { REPORT_CSS } from "./report-css.js";
import { DETAIL_LEVELS, summariseModel, type ReportDetail } from "./summarise-report.js";
import { h, htmlPage, metricName, directionText, badge, count } from "./html-format.js";
import {
  intervalFigure,
  predictionFigures,
  historyFigure,
  sliceFigure,
  reportedCalibration,
  type ScoredRows,
} from "./html-figures.js";
import {
  championLine,
  failures,
  warnings,
  metricTable,
  fairnessTables,
  gateTable,
  coefficientsDetails,
  dataDetails,
  searchDetails,
} from "./html-sections.js";
export { REPORT_CSS } from "./report-css.js";
export type { ScoredRows } from "./html-figures.js";

export interface HtmlOptions {
  /** Per model name: its scored test rows, for the prediction charts (left out without them). */
  scored?: Readonly<Record<string, ScoredRows>>;
  /** Per model name: the primary metric of earlier registry versions, as for `renderMarkdown`. */
  history?: MetricHistory;
  /** Points per series in a scatter chart at most; more rows are sampled evenly. Default 2,000. */
  maxPoints?: number;
  /** The page title; default "modelgate report". */
  title?: string;
  /**
   * Bytes (UTF-8) the page may have; default 4 MiB. A bigger report is summarised, level by
   * level (`DETAIL_LEVELS`), and the page says what it left out; report.json keeps everything.
   */
  maxBytes?: number;
}

export const DEFAULT_MAX_POINTS = 2_000;

/** The default size limit of a page: a few MB opens quickly in any browser. */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/** Room kept for the page around the models: head, style sheet, navigation, notes, footer. */
const PAGE_RESERVE = 64 * 1024;

/**
 * Renders the whole report as one self-contained HTML page of at most `maxBytes`: with every
 * detail when it fits, else at the first level of detail that fits, else the headline of as many
 * models as fit and one line for each of the others.
 */
export function renderHtml(report: Report, options: HtmlOptions = {}): string {
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const room = max - PAGE_RESERVE;
  for (const [level, detail] of DETAIL_LEVELS.entries()) {
    const sections: string[] = [];
    const leftOut = new Set<string>();
    let bytes = 0;
    for (const [k, m] of report.models.entries()) {
      const summary = summariseModel(m, detail);
      const section = renderModel(summary.model, k, options, detail, summary.leftOut);
      summary.kinds.forEach((kind) => leftOut.add(kind));
      bytes += Buffer.byteLength(section) + 1;
      if (bytes > room) break;
      sections.push(section);
    }
    if (sections.length === report.models.length) {
      const page = renderPage(
        report,
        options,
        sections,
        level === 0 ? null : shortenedNote([...leftOut], max),
      );
      if (Buffer.byteLength(page) <= max) return page;
    }
  }
  // The headline of each model while they fit, then one line per model.
  const last = DETAIL_LEVELS[DETAIL_LEVELS.length - 1]!;
  const sections: string[] = [];
  let bytes = 0;
  let k = 0;
  for (; k < report.models.length; k++) {
    const summary = summariseModel(report.models[k]!, last);
    const section = renderModel(summary.model, k, options, last, summary.leftOut);
    if (bytes + Buffer.byteLength(section) + (report.models.length - k) * 200 > room) break;
    bytes += Buffer.byteLength(section) + 1;
    sections.push(section);
  }
  const rest = report.models.slice(k);
  if (rest.length > 0)
    sections.push(
      `<section class="model" id="model-rest"><h2>${count(rest.length, "more model")}</h2><p class="muted">Only the verdict of each: report.json has their metrics and details.</p><ul>${rest.map((m, i) => `<li id="model-${k + i}">${badge(m.passed)} ${h(m.name, 64)}: ${m.passed ? "passed" : "failed"}</li>`).join("")}</ul></section>`,
    );
  return renderPage(
    report,
    options,
    sections,
    shortenedNote(
      [
        "the details of each model",
        ...(rest.length > 0 ? [`the tables of ${count(rest.length, "model")}`] : []),
      ],
      max,
    ),
  );
}

/** The note at the top of a shortened page: what it leaves out, and where everything is. */
function shortenedNote(leftOut: string[], max: number): string {
  const limit = `${Number((max / (1024 * 1024)).toFixed(1))} MB`;
  return `<div class="callout warn" role="note"><strong>Shortened to stay under ${escapeHtml(limit)}</strong><p>This page leaves out ${escapeHtml(leftOut.join("; ") || "some detail")}; each model says what it left out. The complete data is in <code>report.json</code>, beside this page in the run's <code>modelgate-report-*</code> artifact.</p></div>`;
}

function renderPage(report: Report, options: HtmlOptions, sections: string[], note: string | null): string {
  const title = options.title ?? "modelgate report";
  const failed = report.models.filter((m) => !m.passed).length;
  const verdict =
    report.models.length === 0
      ? "no models were evaluated"
      : failed === 0
        ? `the gate passed for ${count(report.models.length, "model")}`
        : `the gate failed for ${failed} of ${count(report.models.length, "model")}`;
  const commits = [
    report.head.ref || report.head.sha
      ? `head ${[report.head.ref ? h(report.head.ref, 80) : "", report.head.sha ? `<code>${h(report.head.sha.slice(0, 12))}</code>` : ""].filter(Boolean).join(" at ")}`
      : "",
    report.base && (report.base.ref || report.base.sha)
      ? `base ${[report.base.ref ? h(report.base.ref, 80) : "", report.base.sha ? `<code>${h(report.base.sha.slice(0, 12))}</code>` : ""].filter(Boolean).join(" at ")}`
      : "",
  ].filter(Boolean);
  const models = sections.join("\n");
  const nav =
    report.models.length > 1
      ? `<nav aria-label="Models"><ul>${report.models.map((m, k) => `<li><a href="#model-${k}">${badge(m.passed)} ${h(m.name, 64)}</a></li>`).join("")}</ul></nav>`
      : "";
  return htmlPage({
    title,
    css: REPORT_CSS,
    header: `<p class="verdict ${failed === 0 ? "pass" : "fail"}">${badge(failed === 0)} ${escapeHtml(verdict)}</p>
${commits.length ? `<p class="muted">${commits.join(" · ")}</p>` : ""}
${nav}${note ?? ""}`,
    main: models,
    howToRead:
      'Change is challenger − champion on the same test rows. Its interval is a paired bootstrap interval (95% unless the spec sets another confidence): <span class="mark better">better</span> or <span class="mark worse">worse</span> when it excludes zero, <span class="mark neutral">not significant</span> when it includes zero. Whiskers in the charts are the bootstrap intervals of each metric. The gate decides on the point values and the rules of the spec.',
    colophon: `${h(`modelgate ${report.tool.version}`, 60)} · report schema ${report.schemaVersion} · ${escapeHtml(report.kind)}`,
  });
}

function renderModel(
  m: ModelReport,
  index: number,
  options: HtmlOptions,
  detail: ReportDetail,
  leftOut: readonly string[],
): string {
  const id = `model-${index}`;
  const algo = m.challenger.algorithm;
  const alpha = algo.alpha !== null && algo.type !== "linear" ? ` (α ${formatNumber(algo.alpha)})` : "";
  const primary = metricName(m.primaryMetric);
  const charts: string[] = [intervalFigure(m, `${id}-metrics`)];
  const scored = options.scored?.[m.name];
  const points = Math.min(options.maxPoints ?? DEFAULT_MAX_POINTS, detail.points);
  if (scored && points > 0) charts.push(...predictionFigures(m, scored, id, points));
  else if (m.calibration && m.calibration.length > 0)
    charts.push(reportedCalibration(m.calibration, `${id}-predicted`));
  const history = historyFigure(m, options.history?.[m.name], `${id}-history`);
  if (history) charts.push(history);
  const slices = m.slices.map((s, k) => sliceFigure(m, s, `${id}-slice-${k}`));

  return `<section class="model" id="${id}" aria-labelledby="${id}-name">
<header>
<h2 id="${id}-name">${badge(m.passed)} ${h(m.name, 64)} <span class="status ${m.passed ? "pass" : "fail"}">${m.passed ? "passed" : "failed"}</span></h2>
<p class="muted">${h(m.task, 40)} · ${h(algo.type, 40)}${escapeHtml(alpha)} · primary metric ${h(primary, 80)}</p>
${m.description ? `<p>${h(m.description, 500)}</p>` : ""}
<p>${championLine(m)}</p>
</header>
${dataOnlyCallout(m)}${failures(m)}
${warnings(m)}${leftOut.length > 0 ? `<div class="callout" role="note"><strong>Left out of this page</strong><p>${escapeHtml(leftOut.join("; "))}: report.json has them all.</p></div>` : ""}
${metricTable(m)}
<div class="charts">
${charts.join("\n")}
</div>
${slices.length ? `<h3>Slices</h3><p class="muted">${h(primary, 80)} per group of the test rows${directionText(m.primaryMetric)}; ⚠ marks the challenger's worst group.</p><div class="charts">${slices.join("\n")}</div>` : ""}
${fairnessTables(m)}
<h3>Gate rules</h3>
${gateTable(m)}
${coefficientsDetails(m, detail.terms)}
${dataChangeDetails(m)}
${dataDetails(m)}
${m.search ? searchDetails(m.search, detail.trials) : ""}
${m.command ? commandDetails(m.command, `${id}-command`) : ""}
</section>`;
}
