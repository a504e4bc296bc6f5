/**
 * The `modelgate` check on a head commit under concurrent, duplicated and out-of-order deliveries
 * (issue 28; rules in app/README.md, "Convergence"). Check runs cannot be deleted, and GitHub shows
 * (and branch protection reads) the latest one of a name on a commit. So a report is never written
 * over another: a newer report adds a check run (external id `run:<id>[:<attempt>]`), an older or
 * equal one adds nothing, and a writer that finds its check run latest while an earlier one holds
 * a newer report adds a copy of that newer one, so the latest check run always ends up the newest report.
 */
import { CHECK_TEXT_LIMIT, type CheckPlan } from "./check-runs.js";
import type { AppIdentity, GitHubClient, RepoRef } from "./github-client.js";
import { listUntilShown, type ListingWait } from "./read-your-write.js";
import {
  checkExternalId,
  compareVersions,
  readCheckExternalId,
  type ReportVersion,
} from "./report-version.js";

/** One of the app's check runs of a name on a commit. */
export interface OwnCheck {
  id: number;
  version: Pick<ReportVersion, "runId" | "attempt"> | null;
}

/** A check run to add: what `POST .../check-runs` (or GraphQL's `createCheckRun`) takes. */
export interface CheckRunDraft {
  name: string;
  headSha: string;
  status: CheckPlan["status"];
  conclusion?: "success" | "failure" | "neutral";
  externalId?: string;
  output: { title: string; summary: string; text?: string };
}

/** How the check runs of a name on a commit are listed and added: graphql-publication.ts, over GraphQL with REST fallbacks. */
export interface CheckChannel {
  list(name: string, headSha: string): Promise<OwnCheck[]>;
  create(draft: CheckRunDraft): Promise<number>;
}

/** Copies of a newer check run one writer adds at most. */
const MAX_COPIES = 3;

/** The app's own check runs named `name` on `headSha` (every page). */
export async function listOwnChecks(
  client: GitHubClient,
  repo: RepoRef,
  identity: AppIdentity,
  name: string,
  headSha: string,
): Promise<OwnCheck[]> {
  const found: OwnCheck[] = [];
  for await (const page of client.paginate.iterator(client.rest.checks.listForRef, {
    ...repo,
    ref: headSha,
    check_name: name,
    app_id: identity.id,
    filter: "all",
    per_page: 100,
  })) {
    for (const c of page.data)
      if (c.app?.id === identity.id && c.name === name && c.head_sha === headSha)
        found.push({ id: c.id, version: readCheckExternalId(c.external_id) });
  }
  return found;
}

const order = (a: OwnCheck["version"], b: OwnCheck["version"]): number =>
  a === null || b === null
    ? a === null
      ? b === null
        ? 0
        : -1
      : 1
    : compareVersions(a as ReportVersion, b as ReportVersion);

function latestOf(checks: OwnCheck[]): OwnCheck | undefined {
  return checks.reduce<OwnCheck | undefined>((l, c) => (l === undefined || c.id > l.id ? c : l), undefined);
}

function newestOf(checks: OwnCheck[]): OwnCheck | undefined {
  return checks.reduce<OwnCheck | undefined>((n, c) => {
    if (n === undefined) return c;
    const o = order(c.version, n.version);
    return o > 0 || (o === 0 && c.id > n.id) ? c : n;
  }, undefined);
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** What publishing the check did. */
export interface GateCheckOutcome {
  outcome: "created" | "unchanged" | "superseded";
  /** Check runs added (the report's own, then copies of a newer one). */
  created: number[];
}

/** Whether the report of `version` would add a check run to the listing `before` (and so needs the report). */
export function gateCheckNeedsReport(
  before: readonly OwnCheck[],
  version: Pick<ReportVersion, "runId" | "attempt">,
): boolean {
  const latest = latestOf([...before]);
  return !(latest && order(latest.version, version) >= 0);
}

/**
 * Publishes the `modelgate` check of the report of `version` (plan.externalId is replaced).
 * `listed` is a listing of the commit's own check runs of that name the caller just made.
 */
export async function publishGateCheck(
  client: GitHubClient,
  repo: RepoRef,
  channel: CheckChannel,
  plan: CheckPlan,
  version: Pick<ReportVersion, "runId" | "attempt">,
  wait: ListingWait = {},
  listed?: OwnCheck[],
): Promise<GateCheckOutcome> {
  const list = () => channel.list(plan.name, plan.headSha);
  const before = listed ?? (await list());
  const latest = latestOf(before);
  if (latest && order(latest.version, version) >= 0)
    return { outcome: order(latest.version, version) === 0 ? "unchanged" : "superseded", created: [] };
  const id = await channel.create({
    name: plan.name,
    headSha: plan.headSha,
    status: plan.status,
    ...(plan.status === "completed" ? { conclusion: plan.conclusion ?? "neutral" } : {}),
    externalId: checkExternalId(version),
    output: {
      title: clip(plan.title, 250),
      summary: clip(plan.summary, CHECK_TEXT_LIMIT),
      ...(plan.text ? { text: clip(plan.text, CHECK_TEXT_LIMIT) } : {}),
    },
  });
  const created = [id];
  for (let i = 0; i < MAX_COPIES; i++) {
    const mine = created.at(-1)!;
    const listing = await listUntilShown(list, (items) => items.some((c) => c.id === mine), wait);
    if (listing === null) break;
    const last = latestOf(listing)!;
    const newest = newestOf(listing)!;
    if (order(last.version, newest.version) >= 0) break;
    // An older report's check run came last: it must not be what the commit shows.
    const { data: source } = await client.rest.checks.get({ ...repo, check_run_id: newest.id });
    const copy = await channel.create({
      name: plan.name,
      headSha: plan.headSha,
      status: "completed",
      conclusion: (source.conclusion ?? "neutral") as "success" | "failure" | "neutral",
      ...(source.external_id ? { externalId: source.external_id } : {}),
      output: {
        title: source.output.title ?? "",
        summary: source.output.summary ?? "",
        ...(source.output.text ? { text: source.output.text } : {}),
      },
    });
    created.push(copy);
  }
  return { outcome: "created", created };
}
