import {
  addLabels,
  comment,
  createComment,
  createIssue,
  deleteComment,
  labelsOf,
  removeLabel,
  updateComment,
  updateIssue,
} from "./issue-ops.js";
import { ROLES } from "./model.js";
import { renderLabel } from "./render-core.js";
import { renderComment, renderIssue } from "./render-issues.js";
import { roleOf } from "./repo-ops.js";
import { paginate, route, type Route, type RouteContext } from "./router.js";
import { ApiError } from "./state-core.js";

const read = { permission: ["issues", "pull_requests"], access: "read" } as const;
// Anyone who can read may comment; the token still needs issues or pull_requests write.
const comment_ = { permission: ["issues", "pull_requests"], access: "write", role: "read" } as const;
const triage = { permission: ["issues", "pull_requests"], access: "write", role: "triage" } as const;

/** Labels as the add/set bodies allow them: strings or `{ name }`, bare or under `labels`. */
function labelNames(body: unknown): string[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === "string"
      ? [body]
      : ((body as { labels?: unknown[] })?.labels ?? []);
  return list.map((l) => (typeof l === "string" ? l : String((l as { name: unknown }).name)));
}

/** Editing someone else's comment takes write access, as on GitHub. */
function assertMayEdit(ctx: RouteContext, author: number): void {
  const grant = ctx.grant;
  if (grant?.kind !== "user" || grant.user.id === author) return;
  const role = roleOf(ctx.repo, grant.user);
  if (role === null || ROLES.indexOf(role) < ROLES.indexOf("write")) {
    throw new ApiError(403, "Must have write access to edit another user's comment");
  }
}

/** Issues, issue comments and labels on issues (pull requests included, as GitHub shares them). */
export function issueRoutes(): Route[] {
  const issueNumber = (ctx: RouteContext) => Number(ctx.params.issue_number);
  return [
    route(
      "issues/get",
      (ctx) => ({
        status: 200,
        body: renderIssue(ctx.state, ctx.repo, ctx.state.issue(ctx.repo, issueNumber(ctx))),
      }),
      { need: read },
    ),

    route(
      "issues/list-for-repo",
      (ctx) => {
        const state = String(ctx.params.state ?? "open");
        const labels =
          typeof ctx.params.labels === "string"
            ? ctx.params.labels.split(",").map((l) => l.trim().toLowerCase())
            : [];
        const creator = typeof ctx.params.creator === "string" ? ctx.params.creator.toLowerCase() : undefined;
        const issues = [...ctx.repo.issues.values()].filter(
          (i) =>
            (state === "all" || i.state === state) &&
            labels.every((l) => i.labels.some((x) => x.toLowerCase() === l)) &&
            (creator === undefined || i.user.login.toLowerCase() === creator),
        );
        const ascending = ctx.params.direction === "asc";
        issues.sort((a, b) => (ascending ? a.number - b.number : b.number - a.number));
        const { page, headers } = paginate(
          ctx,
          issues.map((i) => renderIssue(ctx.state, ctx.repo, i)),
        );
        return { status: 200, body: page, headers };
      },
      { need: read },
    ),

    route(
      "issues/create",
      (ctx) => {
        const body = ctx.body as { title: string | number; body?: string; labels?: unknown[] };
        const issue = createIssue(ctx.state, ctx.repo, {
          title: String(body.title),
          body: body.body ?? null,
          user: ctx.actor(),
          labels: labelNames(body.labels ?? []),
        });
        return { status: 201, body: renderIssue(ctx.state, ctx.repo, issue) };
      },
      { need: { permission: "issues", access: "write", role: "read" } },
    ),

    route(
      "issues/update",
      (ctx) => {
        const body = ctx.body as {
          title?: string | number | null;
          body?: string | null;
          state?: "open" | "closed";
          state_reason?: "completed" | "not_planned" | "reopened" | null;
        };
        const issue = updateIssue(
          ctx.state,
          ctx.repo,
          issueNumber(ctx),
          {
            ...(body.title !== undefined && body.title !== null ? { title: String(body.title) } : {}),
            ...(body.body !== undefined ? { body: body.body } : {}),
            ...(body.state ? { state: body.state } : {}),
            ...(body.state_reason !== undefined ? { stateReason: body.state_reason } : {}),
          },
          ctx.actor(),
        );
        return { status: 200, body: renderIssue(ctx.state, ctx.repo, issue) };
      },
      { need: triage },
    ),

    route(
      "issues/list-comments",
      (ctx) => {
        const issue = ctx.state.issue(ctx.repo, issueNumber(ctx));
        const since = typeof ctx.params.since === "string" ? Date.parse(ctx.params.since) : undefined;
        const comments = issue.commentIds
          .map((id) => comment(ctx.repo, id))
          .filter((c) => ctx.state.listed(c))
          .filter((c) => since === undefined || Date.parse(c.updatedAt) >= since);
        const { page, headers } = paginate(
          ctx,
          comments.map((c) => renderComment(ctx.state, ctx.repo, c)),
        );
        return { status: 200, body: page, headers };
      },
      { need: read },
    ),

    route(
      "issues/get-comment",
      (ctx) => ({
        status: 200,
        body: renderComment(ctx.state, ctx.repo, comment(ctx.repo, Number(ctx.params.comment_id))),
      }),
      { need: read },
    ),

    route(
      "issues/create-comment",
      (ctx) => {
        const c = createComment(
          ctx.state,
          ctx.repo,
          issueNumber(ctx),
          String((ctx.body as { body: string }).body),
          ctx.actor(),
        );
        return {
          status: 201,
          body: renderComment(ctx.state, ctx.repo, c),
          headers: { location: renderComment(ctx.state, ctx.repo, c).url as string },
        };
      },
      { need: comment_ },
    ),

    route(
      "issues/update-comment",
      (ctx) => {
        const id = Number(ctx.params.comment_id);
        assertMayEdit(ctx, comment(ctx.repo, id).user.id);
        const c = updateComment(
          ctx.state,
          ctx.repo,
          id,
          String((ctx.body as { body: string }).body),
          ctx.actor(),
        );
        return { status: 200, body: renderComment(ctx.state, ctx.repo, c) };
      },
      { need: comment_ },
    ),

    route(
      "issues/delete-comment",
      (ctx) => {
        const id = Number(ctx.params.comment_id);
        assertMayEdit(ctx, comment(ctx.repo, id).user.id);
        deleteComment(ctx.state, ctx.repo, id, ctx.actor());
        return { status: 204 };
      },
      { need: comment_ },
    ),

    route(
      "issues/list-labels-on-issue",
      (ctx) => {
        const labels = labelsOf(ctx.repo, ctx.state.issue(ctx.repo, issueNumber(ctx)));
        const { page, headers } = paginate(
          ctx,
          labels.map((l) => renderLabel(ctx.state, ctx.repo, l)),
        );
        return { status: 200, body: page, headers };
      },
      { need: read },
    ),

    route(
      "issues/add-labels",
      (ctx) => {
        const labels = addLabels(ctx.state, ctx.repo, issueNumber(ctx), labelNames(ctx.body), ctx.actor());
        return { status: 200, body: labels.map((l) => renderLabel(ctx.state, ctx.repo, l)) };
      },
      { need: triage },
    ),

    route(
      "issues/remove-label",
      (ctx) => {
        const labels = removeLabel(
          ctx.state,
          ctx.repo,
          issueNumber(ctx),
          String(ctx.params.name),
          ctx.actor(),
        );
        return { status: 200, body: labels.map((l) => renderLabel(ctx.state, ctx.repo, l)) };
      },
      { need: triage },
    ),
  ];
}
