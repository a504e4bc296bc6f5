/**
 * Which report is newer: reports are ordered by the workflow run that made them, never by when
 * their delivery arrived. A run id is given when the run is created, so a later run has a larger
 * id; a re-run keeps its id and gets the next attempt. The order is (run id, attempt).
 */

/** The run (and attempt) a report came from, and the head commit it judged. */
export interface ReportVersion {
  runId: number;
  attempt: number;
  headSha: string;
}

/** Negative when `a` is older than `b`, 0 when the same run attempt, positive when newer. */
export function compareVersions(a: ReportVersion, b: ReportVersion): number {
  return a.runId !== b.runId ? a.runId - b.runId : a.attempt - b.attempt;
}

const VERSION_LINE = /<!-- modelgate:report run=(\d{1,15}) attempt=(\d{1,6}) head=([0-9a-f]{40,64}) -->/;

/** The hidden line that versions a sticky comment. */
export function versionLine(v: ReportVersion): string {
  return `<!-- modelgate:report run=${v.runId} attempt=${v.attempt} head=${v.headSha} -->`;
}

/** The version of a sticky comment's body, or null for a body without one (an older app's). */
export function readVersionLine(body: string): ReportVersion | null {
  const m = VERSION_LINE.exec(body);
  if (!m?.[1] || !m[2] || !m[3]) return null;
  return { runId: Number(m[1]), attempt: Number(m[2]), headSha: m[3] };
}

/** The `modelgate` check's external id: `run:<id>` for a first attempt, `run:<id>:<attempt>` after. */
export function checkExternalId(v: Pick<ReportVersion, "runId" | "attempt">): string {
  return v.attempt > 1 ? `run:${v.runId}:${v.attempt}` : `run:${v.runId}`;
}

/** The run and attempt a `modelgate` check was written for, from its external id. */
export function readCheckExternalId(
  externalId: string | null,
): Pick<ReportVersion, "runId" | "attempt"> | null {
  const m = /^run:(\d{1,15})(?::(\d{1,6}))?$/.exec(externalId ?? "");
  return m?.[1] ? { runId: Number(m[1]), attempt: m[2] ? Number(m[2]) : 1 } : null;
}
