/**
 * The reconciliation pass over everything the app is installed on: each installation, each
 * repository it reaches, `reconcileRepository` (reconcile.ts). The server runs it at start-up and
 * on a schedule, so work a dead replica left undone is finished without anyone asking; every
 * replica may run it, since each step is idempotent.
 */
import type { AppRuntime, GitHubClient } from "./github-client.js";
import { apiMessageOf } from "./github-client.js";
import { reconcileRepository, type ReconcileLimits } from "./reconcile.js";

/** The app's own client (its JWT): the installations. */
export interface AppClient {
  rest: { apps: Pick<GitHubClient["rest"]["apps"], "listInstallations"> };
  paginate: GitHubClient["paginate"];
}

/** What one pass did, for the log. */
export interface InstallationsPassOutcome {
  installations: number;
  repositories: number;
  /** PRs whose comment or check was brought up to date. */
  reports: number;
  /** Merged PRs whose promotion was (re)applied or checked. */
  promotions: number;
  /** Repositories the pass could not finish, and why; the next pass tries again. */
  failures: Array<{ repository: string; message: string }>;
}

/**
 * Reconciles every repository of every installation (suspended ones skipped). `installationClient`
 * gives a client authenticated as an installation. A repository that fails is reported and the
 * pass goes on.
 */
export async function reconcileInstallations(
  appClient: AppClient,
  installationClient: (installationId: number) => Promise<GitHubClient>,
  runtime: AppRuntime,
  limits: ReconcileLimits = {},
): Promise<InstallationsPassOutcome> {
  const outcome: InstallationsPassOutcome = {
    installations: 0,
    repositories: 0,
    reports: 0,
    promotions: 0,
    failures: [],
  };
  const installations = await appClient.paginate(appClient.rest.apps.listInstallations, { per_page: 100 });
  for (const installation of installations) {
    if (installation.suspended_at) continue;
    outcome.installations += 1;
    const client = await installationClient(installation.id);
    const repositories = await client.paginate(client.rest.apps.listReposAccessibleToInstallation, {
      per_page: 100,
    });
    for (const repository of repositories) {
      if (repository.archived) continue;
      outcome.repositories += 1;
      try {
        const done = await reconcileRepository(
          client,
          runtime,
          { owner: repository.owner.login, repo: repository.name },
          repository.default_branch,
          limits,
        );
        outcome.reports += done.reports.length;
        outcome.promotions += done.promotions.length;
      } catch (error) {
        outcome.failures.push({ repository: repository.full_name, message: apiMessageOf(error) });
      }
    }
  }
  return outcome;
}
