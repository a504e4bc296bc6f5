import type { IncomingMessage, ServerResponse } from "node:http";
import { Kind, parse } from "graphql";
import { formatViolation, validateRequest, validateResponse, type Violation } from "./openapi-validator.js";
import type { SimRepo, TokenGrant } from "./model.js";
import type { Route, Router, RouteContext, RouteResult } from "./router.js";
import type { SimState } from "./sim-state.js";
import { ApiError } from "./state-core.js";
import { actorOf, authorize, resolveAuthorization } from "./tokens.js";

/** One request the simulator answered, for assertions on what a client did. */
export interface Exchange {
  method: string;
  path: string;
  /** Operation id for REST routes; `graphql`, `twirp/<Method>`, `blob` or `raw` for the others; undefined when unrouted. */
  operationId: string | undefined;
  status: number;
  /** True when the answer was an injected fault. */
  fault: boolean;
}

/** What a fault hook may do to one request: delay it, replace its answer, add headers. */
export interface FaultDecision {
  delayMs?: number;
  /** GraphQL mutation fields that fail (not applied) with GitHub's error for a field that broke. */
  failFields?: string[];
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type FaultHook = (request: {
  method: string;
  path: string;
  operationId: string | undefined;
  /** For `POST /graphql`: the top-level fields the document selects (`repository`, `addComment`, ...). */
  graphqlFields?: string[];
}) => FaultDecision | undefined;

/** A handler for the non-REST surfaces (artifact twirp service, blob storage, raw files). Returns false to pass. */
export type RawHandler = (request: RawRequest) => Promise<RawResult | undefined> | RawResult | undefined;

export interface RawRequest {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: Buffer;
  /** The fault decided for this request, if any (GraphQL reads `failFields`). */
  fault?: FaultDecision;
}

export interface RawResult {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Label for the exchange log (`twirp/CreateArtifact`). */
  operationId: string;
}

export interface ServerDeps {
  state: SimState;
  router: Router;
  rawHandlers: RawHandler[];
  violations: Violation[];
  exchanges: Exchange[];
  onViolation: "respond" | "record";
  faults: FaultHook | undefined;
}

const DOCS = "https://docs.github.com/rest";

/** Reads a request to the end. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Names the non-REST surfaces for the exchange log and fault rules. */
function surfaceOf(pathname: string): string | undefined {
  const twirp = /^\/twirp\/[^/]+\/(\w+)$/.exec(pathname);
  if (twirp) return `twirp/${twirp[1]}`;
  if (pathname.startsWith("/_sim/blob/")) return "blob";
  if (pathname.startsWith("/_sim/raw/")) return "raw";
  if (pathname === "/graphql") return "graphql";
  return undefined;
}

/** The top-level field names a GraphQL request body selects (none when it does not parse). */
function topLevelFields(body: Buffer): string[] {
  try {
    const { query } = JSON.parse(body.toString("utf8")) as { query?: unknown };
    if (typeof query !== "string") return [];
    const document = parse(query);
    return document.definitions.flatMap((d) =>
      d.kind === Kind.OPERATION_DEFINITION
        ? d.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []))
        : [],
    );
  } catch {
    return [];
  }
}

/** Builds the request listener: faults, routing, auth, validation both ways, GitHub's error shapes. */
export function createHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  let requestCounter = 0;
  const rate = new Map<string, number>();
  return (req, res) => {
    void (async () => {
      const method = req.method ?? "GET";
      const url = new URL(req.url ?? "/", deps.state.apiUrl);
      const body = await readBody(req);
      const send = (
        status: number,
        headers: Record<string, string>,
        payload: Buffer | string | undefined,
        operationId: string | undefined,
        fault = false,
      ) => {
        deps.exchanges.push({ method, path: url.pathname + url.search, operationId, status, fault });
        res.writeHead(status, headers);
        res.end(payload);
      };
      const match = deps.router.match(method, url.pathname);
      const operationId = match?.route.operationId ?? surfaceOf(url.pathname);
      requestCounter += 1;
      const common: Record<string, string> = {
        "x-github-request-id": `SIM:${requestCounter}`,
        "x-github-media-type": "github.v3; format=json",
        "x-github-api-version-selected": "2022-11-28",
      };
      const json = (status: number, payload: unknown, headers: Record<string, string> = {}, fault = false) =>
        send(
          status,
          {
            ...common,
            ...(payload === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
            ...headers,
          },
          payload === undefined ? undefined : JSON.stringify(payload),
          operationId,
          fault,
        );
      const fault = deps.faults?.({
        method,
        path: url.pathname,
        operationId,
        ...(operationId === "graphql" ? { graphqlFields: topLevelFields(body) } : {}),
      });
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault?.status) {
        json(fault.status, fault.body ?? { message: "Server Error" }, fault.headers ?? {}, true);
        return;
      }
      for (const handler of deps.rawHandlers) {
        const result = await handler({
          method,
          url,
          headers: req.headers,
          body,
          ...(fault ? { fault } : {}),
        });
        if (result) {
          send(result.status, result.headers ?? {}, result.body, result.operationId);
          return;
        }
      }
      if (!match) {
        const v: Violation = {
          operationId: "unrouted",
          direction: "request",
          location: "endpoint",
          instancePath: "",
          schemaPath: "",
          message: "the simulator does not serve this endpoint",
          request: `${method} ${url.pathname}`,
        };
        deps.violations.push(v);
        json(404, {
          message: `Not Found (github-sim: ${formatViolation(v)})`,
          documentation_url: DOCS,
          status: "404",
        });
        return;
      }
      const request = `${method} ${url.pathname}${url.search}`;
      let parsed: unknown;
      if (body.length > 0) {
        try {
          parsed = JSON.parse(body.toString("utf8"));
        } catch {
          json(400, { message: "Problems parsing JSON", documentation_url: DOCS, status: "400" });
          return;
        }
      }
      const checked = validateRequest(match.route.operationId, {
        pathParams: match.pathParams,
        query: url.searchParams,
        body: parsed,
        request,
      });
      if (checked.violations.length > 0) {
        deps.violations.push(...checked.violations);
        if (deps.onViolation === "respond") {
          const text = checked.violations.map(formatViolation).join("; ");
          json(400, {
            message: `github-sim: request violates api.github.com.json: ${text}`,
            documentation_url: DOCS,
            status: "400",
          });
          return;
        }
      }
      let result: RouteResult;
      let grant: TokenGrant | undefined;
      try {
        grant = resolveAuthorization(deps.state, req.headers.authorization);
        result = handle(deps.state, match.route, {
          grant,
          params: checked.params,
          body: parsed,
          url,
          headers: req.headers,
        });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        result = {
          status: e.status,
          body: {
            message: e.message,
            documentation_url: DOCS,
            status: String(e.status),
            ...(e.errors ? { errors: e.errors } : {}),
          },
          headers: e.headers,
        };
      }
      const key = req.headers.authorization ?? "anonymous";
      const used = (rate.get(key) ?? 0) + 1;
      rate.set(key, used);
      const rateHeaders = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": String(Math.max(5000 - used, 0)),
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
        "x-ratelimit-used": String(used),
        "x-ratelimit-resource": "core",
      };
      const headers = { ...rateHeaders, ...result.headers, ...fault?.headers };
      if (result.raw) {
        send(
          result.status,
          { ...common, ...headers, "content-type": result.raw.contentType },
          result.raw.data,
          operationId,
        );
        return;
      }
      const responseViolations = validateResponse(
        match.route.operationId,
        result.status,
        result.body,
        request,
      );
      if (responseViolations.length > 0) {
        deps.violations.push(...responseViolations);
        if (deps.onViolation === "respond") {
          const text = responseViolations.map(formatViolation).join("; ");
          json(
            500,
            {
              message: `github-sim: response violates api.github.com.json: ${text}`,
              documentation_url: DOCS,
              status: "500",
            },
            headers,
          );
          return;
        }
      }
      json(result.status, result.body, headers);
    })().catch((e: unknown) => {
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      deps.violations.push({
        operationId: "internal",
        direction: "response",
        location: "handler",
        instancePath: "",
        schemaPath: "",
        message,
        request: `${req.method} ${req.url}`,
      });
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `github-sim internal error: ${message}` }));
    });
  };
}

function handle(
  state: SimState,
  route: Route,
  partial: Omit<RouteContext, "repo" | "state" | "actor">,
): RouteResult {
  const grant = partial.grant;
  const owner = partial.params.owner;
  const name = partial.params.repo;
  let repo: SimRepo | undefined;
  if (typeof owner === "string" && typeof name === "string") {
    repo = state.repo(`${owner}/${name}`);
    if (route.need !== "app") {
      authorize(grant, repo, route.need ?? { permission: "metadata", access: "read" });
    }
  }
  const ctx: RouteContext = {
    ...partial,
    state,
    get repo(): SimRepo {
      if (!repo) throw new Error(`${route.operationId} has no repository in its path`);
      return repo;
    },
    actor: () => actorOf(state, grant),
  };
  return route.handle(ctx);
}
