/**
 * GitHub deployment statuses that mean something: when the server starts loading a version the
 * App deployed, the deployment goes `in_progress`; once the version answers, `success` with the
 * server's URL; when it is refused, `failure` with the reason. The client is injected.
 *
 * The App creates the deployment after the registry commit, so a server may load a version
 * before its deployment exists. Every poll therefore also settles what is left open: a
 * deployment of a version this server serves, or refused, whose statuses end in none of
 * success, failure, error or inactive, gets the status the server would have posted.
 */
import type { FollowEvent } from "../src/serve/model-table.js";

type DeploymentState = "in_progress" | "success" | "failure";

/** The part of an Octokit client this file uses. */
export interface DeploymentsClient {
  rest: {
    repos: {
      listDeployments(params: {
        owner: string;
        repo: string;
        environment: string;
        per_page: number;
      }): Promise<{ data: { id: number; payload: unknown }[] }>;
      createDeploymentStatus(params: {
        owner: string;
        repo: string;
        deployment_id: number;
        state: DeploymentState;
        environment: string;
        description: string;
        environment_url?: string;
        auto_inactive?: boolean;
      }): Promise<unknown>;
      listDeploymentStatuses(params: {
        owner: string;
        repo: string;
        deployment_id: number;
        per_page: number;
      }): Promise<{ data: { state: string }[] }>;
    };
  };
}

/** States after which a deployment needs nothing more from the server. */
const SETTLED = new Set(["success", "failure", "error", "inactive"]);

/** Where statuses go and what URL a success names. */
export interface DeploymentReporterOptions {
  client: DeploymentsClient;
  repo: { owner: string; repo: string };
  /** The server's public URL, for `environment_url`. */
  url: string;
}

function payloadOf(raw: unknown): { tool?: unknown; models?: unknown } | null {
  if (typeof raw === "string") {
    try {
      return JSON.parse(raw) as { tool?: unknown; models?: unknown };
    } catch {
      return null;
    }
  }
  return raw && typeof raw === "object" ? (raw as { tool?: unknown; models?: unknown }) : null;
}

/** Whether a deployment's payload (as the App writes it) names `model` at `version`. */
export function deploysVersion(payload: unknown, model: string, version: number): boolean {
  const p = payloadOf(payload);
  return (
    p?.tool === "modelgate" &&
    Array.isArray(p.models) &&
    p.models.some((m: { model?: unknown; version?: unknown }) => m.model === model && m.version === version)
  );
}

/** Posts deployment statuses for loads; a failure to post is logged by the caller, never fatal. */
export class DeploymentReporter {
  /** Deployments this process has settled or found settled. */
  private readonly settled = new Set<number>();
  /** Versions refused, by `alias/model@version`, with the reason. */
  private readonly refused = new Map<string, string>();

  constructor(private readonly options: DeploymentReporterOptions) {}

  /**
   * Settles the open deployments of what is served (`success`) and of what was refused
   * (`failure`), for deployments created after the load or the refusal.
   */
  async settle(serving: readonly { model: string; alias: string; version: number }[]): Promise<void> {
    const { client, repo } = this.options;
    const wanted = [
      ...serving.map((s) => ({ ...s, reason: null as string | null })),
      ...[...this.refused].map(([key, reason]) => {
        const [, alias, model, version] = /^(.*)\/(.*)@(\d+)$/.exec(key)!;
        return { alias: alias!, model: model!, version: Number(version), reason };
      }),
    ];
    for (const w of wanted) {
      const { data } = await client.rest.repos.listDeployments({
        ...repo,
        environment: w.alias,
        per_page: 100,
      });
      for (const d of data) {
        if (this.settled.has(d.id) || !deploysVersion(d.payload, w.model, w.version)) continue;
        const { data: statuses } = await client.rest.repos.listDeploymentStatuses({
          ...repo,
          deployment_id: d.id,
          per_page: 100,
        });
        this.settled.add(d.id);
        if (statuses.some((s) => SETTLED.has(s.state))) continue;
        if (w.reason === null)
          await this.post(d.id, w.alias, "success", `${w.model} v${w.version} is serving`, this.options.url);
        else await this.post(d.id, w.alias, "failure", `${w.model} v${w.version} refused: ${w.reason}`);
      }
    }
  }

  /** The newest deployment to `alias`'s environment of `model` at `version`, if the App made one. */
  async find(alias: string, model: string, version: number): Promise<number | null> {
    const { client, repo } = this.options;
    const { data } = await client.rest.repos.listDeployments({ ...repo, environment: alias, per_page: 100 });
    const found = data.find((d) => deploysVersion(d.payload, model, version));
    return found?.id ?? null;
  }

  /** `in_progress` for a version about to load. */
  async loading(alias: string, model: string, version: number): Promise<void> {
    const id = await this.find(alias, model, version);
    if (id !== null) await this.post(id, alias, "in_progress", `loading ${model} v${version}`);
  }

  /** `success` or `failure` for what a refresh did. */
  async followed(event: FollowEvent): Promise<void> {
    if (event.kind === "missing") return;
    if (event.kind === "failed")
      this.refused.set(`${event.alias}/${event.model}@${event.version}`, event.reason);
    const id = await this.find(event.alias, event.model, event.version);
    if (id === null) return;
    this.settled.add(id);
    if (event.kind === "loaded")
      await this.post(
        id,
        event.alias,
        "success",
        `${event.model} v${event.version} is serving`,
        this.options.url,
      );
    else
      await this.post(
        id,
        event.alias,
        "failure",
        `${event.model} v${event.version} refused: ${event.reason}`,
      );
  }

  private async post(
    id: number,
    environment: string,
    state: DeploymentState,
    description: string,
    url?: string,
  ) {
    const { client, repo } = this.options;
    await client.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: id,
      state,
      environment,
      description: description.slice(0, 140),
      ...(url ? { environment_url: url } : {}),
      ...(state === "success" ? { auto_inactive: true } : {}),
    });
  }
}
