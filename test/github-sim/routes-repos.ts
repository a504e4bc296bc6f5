import type { SimIssue } from "./model.js";
import { renderContentItem } from "./render-git.js";
import { renderRepo, renderUser } from "./render-core.js";
import { renderPullSimple } from "./render-issues.js";
import { commitInRepo, createRepo, resolveRef, roleOf } from "./repo-ops.js";
import { paginate, route, type Route } from "./router.js";
import { ApiError } from "./state-core.js";

/** Repositories, contents, collaborator permission, commit -> pulls. */
export function repoRoutes(): Route[] {
  return [
    route("repos/get", (ctx) => ({ status: 200, body: renderRepo(ctx.state, ctx.repo) })),

    route("repos/create-for-authenticated-user", (ctx) => {
      const user = ctx.actor();
      if (ctx.grant?.kind !== "user") throw new ApiError(403, "Resource not accessible by integration");
      const body = ctx.body as { name: string; description?: string; private?: boolean; auto_init?: boolean };
      const repo = createRepo(ctx.state, {
        owner: user.login,
        name: body.name,
        private: body.private ?? false,
        ...(body.description !== undefined ? { description: body.description } : {}),
      });
      return { status: 201, body: renderRepo(ctx.state, repo) };
    }),

    route(
      "repos/get-content",
      (ctx) => {
        const ref = typeof ctx.params.ref === "string" ? ctx.params.ref : ctx.repo.defaultBranch;
        const sha = resolveRef(ctx.repo, ref);
        const tree = ctx.repo.git.commit(sha)?.tree ?? "";
        const path = String(ctx.params.path).replace(/^\/+|\/+$/g, "");
        const entry = ctx.repo.git.lookup(tree, path);
        if (!entry) throw new ApiError(404, "Not Found");
        const accept = String(ctx.headers.accept ?? "");
        if (entry.type === "blob" && accept.includes(".raw")) {
          const data = ctx.repo.git.blob(entry.sha) ?? Buffer.alloc(0);
          return { status: 200, raw: { data, contentType: "application/vnd.github.raw; charset=utf-8" } };
        }
        if (entry.type === "tree") {
          const items = (ctx.repo.git.tree(entry.sha) ?? []).map((e) =>
            renderContentItem(ctx.state, ctx.repo, ref, path ? `${path}/${e.path}` : e.path, e, false),
          );
          return { status: 200, body: items };
        }
        return { status: 200, body: renderContentItem(ctx.state, ctx.repo, ref, path, entry, true) };
      },
      { greedy: ["path"], need: { permission: "contents", access: "read" } },
    ),

    route("repos/get-collaborator-permission-level", (ctx) => {
      const user = ctx.state.user(String(ctx.params.username));
      const role = roleOf(ctx.repo, user);
      // GitHub maps roles onto the legacy `permission`: triage reads, maintain writes.
      const permission =
        role === null ? "none" : role === "triage" ? "read" : role === "maintain" ? "write" : role;
      const at = (r: string) =>
        role !== null &&
        ["read", "triage", "write", "maintain", "admin"].indexOf(role) >=
          ["read", "triage", "write", "maintain", "admin"].indexOf(r);
      return {
        status: 200,
        body: {
          permission,
          role_name: role ?? "none",
          user: {
            ...renderUser(ctx.state, user),
            permissions: {
              pull: at("read"),
              triage: at("triage"),
              push: at("write"),
              maintain: at("maintain"),
              admin: at("admin"),
            },
            role_name: role ?? "none",
          },
        },
      };
    }),

    route(
      "repos/list-pull-requests-associated-with-commit",
      (ctx) => {
        const sha = String(ctx.params.commit_sha);
        if (!ctx.repo.git.commit(sha)) throw new ApiError(422, `No commit found for SHA: ${sha}`);
        // A commit that exists only in a fork is not associated with the base repository's PRs.
        if (!commitInRepo(ctx.repo, sha)) return { status: 200, body: [] };
        const pulls = [...ctx.repo.issues.values()].filter(
          (i): i is SimIssue & { pull: NonNullable<SimIssue["pull"]> } => {
            const p = i.pull;
            if (!p) return false;
            if (p.mergeCommitSha === sha) return true;
            return (
              p.headRepo === ctx.repo &&
              (i.state === "open" || p.merged) &&
              ctx.repo.git.isAncestor(sha, p.headSha)
            );
          },
        );
        const { page, headers } = paginate(
          ctx,
          pulls.map((i) => renderPullSimple(ctx.state, ctx.repo, i)),
        );
        return { status: 200, body: page, headers };
      },
      { need: { permission: ["contents", "pull_requests"], access: "read" } },
    ),
  ];
}
