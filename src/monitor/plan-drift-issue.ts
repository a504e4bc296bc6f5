/**
 * The drift issue: one per model, opened on an alert and updated by every later alert, found
 * again by a hidden marker. The engine only plans (create, update, reopen, or nothing, with
 * why); the Action carries the plan out through the REST API.
 *
 * A closed issue means someone handled the alert. It is reopened only by a *new* alert: one
 * whose fingerprint (the production version and the kinds and columns of its alert reasons)
 * differs from the one recorded in the closed issue. The same alert on later runs leaves it
 * closed, so closing an issue is not undone by the next scheduled run.
 */
import { sha256Hex, canonicalJson } from "../canonical-json.js";
import type { MonitorModelReport } from "../report/monitor-report-schema.js";
import { renderMonitorModel } from "./render-monitor-markdown.js";

/** The label every drift issue carries; the search for existing issues is narrowed to it. */
export const DRIFT_ISSUE_LABEL = "modelgate-monitor";

/** GitHub refuses issue bodies over 65,536 characters. */
const MAX_BODY = 60_000;

/** An issue as the plan needs it (a subset of GitHub's issue object). */
export interface ExistingIssue {
  number: number;
  state: "open" | "closed";
  title: string;
  body: string | null;
  /** Pull requests come back from the issues list too; they are never ours. */
  pull_request?: unknown;
}

export type IssuePlan =
  | { action: "none"; reason: string; number?: number }
  | { action: "create"; title: string; body: string; labels: string[] }
  | { action: "update"; number: number; title: string; body: string; reopen: boolean; reason: string };

/** The hidden marker that identifies a model's drift issue (model names are path-safe). */
export function issueMarkerPrefix(model: string): string {
  return `<!-- modelgate-monitor model=${model} `;
}

/** What makes an alert the same alert: the version and the alert reasons' kinds and columns. */
export function alertFingerprint(m: MonitorModelReport): string {
  const reasons = m.reasons
    .filter((r) => r.severity === "alert")
    .map((r) => `${r.kind}:${r.column ?? ""}`)
    .sort();
  return sha256Hex(canonicalJson({ model: m.name, version: m.production.version, reasons }, 0)).slice(0, 16);
}

function fingerprintIn(body: string | null, model: string): string | null {
  if (body === null) return null;
  const start = body.indexOf(issueMarkerPrefix(model));
  if (start < 0) return null;
  const match = /fingerprint=([0-9a-f]{16})/.exec(body.slice(start, start + 200));
  return match?.[1] ?? null;
}

export interface IssueContext {
  /** When this run checked, ISO 8601. */
  checkedAt: string;
  /** The workflow run, to link from the issue. */
  runUrl?: string;
}

/** The issue's title and body for an alert. */
export function renderDriftIssue(
  m: MonitorModelReport,
  context: IssueContext,
): { title: string; body: string } {
  const marker = `${issueMarkerPrefix(m.name)}fingerprint=${alertFingerprint(m)} -->`;
  let section = renderMonitorModel(m);
  if (section.length > MAX_BODY)
    section = `${section.slice(0, MAX_BODY)}\n\n… cut to fit; the full report is in the run's artifact.`;
  const checked = `Last checked ${context.checkedAt}${context.runUrl ? ` in [this run](${encodeURI(context.runUrl)})` : ""}.`;
  return {
    title: `Drift alert: ${m.name} ${m.production.alias} v${m.production.version}`,
    body: [
      marker,
      "",
      section,
      "",
      checked,
      "",
      "Close this issue once handled: the same alert will not reopen it, a new one will.",
      "",
    ].join("\n"),
  };
}

/**
 * What to do about a model's drift issue after a run, given the issues carrying the drift label
 * (open and closed, every page).
 */
export function planDriftIssue(
  m: MonitorModelReport,
  existing: readonly ExistingIssue[],
  context: IssueContext,
): IssuePlan {
  const prefix = issueMarkerPrefix(m.name);
  const ours = existing.filter((i) => i.pull_request === undefined && (i.body ?? "").includes(prefix));
  const open = ours.filter((i) => i.state === "open").sort((a, b) => a.number - b.number)[0];
  if (m.verdict !== "alert")
    return open
      ? { action: "none", reason: `no alert; issue #${open.number} stays as it is`, number: open.number }
      : { action: "none", reason: "no alert" };
  const { title, body } = renderDriftIssue(m, context);
  if (open)
    return { action: "update", number: open.number, title, body, reopen: false, reason: "the alert goes on" };
  const closed = ours.filter((i) => i.state === "closed").sort((a, b) => b.number - a.number)[0];
  if (closed) {
    if (fingerprintIn(closed.body, m.name) === alertFingerprint(m))
      return {
        action: "none",
        reason: `issue #${closed.number} was closed with this same alert; a new alert will reopen it`,
        number: closed.number,
      };
    return { action: "update", number: closed.number, title, body, reopen: true, reason: "a new alert" };
  }
  return { action: "create", title, body, labels: [DRIFT_ISSUE_LABEL] };
}
