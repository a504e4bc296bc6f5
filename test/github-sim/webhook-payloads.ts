import type { SimInstallation, SimRepo } from "./model.js";
import { renderLabel, renderRepo, renderUser } from "./render-core.js";
import { renderWorkflowRun } from "./render-ci.js";
import { renderComment, renderIssue, renderPull } from "./render-issues.js";
import type { SimEvent } from "./sim-events.js";
import type { StateCore } from "./state-core.js";
import { validateWebhook, webhookExamples } from "./webhook-spec.js";

/** A webhook ready to sign: event name (`X-GitHub-Event`), action and payload. */
export interface WebhookMessage {
  event: string;
  action: string | undefined;
  payload: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** Our fields over the example's: objects merge key by key, anything else (arrays too) is ours. */
function overlay(example: unknown, ours: unknown): unknown {
  if (!isObject(example) || !isObject(ours)) return ours === undefined ? example : ours;
  const out: Json = { ...example };
  for (const [k, v] of Object.entries(ours)) out[k] = overlay(example[k], v);
  return out;
}

const exampleCache = new Map<string, Json>();

/**
 * The published example to start from: the first one for this action that itself passes the schema
 * (several do not, see README), else the first one for the action, else any of the event. Fields the
 * simulator does not model (reactions, `allow_squash_merge`...) keep the example's values.
 */
function baseExample(event: string, action: string): Json {
  const key = `${event}.${action}`;
  const cached = exampleCache.get(key);
  if (cached) return structuredClone(cached);
  const candidates = webhookExamples(event, action);
  const chosen =
    candidates.find((e) => validateWebhook(event, action, e).length === 0) ??
    candidates[0] ??
    webhookExamples(event)[0] ??
    {};
  // Organisation and enterprise blocks describe the example's owner, not ours.
  const { organization: _o, enterprise: _e, installation: _i, ...rest } = chosen;
  exampleCache.set(key, rest);
  return structuredClone(rest);
}

function common(
  core: StateCore,
  repo: SimRepo,
  sender: Parameters<typeof renderUser>[1],
  installation: SimInstallation | undefined,
): Json {
  return {
    repository: renderRepo(core, repo),
    sender: renderUser(core, sender),
    ...(installation
      ? { installation: { id: installation.id, node_id: core.nodeId("Installation", installation.id) } }
      : {}),
  };
}

/**
 * Renders the webhook GitHub would send for an event, from the state as it is now (call it when
 * the event happens). Undefined for events the simulator does not deliver.
 */
export function buildWebhook(
  core: StateCore,
  event: SimEvent,
  installation: SimInstallation | undefined,
): WebhookMessage | undefined {
  const base = common(core, event.repo, event.sender, installation);
  switch (event.name) {
    case "pull_request": {
      const issue = core.pull(event.repo, event.number);
      const ours: Json = {
        action: event.action,
        number: event.number,
        pull_request: renderPull(core, event.repo, issue),
        ...base,
        ...(event.label ? { label: renderLabel(core, event.repo, event.label) } : {}),
        ...(event.action === "synchronize" ? { before: event.before, after: event.after } : {}),
      };
      const example = baseExample("pull_request", event.action);
      if (event.action !== "labeled" && event.action !== "unlabeled") delete example.label;
      return { event: "pull_request", action: event.action, payload: overlay(example, ours) as Json };
    }
    case "issue_comment": {
      const issue = core.issue(event.repo, event.number);
      const ours: Json = {
        action: event.action,
        issue: renderIssue(core, event.repo, issue),
        comment: renderComment(core, event.repo, event.comment),
        ...base,
      };
      return {
        event: "issue_comment",
        action: event.action,
        payload: overlay(baseExample("issue_comment", event.action), ours) as Json,
      };
    }
    case "workflow_run": {
      const run = event.repo.workflowRuns.find((r) => r.id === event.runId);
      if (!run) return undefined;
      const workflowUrl = `${core.apiUrl}/repos/${event.repo.fullName}/actions/workflows/${run.workflowId}`;
      const ours: Json = {
        action: event.action,
        workflow_run: renderWorkflowRun(core, event.repo, run),
        workflow: {
          id: run.workflowId,
          node_id: core.nodeId("Workflow", run.workflowId),
          name: run.name,
          path: run.path,
          state: "active",
          url: workflowUrl,
          html_url: `${core.serverUrl}/${event.repo.fullName}/blob/${event.repo.defaultBranch}/${run.path}`,
          badge_url: `${core.serverUrl}/${event.repo.fullName}/workflows/${encodeURIComponent(run.name)}/badge.svg`,
          created_at: run.createdAt,
          updated_at: run.updatedAt,
        },
        ...base,
      };
      return {
        event: "workflow_run",
        action: event.action,
        payload: overlay(baseExample("workflow_run", event.action), ours) as Json,
      };
    }
    default:
      return undefined;
  }
}
