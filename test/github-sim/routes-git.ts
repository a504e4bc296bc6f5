import type { GitSignature, TreeChange } from "./git-store.js";
import { renderBlob, renderGitCommit, renderRef, renderTree } from "./render-git.js";
import { setRef, signature } from "./repo-ops.js";
import { route, type Route, type RouteContext } from "./router.js";
import { ApiError } from "./state-core.js";

const readContents = { permission: "contents", access: "read" } as const;
const writeContents = { permission: "contents", access: "write" } as const;

function fullRef(ref: string): string {
  return ref.startsWith("refs/") ? ref : `refs/${ref}`;
}

function requireObject(
  ctx: RouteContext,
  sha: string,
  type: "blob" | "tree" | "commit",
  field: string,
): void {
  const o = ctx.repo.git.get(sha);
  if (!o || o.type !== type) {
    throw new ApiError(422, `${field} ${sha} is not a valid ${type}`, [
      { resource: "Git", field, code: "invalid" },
    ]);
  }
}

/** The Git data API: refs (with fast-forward checks), blobs, trees (with `base_tree`), commits. */
export function gitRoutes(): Route[] {
  return [
    route(
      "git/get-ref",
      (ctx) => {
        const ref = fullRef(String(ctx.params.ref));
        const sha = ctx.repo.refs.get(ref);
        if (!sha) throw new ApiError(404, "Not Found");
        return { status: 200, body: renderRef(ctx.state, ctx.repo, ref, sha) };
      },
      { greedy: ["ref"], need: readContents },
    ),

    route(
      "git/create-ref",
      (ctx) => {
        const body = ctx.body as { ref: string; sha: string };
        if (!/^refs\/.+\/.+/.test(body.ref))
          throw new ApiError(422, "Reference name must start with 'refs/' and have at least two slashes.");
        if (ctx.repo.refs.has(body.ref)) throw new ApiError(422, "Reference already exists");
        setRef(ctx.state, ctx.repo, body.ref, body.sha, { force: false, sender: ctx.actor() });
        return { status: 201, body: renderRef(ctx.state, ctx.repo, body.ref, body.sha) };
      },
      { need: writeContents },
    ),

    route(
      "git/update-ref",
      (ctx) => {
        const ref = fullRef(String(ctx.params.ref));
        const body = ctx.body as { sha: string; force?: boolean };
        if (!ctx.repo.refs.has(ref)) throw new ApiError(422, "Reference does not exist");
        setRef(ctx.state, ctx.repo, ref, body.sha, { force: body.force ?? false, sender: ctx.actor() });
        return { status: 200, body: renderRef(ctx.state, ctx.repo, ref, body.sha) };
      },
      { greedy: ["ref"], need: writeContents },
    ),

    route(
      "git/get-blob",
      (ctx) => {
        const sha = String(ctx.params.file_sha);
        const content = ctx.repo.git.blob(sha);
        if (!content) throw new ApiError(404, "Not Found");
        return { status: 200, body: renderBlob(ctx.state, ctx.repo, sha, content) };
      },
      { need: readContents },
    ),

    route(
      "git/create-blob",
      (ctx) => {
        const body = ctx.body as { content: string; encoding?: string };
        const data =
          body.encoding === "base64"
            ? Buffer.from(body.content, "base64")
            : Buffer.from(body.content, "utf8");
        const sha = ctx.repo.git.putBlob(data);
        return {
          status: 201,
          body: { sha, url: `${ctx.state.apiUrl}/repos/${ctx.repo.fullName}/git/blobs/${sha}` },
        };
      },
      { need: writeContents },
    ),

    route(
      "git/get-tree",
      (ctx) => {
        const sha = String(ctx.params.tree_sha);
        // GitHub accepts a commit sha or branch name here and shows that commit's tree.
        const treeSha = ctx.repo.git.tree(sha)
          ? sha
          : (ctx.repo.git.commit(ctx.repo.refs.get(`refs/heads/${sha}`) ?? sha)?.tree ?? "");
        if (!ctx.repo.git.tree(treeSha)) throw new ApiError(404, "Not Found");
        const recursive =
          ctx.params.recursive !== undefined &&
          ctx.params.recursive !== "0" &&
          ctx.params.recursive !== "false";
        return { status: 200, body: renderTree(ctx.state, ctx.repo, treeSha, recursive) };
      },
      { need: readContents },
    ),

    route(
      "git/create-tree",
      (ctx) => {
        const body = ctx.body as {
          base_tree?: string;
          tree: Array<{ path?: string; mode?: string; type?: string; sha?: string | null; content?: string }>;
        };
        if (body.base_tree) requireObject(ctx, body.base_tree, "tree", "base_tree");
        const changes: TreeChange[] = body.tree.map((e, i) => {
          if (!e.path)
            throw new ApiError(422, `tree.path is missing at index ${i}`, [
              { resource: "Tree", field: "path", code: "missing_field" },
            ]);
          if (typeof e.sha === "string")
            requireObject(
              ctx,
              e.sha,
              e.type === "tree" ? "tree" : e.type === "commit" ? "commit" : "blob",
              `tree[${i}].sha`,
            );
          return {
            path: e.path,
            ...(e.mode ? { mode: e.mode as NonNullable<TreeChange["mode"]> } : {}),
            ...(e.type ? { type: e.type as NonNullable<TreeChange["type"]> } : {}),
            ...(e.sha !== undefined ? { sha: e.sha } : {}),
            ...(e.content !== undefined ? { content: e.content } : {}),
          };
        });
        const sha = ctx.repo.git.applyChanges(body.base_tree, changes);
        return { status: 201, body: renderTree(ctx.state, ctx.repo, sha, false) };
      },
      { need: writeContents },
    ),

    route(
      "git/get-commit",
      (ctx) => {
        const sha = String(ctx.params.commit_sha);
        if (!ctx.repo.git.commit(sha)) throw new ApiError(404, "Not Found");
        return { status: 200, body: renderGitCommit(ctx.state, ctx.repo, sha) };
      },
      { need: readContents },
    ),

    route(
      "git/create-commit",
      (ctx) => {
        const body = ctx.body as {
          message: string;
          tree: string;
          parents?: string[];
          author?: Partial<GitSignature>;
          committer?: Partial<GitSignature>;
        };
        requireObject(ctx, body.tree, "tree", "tree");
        for (const p of body.parents ?? []) requireObject(ctx, p, "commit", "parents");
        const me = signature(ctx.state, ctx.actor());
        const author = { ...me, ...body.author };
        const sha = ctx.repo.git.putCommit({
          tree: body.tree,
          parents: body.parents ?? [],
          message: body.message,
          author,
          committer: { ...author, ...body.committer },
        });
        return { status: 201, body: renderGitCommit(ctx.state, ctx.repo, sha) };
      },
      { need: writeContents },
    ),
  ];
}
