/**
 * The app's check runs: one per name and head commit, created once and then updated, so three
 * deliveries of the same run (or a re-run) leave one `modelgate` check on the commit.
 */
import type { AppIdentity, GitHubClient, RepoRef } from "./github-client.js";

/** GitHub's limit on a check run's output.summary and output.text. */
export const CHECK_TEXT_LIMIT = 65_535;

/** What a check run should say. */
export interface CheckPlan {
  name: string;
  headSha: string;
  status: "completed" | "in_progress";
  conclusion?: "success" | "failure" | "neutral";
  /** The app's own key for what the check is about (e.g. `run:123`); read back by later events. */
  externalId: string;
  title: string;
  summary: string;
  text?: string;
}

export interface OwnCheckRun {
  id: number;
  status: string;
  conclusion: string | null;
  externalId: string | null;
}

/** The app's latest check run named `name` on `headSha`, or null. */
export async function findOwnCheckRun(
  client: GitHubClient,
  repo: RepoRef,
  identity: AppIdentity,
  name: string,
  headSha: string,
): Promise<OwnCheckRun | null> {
  let latest: OwnCheckRun | null = null;
  for await (const page of client.paginate.iterator(client.rest.checks.listForRef, {
    ...repo,
    ref: headSha,
    check_name: name,
    app_id: identity.id,
    filter: "all",
    per_page: 100,
  })) {
    for (const c of page.data) {
      if (c.app?.id !== identity.id || c.name !== name || c.head_sha !== headSha) continue;
      if (latest === null || c.id > latest.id)
        latest = { id: c.id, status: c.status, conclusion: c.conclusion, externalId: c.external_id };
    }
  }
  return latest;
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Creates the check run or updates the app's existing one of that name on the commit. */
export async function upsertCheckRun(
  client: GitHubClient,
  repo: RepoRef,
  identity: AppIdentity,
  plan: CheckPlan,
): Promise<{ id: number; created: boolean }> {
  const output = {
    title: clip(plan.title, 250),
    summary: clip(plan.summary, CHECK_TEXT_LIMIT),
    ...(plan.text ? { text: clip(plan.text, CHECK_TEXT_LIMIT) } : {}),
  };
  const fields = {
    status: plan.status,
    ...(plan.status === "completed" ? { conclusion: plan.conclusion ?? "neutral" } : {}),
    external_id: plan.externalId,
    output,
  };
  const existing = await findOwnCheckRun(client, repo, identity, plan.name, plan.headSha);
  if (existing) {
    await client.rest.checks.update({ ...repo, check_run_id: existing.id, ...fields });
    return { id: existing.id, created: false };
  }
  const { data } = await client.rest.checks.create({
    ...repo,
    name: plan.name,
    head_sha: plan.headSha,
    ...fields,
  });
  return { id: data.id, created: true };
}
