import type { SimRepo, SimUser, TokenGrant } from "./model.js";
import { operation } from "./openapi-validator.js";
import type { SimState } from "./sim-state.js";
import type { Need } from "./tokens.js";

/** What a route handler gets: the state, the caller, and the request already validated and typed. */
export interface RouteContext {
  state: SimState;
  grant: TokenGrant | undefined;
  /** Path and query parameters, typed as the description says (`per_page` is a number). */
  params: Record<string, unknown>;
  body: unknown;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  /** The repository named by `{owner}/{repo}`, already authorised for the route's `need`. */
  repo: SimRepo;
  /** The user the request acts as (401 when anonymous). */
  actor(): SimUser;
}

/** A handler's answer: JSON `body`, or raw bytes with their own content type. */
export interface RouteResult {
  status: number;
  body?: unknown;
  raw?: { data: Buffer; contentType: string };
  headers?: Record<string, string>;
}

export interface Route {
  operationId: string;
  method: string;
  /** Path template from the description. */
  path: string;
  /** What the caller needs on the repository; `app` for endpoints that take the app's JWT. */
  need?: Need | "app";
  handle(ctx: RouteContext): RouteResult;
  pattern: RegExp;
  paramNames: string[];
  literalCount: number;
}

/** Options of `route`: parameters that may span slashes (`contents/{path}`, `git/ref/{ref}`). */
export interface RouteOptions {
  need?: Route["need"];
  greedy?: string[];
}

/**
 * Declares a route by operation id only: method and path come from GitHub's description, so the
 * simulator cannot serve an endpoint at a path GitHub does not have.
 */
export function route(operationId: string, handle: Route["handle"], options: RouteOptions = {}): Route {
  const op = operation(operationId);
  const paramNames: string[] = [];
  let literalCount = 0;
  const source = op.path
    .split("/")
    .map((segment) => {
      const m = /^\{(\w+)\}$/.exec(segment);
      if (!m?.[1]) {
        literalCount += segment ? 1 : 0;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      }
      paramNames.push(m[1]);
      return options.greedy?.includes(m[1]) ? "(.+)" : "([^/]+)";
    })
    .join("/");
  return {
    operationId,
    method: op.method,
    path: op.path,
    ...(options.need ? { need: options.need } : {}),
    handle,
    pattern: new RegExp(`^${source}$`),
    paramNames,
    literalCount,
  };
}

/** Routes sorted so that literal segments win over parameters (`issues/comments/1` before `issues/{n}`). */
export class Router {
  private readonly routes: Route[];

  constructor(routes: Route[]) {
    this.routes = [...routes].sort((a, b) => b.literalCount - a.literalCount);
  }

  match(method: string, pathname: string): { route: Route; pathParams: Record<string, string> } | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(pathname);
      if (!m) continue;
      const pathParams: Record<string, string> = {};
      r.paramNames.forEach((name, i) => {
        pathParams[name] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { route: r, pathParams };
    }
    return undefined;
  }
}

/** GitHub's pagination: a page of `items` and the `Link` header (`next`, `last`, `prev`, `first`). */
export function paginate<T>(
  ctx: { params: Record<string, unknown>; url: URL },
  items: T[],
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(ctx.params.per_page ?? 30) || 30, 1), 100);
  const page = Math.max(Number(ctx.params.page ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (p: number, rel: string) => {
    const u = new URL(ctx.url);
    u.searchParams.set("per_page", String(perPage));
    u.searchParams.set("page", String(p));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(", ") } : {},
  };
}
