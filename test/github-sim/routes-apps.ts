import type { SimApp, SimInstallation, SimRepo, TokenGrant } from "./model.js";
import { renderApp, renderRepo, renderUser } from "./render-core.js";
import { route, type Route } from "./router.js";
import { ApiError, type StateCore } from "./state-core.js";
import { createInstallationToken } from "./tokens.js";

function appOf(grant: TokenGrant | undefined): SimApp {
  if (grant?.kind !== "app") throw new ApiError(401, "A JSON web token could not be decoded");
  return grant.app;
}

export function renderInstallation(core: StateCore, inst: SimInstallation): Record<string, unknown> {
  return {
    id: inst.id,
    account: renderUser(core, inst.account),
    repository_selection: inst.repositories === "all" ? "all" : "selected",
    access_tokens_url: `${core.apiUrl}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${core.apiUrl}/installation/repositories`,
    html_url: `${core.serverUrl}/settings/installations/${inst.id}`,
    app_id: inst.app.id,
    client_id: inst.app.clientId,
    target_id: inst.account.id,
    target_type: inst.account.type === "Organization" ? "Organization" : "User",
    permissions: { ...inst.app.permissions },
    events: [...inst.app.events],
    created_at: inst.createdAt,
    updated_at: inst.createdAt,
    single_file_name: null,
    app_slug: inst.app.slug,
    suspended_by: null,
    suspended_at: null,
  };
}

function installationFor(core: StateCore, app: SimApp, repo: SimRepo): SimInstallation | undefined {
  return [...core.installations.values()].find(
    (i) =>
      i.app === app &&
      (i.repositories === "all" ? i.account.id === repo.owner.id : i.repositories.includes(repo)),
  );
}

/**
 * GitHub App endpoints: by the app's JWT, itself, its installations, its installation on a repo and
 * installation tokens; by an installation token, the repositories it reaches.
 */
export function appRoutes(): Route[] {
  return [
    route(
      "apps/get-authenticated",
      (ctx) => ({ status: 200, body: renderApp(ctx.state, appOf(ctx.grant)) }),
      { need: "app" },
    ),

    route(
      "apps/list-installations",
      (ctx) => {
        const app = appOf(ctx.grant);
        const all = [...ctx.state.installations.values()].filter((i) => i.app === app);
        const perPage = Number(ctx.params.per_page ?? 30);
        const page = Number(ctx.params.page ?? 1);
        return {
          status: 200,
          body: all.slice((page - 1) * perPage, page * perPage).map((i) => {
            const rendered = renderInstallation(ctx.state, i);
            // This operation's description requires the account to be a user and an enterprise at
            // once (allOf); an account that is both: the enterprise fields from the user's.
            const account = rendered.account as Record<string, unknown>;
            return {
              ...rendered,
              account: {
                ...account,
                name: account.name ?? account.login,
                slug: account.login,
                created_at: i.createdAt,
                updated_at: i.createdAt,
              },
            };
          }),
        };
      },
      { need: "app" },
    ),

    route("apps/list-repos-accessible-to-installation", (ctx) => {
      const grant = ctx.grant;
      if (grant?.kind !== "installation")
        throw new ApiError(403, "This endpoint requires an installation token");
      const inst = grant.installation;
      const repos = [...ctx.state.repos.values()].filter((r) =>
        grant.repositories === "all"
          ? inst.repositories === "all"
            ? r.owner.id === inst.account.id
            : inst.repositories.includes(r)
          : grant.repositories.includes(r),
      );
      const perPage = Number(ctx.params.per_page ?? 30);
      const page = Number(ctx.params.page ?? 1);
      return {
        status: 200,
        body: {
          total_count: repos.length,
          repository_selection: inst.repositories === "all" ? "all" : "selected",
          repositories: repos
            .slice((page - 1) * perPage, page * perPage)
            .map((r) => renderRepo(ctx.state, r)),
        },
      };
    }),

    route(
      "apps/get-repo-installation",
      (ctx) => {
        const inst = installationFor(ctx.state, appOf(ctx.grant), ctx.repo);
        if (!inst) throw new ApiError(404, "Not Found");
        return { status: 200, body: renderInstallation(ctx.state, inst) };
      },
      { need: "app" },
    ),

    route(
      "apps/create-installation-access-token",
      (ctx) => {
        const app = appOf(ctx.grant);
        const inst = ctx.state.installations.get(Number(ctx.params.installation_id));
        if (!inst || inst.app !== app) throw new ApiError(404, "Not Found");
        const body = (ctx.body ?? {}) as {
          repositories?: string[];
          repository_ids?: number[];
          permissions?: Record<string, "read" | "write">;
        };
        const all = [...ctx.state.repos.values()].filter((r) =>
          inst.repositories === "all" ? r.owner.id === inst.account.id : inst.repositories.includes(r),
        );
        let repositories: SimRepo[] | undefined;
        if (body.repositories || body.repository_ids) {
          repositories = all.filter(
            (r) => body.repositories?.includes(r.name) || body.repository_ids?.includes(r.id),
          );
          if (repositories.length !== (body.repositories?.length ?? 0) + (body.repository_ids?.length ?? 0)) {
            throw new ApiError(
              422,
              "There is at least one repository that does not exist or is not accessible to the parent installation.",
            );
          }
        }
        const { token, grant } = createInstallationToken(ctx.state, inst, {
          ...(body.permissions ? { permissions: body.permissions } : {}),
          ...(repositories ? { repositories } : {}),
        });
        return {
          status: 201,
          body: {
            token,
            expires_at: grant.expiresAt,
            permissions: { ...grant.permissions },
            repository_selection: grant.repositories === "all" ? "all" : "selected",
            ...(grant.repositories === "all"
              ? {}
              : { repositories: grant.repositories.map((r) => renderRepo(ctx.state, r)) }),
          },
        };
      },
      { need: "app" },
    ),
  ];
}
