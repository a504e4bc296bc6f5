/** The drift issue's plan, the markdown renderer's escaping, and the thresholds section. */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import {
  monitorReportSchema,
  type MonitorModelReport,
  type MonitorReport,
} from "../../src/report/monitor-report-schema.js";
import { DEFAULT_THRESHOLDS, resolveThresholds } from "../../src/project/monitor-thresholds.js";
import {
  DRIFT_ISSUE_LABEL,
  alertFingerprint,
  planDriftIssue,
  type ExistingIssue,
} from "../../src/monitor/plan-drift-issue.js";
import {
  renderMonitorMarkdown,
  renderMonitorSummaryLine,
} from "../../src/monitor/render-monitor-markdown.js";

const hostile = "[click](https://evil.example) @octocat <img src=x> #1";

function model(verdict: MonitorModelReport["verdict"] = "alert"): MonitorModelReport {
  return {
    name: "price",
    task: "regression",
    production: {
      alias: "production",
      version: 3,
      modelSha256: "a".repeat(64),
      specHash: "b".repeat(64),
      dataHash: "c".repeat(64),
      trainingRows: 1200,
      createdAt: "2024-05-01T12:00:00Z",
    },
    data: { file: "incoming/new.csv", sha256: "d".repeat(64), rows: 500, format: "csv" },
    thresholds: { ...DEFAULT_THRESHOLDS, psiEpsilon: 1e-4, minExpected: 5, tests: 2 },
    verdict,
    reasons:
      verdict === "ok"
        ? []
        : [
            {
              severity: verdict,
              kind: "drift",
              column: "area",
              message: "area: PSI 0.412 (at least 0.25), KS D 0.31, adjusted p 1.2e-9",
            },
            {
              severity: "warn",
              kind: "unseen_category",
              column: "district",
              message: `district: 1 value the production model never saw ("${hostile}") in 40 of 500 new rows`,
            },
          ],
    columns: [
      {
        name: "area",
        role: "feature",
        type: "number",
        status: verdict === "ok" ? "ok" : verdict,
        psi: 0.412,
        psiNoise: 0.02,
        test: {
          kind: "ks",
          statistic: 0.31,
          pValue: 6e-10,
          adjustedPValue: 1.2e-9,
          significant: true,
          method: "exact",
          training: 1200,
          current: 500,
        },
        training: { count: 1200, missing: 0, mean: 70, std: 12, min: 30, max: 120 },
        current: { count: 490, missing: 10, mean: 82, std: 13, min: 35, max: 140 },
        bins: [{ label: "< 30", training: 0, current: 0.01 }],
        unseen: [],
        unseenOmitted: 0,
        note: "PSI 0.412 (at least 0.25), KS D 0.31, adjusted p 1.2e-9",
      },
      {
        name: `district|${hostile}`,
        role: "feature",
        type: "category",
        status: "warn",
        psi: 0.05,
        psiNoise: 0.01,
        test: null,
        training: { count: 1200, missing: 0 },
        current: { count: 500, missing: 0 },
        bins: [],
        unseen: [{ value: hostile, count: 40 }],
        unseenOmitted: 0,
        note: "",
      },
    ],
    newColumns: [hostile],
    missingColumns: [],
    performance: null,
    performanceNote: "the new data has no target column (price)",
    warnings: [],
  };
}

const report = (m: MonitorModelReport): MonitorReport => ({
  schemaVersion: 1,
  kind: "monitor",
  tool: { name: "modelgate", version: "0.1.0" },
  head: { sha: null, ref: null },
  base: null,
  passed: m.verdict !== "alert",
  verdict: m.verdict,
  models: [m],
});

describe("markdown", () => {
  it("is valid report.json input and renders names from data inert", () => {
    const r = report(model());
    monitorReportSchema.parse(r);
    const md = renderMonitorMarkdown(r);
    expect(md.split("\n")[0]).toBe("## 🔴 alert: modelgate monitor");
    expect(renderMonitorSummaryLine(r)).toBe("price v3: alert (1 alert, 1 warning)");
    // Outside code spans nothing can link, mention, reference or inject HTML.
    const prose = md.replace(/(`+)[^`]*?\1/g, "");
    expect(prose).not.toMatch(/\]\(https?:/);
    expect(prose).not.toMatch(/(^|[^\\])@octocat/);
    expect(prose).not.toMatch(/(^|[^\\])<img/);
    expect(prose).not.toMatch(/(^|[^\\])#1/);
    // In the table, a pipe in a name cannot open a new cell.
    const row = md.split("\n").find((l) => l.startsWith("| `district"))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(12);
    expect(md).toContain(`Unseen in \`district|${hostile}\`: \`${hostile}\` (40).`);
    expect(md).toContain("the new data has no target column \\(price\\)");
  });

  it("points out a high PSI that is not significant, and shows dates as dates", () => {
    const m = model("ok");
    const area = m.columns[0]!;
    const quiet = {
      ...area,
      status: "ok" as const,
      psi: 0.3,
      test: { ...area.test!, pValue: 0.2, adjustedPValue: 0.4, significant: false, current: 30 },
    };
    const day = {
      ...area,
      name: "sold",
      type: "date" as const,
      training: { count: 10, missing: 0, mean: Date.UTC(2020, 5, 1), std: 86_400_000 * 3, min: 0, max: 0 },
    };
    const md = renderMonitorMarkdown(report({ ...m, columns: [quiet, day], newColumns: [] }));
    expect(md).toContain(
      "PSI at or above 0.1 without a significant test (too few rows to tell from noise): `area` (PSI 0.3, adjusted p 0.4, 30 new values).",
    );
    expect(md).toContain("mean 2020-06-01, sd 3 days");
  });

  it("says so when there is nothing to report", () => {
    const m = model("ok");
    const md = renderMonitorMarkdown(report({ ...m, columns: [m.columns[0]!], newColumns: [] }));
    expect(md).toContain("## 🟢 ok: modelgate monitor");
    expect(md).toContain("No drift, no missing or new columns, no unseen categories.");
    expect(md).toMatch(/Under no drift the chance of any drift warning is at most 0\.01 per run/);
  });
});

const issue = (
  number: number,
  state: "open" | "closed",
  body: string | null,
  extra: Partial<ExistingIssue> = {},
) => ({
  number,
  state,
  title: "t",
  body,
  ...extra,
});
const context = {
  checkedAt: "2024-06-01T06:17:00.000Z",
  runUrl: "https://github.com/acme/models/actions/runs/9",
};

describe("the drift issue plan", () => {
  it("opens one issue with the label and marker when there is none", () => {
    const plan = planDriftIssue(model(), [], context);
    expect(plan).toMatchObject({
      action: "create",
      labels: [DRIFT_ISSUE_LABEL],
      title: "Drift alert: price production v3",
    });
    if (plan.action !== "create") throw new Error("unreachable");
    expect(
      plan.body.startsWith(`<!-- modelgate-monitor model=price fingerprint=${alertFingerprint(model())} -->`),
    ).toBe(true);
    expect(plan.body).toContain(
      "Last checked 2024-06-01T06:17:00.000Z in [this run](https://github.com/acme/models/actions/runs/9).",
    );
  });

  it("updates the oldest open issue of this model, ignoring other models, pull requests and other bodies", () => {
    const ours = "<!-- modelgate-monitor model=price fingerprint=0000000000000000 -->";
    const plan = planDriftIssue(
      model(),
      [
        issue(9, "open", ours),
        issue(4, "open", ours),
        issue(2, "open", "<!-- modelgate-monitor model=price-eu fingerprint=0000000000000000 -->"),
        issue(1, "open", ours, { pull_request: {} }),
        issue(3, "open", null),
      ],
      context,
    );
    expect(plan).toMatchObject({ action: "update", number: 4, reopen: false });
  });

  it("leaves a closed issue closed for the same alert, reopens it for a new one", () => {
    const m = model();
    const same = `<!-- modelgate-monitor model=price fingerprint=${alertFingerprint(m)} -->`;
    expect(planDriftIssue(m, [issue(5, "closed", same)], context)).toMatchObject({
      action: "none",
      number: 5,
    });
    const older = "<!-- modelgate-monitor model=price fingerprint=0123456789abcdef -->";
    expect(planDriftIssue(m, [issue(5, "closed", older), issue(7, "closed", older)], context)).toMatchObject({
      action: "update",
      number: 7,
      reopen: true,
    });
  });

  it("does nothing without an alert, even with an open issue", () => {
    const ours = "<!-- modelgate-monitor model=price fingerprint=0000000000000000 -->";
    expect(planDriftIssue(model("warn"), [issue(4, "open", ours)], context)).toMatchObject({
      action: "none",
      number: 4,
    });
    expect(planDriftIssue(model("ok"), [], context)).toEqual({ action: "none", reason: "no alert" });
  });

  it("fingerprints the version and the alert reasons, not the numbers or the warnings", () => {
    const m = model();
    const a = alertFingerprint(m);
    const numbers = { ...m, reasons: m.reasons.map((r) => ({ ...r, message: `${r.message} (again)` })) };
    expect(alertFingerprint(numbers)).toBe(a);
    expect(alertFingerprint({ ...m, reasons: m.reasons.filter((r) => r.severity === "alert") })).toBe(a);
    expect(alertFingerprint({ ...m, production: { ...m.production, version: 4 } })).not.toBe(a);
    expect(
      alertFingerprint({
        ...m,
        reasons: [...m.reasons, { severity: "alert", kind: "missing_column", column: "rooms", message: "x" }],
      }),
    ).not.toBe(a);
  });
});

describe("thresholds", () => {
  it("default, from the spec's monitor section, and overridden", () => {
    expect(resolveThresholds({}, "m.yml")).toEqual(DEFAULT_THRESHOLDS);
    expect(resolveThresholds({ monitor: { psiWarn: 0.2, psiAlert: 0.5 } }, "m.yml")).toMatchObject({
      psiWarn: 0.2,
      psiAlert: 0.5,
      pValue: 0.01,
    });
    expect(
      resolveThresholds({ monitor: { psiWarn: 0.2 } }, "m.yml", { pValue: 0.05, psiAlert: undefined }),
    ).toMatchObject({
      psiWarn: 0.2,
      psiAlert: 0.25,
      pValue: 0.05,
    });
  });

  it("refuses what cannot be meant, naming the file and key", () => {
    const fail = (spec: unknown) => {
      try {
        resolveThresholds(spec, "models/m.yml");
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).problems[0]!;
      }
      throw new Error("no error");
    };
    expect(fail({ monitor: { psiWarn: 0.3, psiAlert: 0.2 } }).message).toMatch(
      /psiWarn must not be above psiAlert/,
    );
    expect(fail({ monitor: { pValue: 2 } })).toMatchObject({ file: "models/m.yml", field: "monitor.pValue" });
    expect(fail({ monitor: { psi: 0.1 } }).message).toMatch(/psi/);
    expect(fail({ monitor: "high" }).message).toMatch(/must be a mapping/);
  });
});
