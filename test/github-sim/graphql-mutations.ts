import { createCheckRun, type CheckBody } from "./check-ops.js";
import {
  cursorOf,
  fromApiError,
  guard,
  nodeById,
  only,
  unresolvedNode,
  WRITE,
  type GraphQLContext,
  type Source,
} from "./graphql-nodes.js";
import { createComment, deleteComment } from "./issue-ops.js";
import { ROLES, type SimCheckRun } from "./model.js";
import { roleOf } from "./repo-ops.js";
import { ApiError } from "./state-core.js";
import { actorOf } from "./tokens.js";

type Args = Record<string, unknown>;

interface CreateCheckRunInput {
  clientMutationId?: string | null;
  repositoryId: string;
  headSha: string;
  name: string;
  status?: string | null;
  conclusion?: string | null;
  startedAt?: string | null;
  completedAt?: string | null;
  detailsUrl?: string | null;
  externalId?: string | null;
  output?: { title: string; summary: string; text?: string | null } | null;
}

interface DeleteIssueCommentInput {
  clientMutationId?: string | null;
  id: string;
}

interface AddCommentInput {
  clientMutationId?: string | null;
  subjectId: string;
  body: string;
}

/** Runs a state operation, turning its REST-style refusal into GitHub's GraphQL error. */
function viaState<T>(what: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    if (e instanceof ApiError) throw fromApiError(e, what);
    throw e;
  }
}

/** `CreateCheckRunInput` as the REST body the shared operation takes (enums lower case, as REST spells them). */
function checkBody(input: CreateCheckRunInput): CheckBody & { name: string; head_sha: string } {
  const lower = (v: string | null | undefined) => (v == null ? undefined : v.toLowerCase());
  const set = <K extends keyof CheckBody>(key: K, value: CheckBody[K] | null | undefined) =>
    value == null ? {} : { [key]: value };
  return {
    name: input.name,
    head_sha: input.headSha,
    ...set("status", lower(input.status) as SimCheckRun["status"] | undefined),
    ...set("conclusion", lower(input.conclusion)),
    ...set("started_at", input.startedAt),
    ...set("completed_at", input.completedAt),
    ...set("details_url", input.detailsUrl),
    ...set("external_id", input.externalId),
    ...set(
      "output",
      input.output && {
        title: input.output.title,
        summary: input.output.summary,
        ...(input.output.text == null ? {} : { text: input.output.text }),
      },
    ),
  };
}

function repositoryNode(ctx: GraphQLContext, id: string): Extract<Source, { __typename: "Repository" }> {
  const node = nodeById(ctx.state, id);
  if (node?.__typename !== "Repository") throw unresolvedNode(id);
  return node;
}

/**
 * `createCheckRun`, `addComment` and `deleteIssueComment`, through the same state operations as
 * `checks/create`, `issues/create-comment` and `issues/delete-comment` (same state, events and
 * webhooks), with the same permissions.
 */
export function graphqlMutations(): Record<string, { args: readonly string[]; resolve: unknown }> {
  return {
    createCheckRun: {
      args: ["input"],
      resolve: (_s: unknown, a: Args, ctx: GraphQLContext) => {
        const input = a.input as CreateCheckRunInput;
        only(
          input,
          [
            "clientMutationId",
            "repositoryId",
            "headSha",
            "name",
            "status",
            "conclusion",
            "startedAt",
            "completedAt",
            "detailsUrl",
            "externalId",
            "output",
          ],
          "CreateCheckRunInput",
        );
        only(input.output, ["title", "summary", "text"], "CheckRunOutput");
        const { repo } = repositoryNode(ctx, input.repositoryId);
        guard(ctx, repo, WRITE.checks);
        const app = ctx.grant.kind === "installation" ? ctx.grant.installation.app : null;
        const run = viaState(`Could not resolve to a Repository with the name '${repo.fullName}'.`, () =>
          createCheckRun(ctx.state, repo, checkBody(input), app, actorOf(ctx.state, ctx.grant)),
        );
        return {
          clientMutationId: input.clientMutationId ?? null,
          checkRun: { __typename: "CheckRun", repo, run },
        };
      },
    },
    addComment: {
      args: ["input"],
      resolve: (_s: unknown, a: Args, ctx: GraphQLContext) => {
        const input = a.input as AddCommentInput;
        only(input, ["clientMutationId", "subjectId", "body"], "AddCommentInput");
        const subject = nodeById(ctx.state, input.subjectId);
        if (subject?.__typename !== "PullRequest" && subject?.__typename !== "Issue")
          throw unresolvedNode(input.subjectId);
        guard(ctx, subject.repo, WRITE.comment);
        const comment = viaState(unresolvedNode(input.subjectId).message, () =>
          createComment(
            ctx.state,
            subject.repo,
            subject.issue.number,
            input.body,
            actorOf(ctx.state, ctx.grant),
          ),
        );
        const node: Source = { __typename: "IssueComment", repo: subject.repo, comment };
        return {
          clientMutationId: input.clientMutationId ?? null,
          subject,
          commentEdge: { cursor: cursorOf(comment.id), node },
        };
      },
    },
    deleteIssueComment: {
      args: ["input"],
      resolve: (_s: unknown, a: Args, ctx: GraphQLContext) => {
        const input = a.input as DeleteIssueCommentInput;
        only(input, ["clientMutationId", "id"], "DeleteIssueCommentInput");
        const node = nodeById(ctx.state, input.id);
        if (node?.__typename !== "IssueComment") throw unresolvedNode(input.id);
        guard(ctx, node.repo, WRITE.comment);
        // As REST: a person deletes another's comment only with write access.
        const grant = ctx.grant;
        if (grant.kind === "user" && grant.user.id !== node.comment.user.id) {
          const role = roleOf(node.repo, grant.user);
          if (role === null || ROLES.indexOf(role) < ROLES.indexOf("write"))
            throw fromApiError(
              new ApiError(403, "Must have write access to delete another user's comment"),
              "",
            );
        }
        viaState(unresolvedNode(input.id).message, () =>
          deleteComment(ctx.state, node.repo, node.comment.id, actorOf(ctx.state, ctx.grant)),
        );
        return { clientMutationId: input.clientMutationId ?? null };
      },
    },
  };
}
