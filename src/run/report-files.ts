/** The files a run leaves behind: report.json, report.md, report.html and the model files. */
import { canonicalJson } from "../canonical-json.js";
import type { Registry } from "../registry/registry-document.js";
import { renderHtml } from "../report/render-html.js";
import { renderMarkdown, type MetricHistory } from "../report/render-markdown.js";
import type { Report } from "../report/report-schema.js";
import type { ModelEvaluation } from "./evaluate-model.js";

/** Each model's primary metric across its registry versions, for the history charts. */
export function metricHistory(registry: Registry, report: Report): MetricHistory {
  const out: Record<string, { version: number; value: number | null }[]> = {};
  for (const m of report.models) {
    const entry = registry.models[m.name];
    if (!entry) continue;
    out[m.name] = entry.versions.map((v) => ({
      version: v.version,
      value: v.metrics[m.primaryMetric] ?? null,
    }));
  }
  return out;
}

/** Relative path -> content of every file of a report folder. */
export function reportFiles(
  report: Report,
  evaluations: readonly ModelEvaluation[],
  history: MetricHistory = {},
): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = {
    "report.json": canonicalJson(report),
    "report.md": renderMarkdown(report, { history }),
    "report.html": renderHtml(report, {
      history,
      scored: Object.fromEntries(evaluations.map((e) => [e.report.name, e.scored])),
    }),
  };
  for (const e of evaluations) {
    files[`models/${e.report.name}.json`] = e.modelText;
    // An ONNX model's bytes travel with the model file that pins them.
    if (e.onnxBytes !== undefined) files[`models/${e.report.name}.onnx`] = e.onnxBytes;
    // A training command's output, one log per run (each bounded when it ran, at most 500).
    for (const [run, log] of Object.entries(e.commandLogs ?? {}).slice(0, 500))
      files[`runs/${e.report.name}/${run}/output.log`] = log;
  }
  return files;
}
