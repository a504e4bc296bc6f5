/**
 * A deployment for a registry change: one per promotion or rollback, to the environment named
 * after the alias, with a success status. Found again by its trigger before anything is
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

/** Creates the deployment and its success status, unless they exist already. */
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
    if (statuses.some((s) => s.state === "success")) return { id, created, statusCreated: false, payload };
  }
  await client.rest.repos.createDeploymentStatus({
    ...repo,
    deployment_id: id,
    state: "success",
    environment: request.environment,
    description: request.description.slice(0, 140),
    auto_inactive: true,
  });
  return { id, created, statusCreated: true, payload };
}
