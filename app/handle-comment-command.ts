/**
 * `/modelgate` commands in issue and PR comments, for people whose role (asked through the API
 * now) meets `app.promoters`. Each command gets one reply, marked with the command comment's
 * id, so a repeated delivery finds the reply and does nothing again. A rollback is a registry
 * commit and a deployment like a promotion, logged with who asked.
 */
import { InputError } from "../src/errors.js";
import { codeSpan, escapeText } from "../src/report/escape-markdown.js";
import { rollback } from "../src/registry/registry-transitions.js";
import { describeProblem } from "./assess-run.js";
import { commitRegistryChange } from "./commit-registry-change.js";
import { deployVersion } from "./deploy-version.js";
import type { AppRuntime, GitHubClient, RepoRef } from "./github-client.js";
import { explainRefusal } from "./handle-merge.js";
import { readDefaultBranch, type DefaultBranchState } from "./handle-workflow-run.js";
import { findMarkedComment, upsertMarkedComment } from "./marked-comment.js";
import { helpText, parseCommand, type Command } from "./parse-command.js";
import { reconcileRepository, type ReconcileOutcome } from "./reconcile.js";
import { renderStatus } from "./render-status.js";
import { fetchRole, mayPromote } from "./repository-role.js";

export interface CommentEvent {
  repo: RepoRef;
  defaultBranch: string;
  issueNumber: number;
  isPullRequest: boolean;
  commentId: number;
  body: string;
  /** When the comment was written: the rollback's timestamp, the same on every delivery. */
  createdAt: string;
  sender: string;
  senderType: string;
}

export interface CommandOutcome {
  handled: boolean;
  command?: Command;
  reply?: string;
}

/** The hidden marker of the reply to one command comment. */
export function replyMarker(commentId: number): string {
  return `<!-- modelgate:command:${commentId} -->`;
}

async function runRollback(
  client: GitHubClient,
  event: CommentEvent,
  state: DefaultBranchState,
  command: Extract<Command, { kind: "rollback" }>,
): Promise<string> {
  const settings = state.settings!;
  const { repo } = event;
  const { model, version, alias } = command;
  const request = {
    model,
    alias,
    version,
    actor: event.sender,
    at: event.createdAt,
    registryDir: settings.registryDir,
    pr: event.isPullRequest ? event.issueNumber : null,
    reason: `/modelgate rollback in #${event.issueNumber} (comment ${event.commentId})`,
  };
  let commit;
  try {
    commit = await commitRegistryChange(client, repo, {
      branch: event.defaultBranch,
      registryDir: settings.registryDir,
      message: `modelgate: roll ${alias} of ${model} back to v${version}\n\nAsked by ${event.sender} in #${event.issueNumber} (comment ${event.commentId}).`,
      transition: (registry) => rollback(registry, request),
    });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return `Nothing was changed:\n\n${error.problems.map((p) => `- ${escapeText(describeProblem(p), 500)}`).join("\n")}`;
  }
  if (commit.status === "refused")
    return explainRefusal(event.defaultBranch, commit.httpStatus, commit.message);
  if (commit.status === "conflict")
    return `The default branch moved on each of ${commit.attempts} attempts; nothing was changed. Try the command again.`;
  let sha: string;
  if (commit.status === "committed") sha = commit.commitSha;
  else {
    // Unchanged: either the alias already pointed there, or this command's commit landed and
    // the reply was lost (then its event is in the log and the deployment may be missing).
    const last = commit.change.registry.models[model]?.events.at(-1);
    const ours = last?.action === "rollback" && last.actor === event.sender && last.at === event.createdAt;
    if (!ours)
      return `${codeSpan(alias)} of ${codeSpan(model)} already points to v${version}; nothing was changed.`;
    sha = commit.headSha;
  }
  const deployment = await deployVersion(client, repo, {
    sha,
    findBySha: false,
    environment: alias,
    description: `modelgate: roll back ${model} to v${version} in ${alias}`,
    served: settings.config.server !== undefined,
    ...(settings.config.server?.url ? { serverUrl: settings.config.server.url } : {}),
    payload: {
      tool: "modelgate",
      trigger: `comment:${event.commentId}`,
      alias,
      models: [{ model, version }],
      registryCommit: commit.status === "committed" ? commit.commitSha : null,
      pr: event.isPullRequest ? event.issueNumber : null,
    },
  });
  const registryCommit = deployment.payload.registryCommit;
  return `↩️ Rolled ${codeSpan(alias)} of ${codeSpan(model)} back to **v${version}**, as asked by ${codeSpan(event.sender)}. Registry commit ${registryCommit ? codeSpan(registryCommit.slice(0, 7)) : "(already recorded)"} on ${codeSpan(event.defaultBranch)}; deployment ${deployment.id} to the ${codeSpan(alias)} environment.`;
}

/** The reply to `/modelgate refresh`: what the reconciliation pass finished. */
export function describeRefresh(outcome: ReconcileOutcome): string {
  const lines = [
    ...outcome.reports.map(
      (r) =>
        `- #${r.pr}: comment and check brought up to run ${r.runId}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ""}.`,
    ),
    ...outcome.promotions.map((p) => `- #${p.pr}: promotion checked (${escapeText(p.status, 40)}).`),
  ];
  return lines.length === 0
    ? "🔄 Refreshed: every open pull request's comment and check were up to date, and no merged promotion was pending."
    : ["🔄 Refreshed:", "", ...lines].join("\n");
}

/** Handles a new comment; comments without a command, and comments by bots, are ignored. */
export async function handleCommentCommand(
  client: GitHubClient,
  runtime: AppRuntime,
  event: CommentEvent,
): Promise<CommandOutcome> {
  const { identity } = runtime;
  if (event.senderType === "Bot") return { handled: false };
  const command = parseCommand(event.body);
  if (command === null) return { handled: false };
  const { repo } = event;
  const marker = replyMarker(event.commentId);
  if (await findMarkedComment(client, repo, event.issueNumber, identity, marker))
    return { handled: false, command };

  const state = await readDefaultBranch(client, repo, event.defaultBranch, runtime.snapshots);
  let reply: string;
  if (state.settings === null || state.registryProblems.length > 0) {
    const problems = [...state.settingsProblems, ...state.registryProblems];
    reply = `The configuration or registry on the default branch cannot be read:\n\n${problems
      .slice(0, 10)
      .map((p) => `- ${escapeText(describeProblem(p), 600)}`)
      .join("\n")}`;
  } else {
    const config = state.settings.config;
    const role = await fetchRole(client, repo, event.sender);
    if (!mayPromote(role, config.promoters))
      reply = `Sorry ${codeSpan(event.sender)}, \`/modelgate\` commands are for people with ${codeSpan(config.promoters)} access or higher to this repository, and yours is ${codeSpan(role)}. Ask a maintainer to run it.`;
    else if (command.kind === "help")
      reply = `${command.problem ? `I did not understand that: ${command.problem}.\n\n` : ""}${helpText(config.labelPrefix, config.aliases)}`;
    else if (command.kind === "status") reply = renderStatus(state.registry, event.defaultBranch, state.sha);
    else if (command.kind === "refresh")
      reply = describeRefresh(await reconcileRepository(client, runtime, repo, event.defaultBranch));
    else reply = await runRollback(client, event, state, command);
  }
  const body = `${marker}\n${reply}\n`;
  await upsertMarkedComment(client, repo, event.issueNumber, identity, marker, () => body);
  return { handled: true, command, reply };
}
