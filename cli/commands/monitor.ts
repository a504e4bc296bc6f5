/** `modelgate monitor`: drift of new data against the production model; report.json, report.md and report.html. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { canonicalJson } from "../../src/canonical-json.js";
import { ExitCode, InputError, UsageError } from "../../src/errors.js";
import { monitorProject } from "../../src/monitor/monitor-project.js";
import type {
  ColumnDrift,
  MonitorModelReport,
  MonitorReport,
} from "../../src/report/monitor-report-schema.js";
import type { MonitorThresholds } from "../../src/project/monitor-thresholds.js";
import { renderMonitorHtml } from "../../src/monitor/render-monitor-html.js";
import { renderMonitorMarkdown } from "../../src/monitor/render-monitor-markdown.js";
import { cleanText } from "../../src/report/escape-markdown.js";
import { formatNumber } from "../../src/report/format-number.js";
import { registryDirOf, workingTreeSource } from "../../src/model/load-model.js";
import { displayPath, loadProject } from "../../src/project/load-project.js";
import { defineCommand, type CommandDefinition } from "../args.js";
import { headCommit } from "../git.js";
import { rowsFromLog } from "../monitor-from-log.js";

const definition = {
  name: "monitor",
  summary:
    "compare new data with the production model's training data (drift) and, with a target, its performance",
  usage:
    "modelgate monitor --model NAME --data FILE | --from-log FILE [--outcomes FILE] [--config FILE] [--out DIR]",
  details: [
    "  -m, --model NAME    the model to monitor",
    "  -d, --data FILE     the new data, read with the model's data spec (format and columns)",
    "      --from-log FILE the live traffic instead: the prediction log of `modelgate serve`",
    "                      (its rotated files FILE.1, FILE.2 ... too); rows the monitored version scored",
    "      --outcomes FILE with --from-log: true outcomes that arrived later, JSON Lines of",
    '                      {"requestId": ..., "row": 0, <target>: value}, joined by request id and row',
    "  -o, --out DIR       where to write report.json, .md and .html (default ./modelgate-monitor)",
    "      --alias NAME    the version to monitor (default production)",
    "      --psi-warn X    PSI from which a significant shift warns (default: the spec's, else 0.1)",
    "      --psi-alert X   PSI from which a significant shift alerts (default: the spec's, else 0.25)",
    "      --p-value X     significance of the drift tests, corrected for the features (default 0.01)",
    "",
    "Exit codes: 0 ok or warnings, 1 alert, 2 invalid input.",
  ],
  options: {
    model: { type: "string", short: "m" },
    data: { type: "string", short: "d" },
    "from-log": { type: "string" },
    outcomes: { type: "string" },
    out: { type: "string", short: "o", default: "modelgate-monitor" },
    alias: { type: "string", default: "production" },
    "psi-warn": { type: "string" },
    "psi-alert": { type: "string" },
    "p-value": { type: "string" },
  },
} satisfies CommandDefinition;

export const monitorCommand = defineCommand(definition, async ({ values }, io) => {
  if (!values.model) throw new UsageError("monitor: --model NAME is required", `usage: ${definition.usage}`);
  const fromLog = values["from-log"];
  if (!values.data && !fromLog)
    throw new UsageError("monitor: --data FILE or --from-log FILE is required", `usage: ${definition.usage}`);
  if (values.data && fromLog) throw new UsageError("monitor: give --data FILE or --from-log FILE, not both");
  if (values.outcomes && !fromLog)
    throw new UsageError(
      "monitor: --outcomes goes with --from-log",
      "with --data, the target column of the data file holds the outcomes",
    );
  const overrides: Partial<MonitorThresholds> = {
    ...numberFlag("psi-warn", values["psi-warn"], "psiWarn"),
    ...numberFlag("psi-alert", values["psi-alert"], "psiAlert"),
    ...numberFlag("p-value", values["p-value"], "pValue"),
  };
  let project = loadProject(path.resolve(io.cwd, values.config), {
    only: [values.model],
    displayBase: io.cwd,
  });
  const out = path.resolve(io.cwd, values.out);
  const source = workingTreeSource(project.root);
  const registryDir = registryDirOf(project.root, project.registryDir);
  let dataFile = path.resolve(io.cwd, values.data ?? "");
  if (fromLog) {
    const live = await rowsFromLog(project, values.model, {
      log: path.resolve(io.cwd, fromLog),
      ...(values.outcomes ? { outcomes: path.resolve(io.cwd, values.outcomes) } : {}),
      source,
      registryDir,
      alias: values.alias,
      out,
      cwd: io.cwd,
    });
    project = live.project;
    dataFile = live.dataFile;
    io.out(live.summary);
  }
  const result = await monitorProject(project, {
    dataFiles: { [values.model]: dataFile },
    source,
    registryDir,
    alias: values.alias,
    overrides,
    displayBase: io.cwd,
    head: { sha: headCommit(project.root), ref: null },
  });
  if (result.invalid.length > 0) throw new InputError(result.invalid.flatMap((i) => i.problems));

  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "report.json"), canonicalJson(result.report));
  writeFileSync(path.join(out, "report.md"), renderMonitorMarkdown(result.report));
  writeFileSync(path.join(out, "report.html"), renderMonitorHtml(result.report));
  io.out(renderMonitorTerminal(result.report));
  const written = ["report.json", "report.md", "report.html"].map((f) =>
    displayPath(io.cwd, path.join(out, f)),
  );
  io.out(`\nwrote ${written.slice(0, -1).join(", ")} and ${written.at(-1)}\n`);
  return result.report.verdict === "alert" ? ExitCode.gateFailed : ExitCode.ok;
});

function numberFlag<K extends keyof MonitorThresholds>(
  flag: string,
  text: string | undefined,
  key: K,
): Partial<Record<K, number>> {
  if (text === undefined) return {};
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value))
    throw new UsageError(`monitor: --${flag} must be a number, not "${text}"`, `for example --${flag} 0.2`);
  return { [key]: value } as Partial<Record<K, number>>;
}

/** The drift table and the verdict, as plain text for a terminal. */
export function renderMonitorTerminal(report: MonitorReport): string {
  return report.models.map(renderModel).join("\n") + `\nverdict: ${report.verdict.toUpperCase()}\n`;
}

function renderModel(m: MonitorModelReport): string {
  const name = (s: string) => cleanText(s, 40);
  const lines = [
    `${m.name}  ${m.production.alias} v${m.production.version} against ${cleanText(m.data.file, 200)} (${m.data.rows} rows): ${m.verdict}`,
    "",
  ];
  const header = ["column", "role", "PSI", "test", "stat", "p adj", "status"];
  const rows = m.columns.map((c: ColumnDrift) => [
    name(c.name),
    c.role,
    formatNumber(c.psi, 3),
    c.test ? (c.test.kind === "ks" ? "KS" : "chi2") : "-",
    c.test ? formatNumber(c.test.statistic, 3) : "-",
    c.test ? formatNumber(c.test.adjustedPValue, 2) : "-",
    c.status,
  ]);
  for (const c of m.missingColumns) rows.push([name(c.name), c.role, "-", "-", "-", "-", "missing"]);
  for (const n of m.newColumns) rows.push([name(n), "-", "-", "-", "-", "-", "new"]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => [...r[k]!].length)));
  const line = (r: string[]) =>
    r
      .map((cell, k) => (k >= 2 && k <= 5 ? cell.padStart(widths[k]!) : cell.padEnd(widths[k]!)))
      .join("  ")
      .trimEnd();
  lines.push(line(header), ...rows.map(line), "");
  for (const r of m.reasons)
    lines.push(`${r.severity === "alert" ? "ALERT" : "warn "} ${cleanText(r.message, 300)}`);
  if (m.performance) {
    const p = m.performance;
    lines.push(
      `performance on ${p.rows} rows: ${Object.entries(p.metrics)
        .map(([k, e]) => `${k} ${formatNumber(e.value)} (recorded ${formatNumber(p.recorded[k] ?? null)})`)
        .join(", ")}; gate ${p.gate.passed ? "passed" : "FAILED"}`,
    );
  } else if (m.performanceNote) lines.push(`performance: not measured: ${cleanText(m.performanceNote, 300)}`);
  return lines.join("\n") + "\n";
}
