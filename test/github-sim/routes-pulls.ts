import { updateIssue } from "./issue-ops.js";
import { mergePullRequest, openPullRequest, setPullState } from "./pull-ops.js";
import { renderPull, renderPullSimple } from "./render-issues.js";
import { paginate, route, type Route } from "./router.js";

const pullsWrite = { permission: "pull_requests", access: "write", role: "read" } as const;

/** Pull requests: get, list (state, head, base filters), create, update, merge. */
export function pullRoutes(): Route[] {
  return [
    route(
      "pulls/get",
      (ctx) => ({
        status: 200,
        body: renderPull(ctx.state, ctx.repo, ctx.state.pull(ctx.repo, Number(ctx.params.pull_number))),
      }),
      { need: { permission: "pull_requests", access: "read" } },
    ),

    route(
      "pulls/list",
      (ctx) => {
        const state = String(ctx.params.state ?? "open");
        const head = typeof ctx.params.head === "string" ? ctx.params.head : undefined;
        const base = typeof ctx.params.base === "string" ? ctx.params.base : undefined;
        const pulls = [...ctx.repo.issues.values()].filter((i) => {
          const p = i.pull;
          if (!p) return false;
          if (state !== "all" && i.state !== state) return false;
          if (base !== undefined && p.baseRef !== base) return false;
          if (head !== undefined) {
            const [owner, ref] = head.includes(":") ? head.split(":", 2) : [head, undefined];
            if (p.headRepo.owner.login.toLowerCase() !== String(owner).toLowerCase()) return false;
            if (ref !== undefined && p.headRef !== ref) return false;
          }
          return true;
        });
        const ascending = ctx.params.direction === "asc";
        pulls.sort((a, b) => (ascending ? a.number - b.number : b.number - a.number));
        const { page, headers } = paginate(
          ctx,
          pulls.map((i) => renderPullSimple(ctx.state, ctx.repo, i)),
        );
        return { status: 200, body: page, headers };
      },
      { need: { permission: "pull_requests", access: "read" } },
    ),

    route(
      "pulls/create",
      (ctx) => {
        const body = ctx.body as {
          title?: string;
          head: string;
          head_repo?: string;
          base: string;
          body?: string;
          draft?: boolean;
        };
        const headRepo = body.head_repo
          ? ctx.state.repo(
              body.head_repo.includes("/") ? body.head_repo : `${body.head_repo}/${ctx.repo.name}`,
            )
          : undefined;
        const issue = openPullRequest(ctx.state, ctx.repo, {
          head: body.head,
          base: body.base,
          user: ctx.actor(),
          ...(headRepo ? { headRepo } : {}),
          ...(body.title !== undefined ? { title: body.title } : {}),
          ...(body.body !== undefined ? { body: body.body } : {}),
          ...(body.draft !== undefined ? { draft: body.draft } : {}),
        });
        return { status: 201, body: renderPull(ctx.state, ctx.repo, issue) };
      },
      { need: pullsWrite },
    ),

    route(
      "pulls/update",
      (ctx) => {
        const number = Number(ctx.params.pull_number);
        const body = ctx.body as { title?: string; body?: string; state?: "open" | "closed" };
        const by = ctx.actor();
        ctx.state.pull(ctx.repo, number);
        if (body.state) setPullState(ctx.state, ctx.repo, number, body.state, by);
        updateIssue(
          ctx.state,
          ctx.repo,
          number,
          {
            ...(body.title !== undefined ? { title: body.title } : {}),
            ...(body.body !== undefined ? { body: body.body } : {}),
          },
          by,
        );
        return { status: 200, body: renderPull(ctx.state, ctx.repo, ctx.state.pull(ctx.repo, number)) };
      },
      { need: pullsWrite },
    ),

    route(
      "pulls/merge",
      (ctx) => {
        const body = (ctx.body ?? {}) as {
          commit_title?: string;
          commit_message?: string;
          sha?: string;
          merge_method?: "merge" | "squash" | "rebase";
        };
        const number = Number(ctx.params.pull_number);
        const sha = mergePullRequest(ctx.state, ctx.repo, number, {
          by: ctx.actor(),
          ...(body.merge_method ? { method: body.merge_method } : {}),
          ...(body.sha ? { sha: body.sha } : {}),
          ...(body.commit_title ? { commitTitle: body.commit_title } : {}),
          ...(body.commit_message ? { commitMessage: body.commit_message } : {}),
        });
        return { status: 200, body: { sha, merged: true, message: "Pull Request successfully merged" } };
      },
      { need: { permission: "contents", access: "write" } },
    ),
  ];
}
