/**
 * A deployment for a registry change: one per promotion or rollback, to the environment named
 * after the alias. With a model server configured (`app.server`), its first status is `queued`
 * and the server reports the rest (in_progress, then success or failure); without one, `success`
 * at once, saying that nothing reports serving. Found again by its trigger before anything is
 * created, so a repeated delivery neither deploys twice nor adds a second status.
 */
import type { GitHubClient, RepoRef } from "./github-client.js";

/** What the app puts in a deployment's payload (read by whoever deploys the model). */
export interface DeploymentPayload {
  tool: "modelgate";
  /** What caused it, unique per change: `pr:<number>@<head sha>` or `comment:<id>`. */
  trigger: string;
  alias: string;
  models: { model: string; version: number }[];
  /** The registry commit that holds the change, when known. */
  registryCommit: string | null;
  pr: number | null;
}

export interface DeploymentRequest {
  /** The commit deployed. */
  sha: string;
  /** Look for an earlier deployment of this trigger on `sha` only (when the commit is known in advance). */
  findBySha?: boolean;
  environment: string;
  description: string;
  payload: DeploymentPayload;
  /** Whether a `modelgate serve` reports this deployment's progress (`app.server` is set). */
  served?: boolean;
  /** Where that server answers (`app.server.url`), shown on the queued status. */
  serverUrl?: string;
}

/** The first status of a deployment, and what it says. */
export function initialStatus(request: Pick<DeploymentRequest, "description" | "served">): {
  state: "queued" | "success";
  description: string;
} {
  return request.served
    ? { state: "queued", description: `${request.description}; waiting for modelgate serve` }
    : { state: "success", description: `${request.description} (registry only: no server configured)` };
}

export interface DeploymentResult {
  id: number;
  created: boolean;
  statusCreated: boolean;
  /** The deployment's payload: the earlier one's when it existed already. */
  payload: DeploymentPayload;
}

function payloadOf(raw: unknown): Partial<DeploymentPayload> | null {
  if (typeof raw === "string") {
    try {
      return JSON.parse(raw) as Partial<DeploymentPayload>;
    } catch {
      return null;
    }
  }
  return raw && typeof raw === "object" ? (raw as Partial<DeploymentPayload>) : null;
}

/** Creates the deployment and its first status ({@link initialStatus}), unless they exist already. */
export async function deployVersion(
  client: GitHubClient,
  repo: RepoRef,
  request: DeploymentRequest,
): Promise<DeploymentResult> {
  let existing: number | undefined;
  let payload = request.payload;
  for await (const page of client.paginate.iterator(client.rest.repos.listDeployments, {
    ...repo,
    ...(request.findBySha === false ? {} : { sha: request.sha }),
    environment: request.environment,
    per_page: 100,
  })) {
    const found = page.data.find((d) => {
      const p = payloadOf(d.payload);
      return p?.tool === "modelgate" && p.trigger === request.payload.trigger;
    });
    if (found) {
      existing = found.id;
      const earlier = payloadOf(found.payload);
      payload = {
        ...request.payload,
        registryCommit: earlier?.registryCommit ?? request.payload.registryCommit,
      };
      break;
    }
  }
  let id: number;
  let created = false;
  if (existing === undefined) {
    const { data, status } = await client.rest.repos.createDeployment({
      ...repo,
      ref: request.sha,
      environment: request.environment,
      description: request.description.slice(0, 140),
      auto_merge: false,
      required_contexts: [],
      payload: { ...request.payload },
      production_environment: request.environment === "production",
    });
    if (status !== 201 || !("id" in data)) throw new Error(`GitHub did not create the deployment: ${status}`);
    id = data.id;
    created = true;
  } else {
    id = existing;
    const { data: statuses } = await client.rest.repos.listDeploymentStatuses({
      ...repo,
      deployment_id: id,
      per_page: 100,
    });
    // With a server, any status means the deployment is under way (the server may be ahead of us).
    const done = request.served ? statuses.length > 0 : statuses.some((s) => s.state === "success");
    if (done) return { id, created, statusCreated: false, payload };
  }
  const first = initialStatus(request);
  await client.rest.repos.createDeploymentStatus({
    ...repo,
    deployment_id: id,
    state: first.state,
    environment: request.environment,
    description: first.description.slice(0, 140),
    ...(first.state === "success" ? { auto_inactive: true } : {}),
    ...(first.state === "queued" && request.serverUrl ? { environment_url: request.serverUrl } : {}),
  });
  return { id, created, statusCreated: true, payload };
}
