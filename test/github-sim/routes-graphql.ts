import { execute, GraphQLError, Kind, parse, validate, type DocumentNode } from "graphql";
import { GitHubGraphQLError, type GraphQLContext } from "./graphql-nodes.js";
import { fieldResolver, typeResolver } from "./graphql-resolvers.js";
import { githubGraphQLSchema } from "./graphql-schema.js";
import type { Violation } from "./openapi-validator.js";
import type { RawHandler, RawResult } from "./server.js";
import { ApiError, type StateCore } from "./state-core.js";
import { resolveAuthorization } from "./tokens.js";

const OPERATION = "graphql";
const DOCS = "https://docs.github.com/graphql";

interface GraphQLBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** An error as GitHub lists it in `errors`: `type` (for GitHub's own errors), `path`, `locations`, `message`. */
interface ErrorEntry {
  type?: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  message: string;
}

function answer(status: number, payload: unknown, used: number): RawResult {
  return {
    status,
    operationId: OPERATION,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "x-github-media-type": "github.v4; format=json",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(Math.max(5000 - used, 0)),
      "x-ratelimit-used": String(used),
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-resource": "graphql",
    },
    body: JSON.stringify(payload),
  };
}

function entryOf(error: GraphQLError, type?: string): ErrorEntry {
  return {
    ...(type ? { type } : {}), // GitHub's error for a field that broke has no type
    ...(error.path ? { path: error.path } : {}),
    ...(error.locations ? { locations: error.locations } : {}),
    message: error.message,
  };
}

/** Documents kept parsed and validated, the oldest dropped first. */
const CHECKED_DOCUMENTS = 256;

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CHECKED_DOCUMENTS) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}

/** The name of the operation a document runs, for the exchange's `request` text. */
function operationLabel(document: DocumentNode | undefined, operationName: unknown): string {
  if (typeof operationName === "string") return operationName;
  const op = document?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  return op && op.kind === Kind.OPERATION_DEFINITION ? `${op.operation} ${op.name?.value ?? ""}`.trim() : "";
}

/**
 * `POST /graphql`: GitHub's schema checks every query, then the resolvers answer from state. An
 * invalid query, unsupported field or resolver error answers as GitHub would (200 with `errors`) and
 * is recorded as a violation; GitHub's own errors (NOT_FOUND, FORBIDDEN, ...) are not violations.
 */
export function graphqlHandler(state: StateCore, violations: Violation[]): RawHandler {
  const rate = new Map<string, number>();
  // A client sends the same few documents with other variables: each is parsed and validated once.
  const checked = new Map<string, { document: DocumentNode; invalid: readonly GraphQLError[] }>();
  return ({ method, url, headers, body, fault }) => {
    if (url.pathname !== "/graphql") return undefined;
    const key = headers.authorization ?? "anonymous";
    const used = (rate.get(key) ?? 0) + 1;
    rate.set(key, used);
    let label = "";
    const violation = (v: Pick<Violation, "direction" | "location" | "message"> & Partial<Violation>) =>
      violations.push({
        operationId: OPERATION,
        instancePath: "",
        schemaPath: "",
        request: `${method} /graphql ${label}`.trim(),
        ...v,
      });
    if (method !== "POST") {
      violation({ direction: "request", location: "endpoint", message: "GraphQL takes POST only" });
      return answer(404, { message: "Not Found", documentation_url: DOCS, status: "404" }, used);
    }
    let grant;
    try {
      grant = resolveAuthorization(state, headers.authorization);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return answer(
        e.status,
        { message: e.message, documentation_url: DOCS, status: String(e.status) },
        used,
      );
    }
    if (!grant) {
      const docs = "https://docs.github.com/rest";
      return answer(
        401,
        { message: "Requires authentication", documentation_url: docs, status: "401" },
        used,
      );
    }
    let request: GraphQLBody;
    try {
      request = JSON.parse(body.toString("utf8")) as GraphQLBody;
    } catch {
      violation({ direction: "request", location: "body", message: "body is not JSON" });
      return answer(400, { message: "Problems parsing JSON", documentation_url: DOCS, status: "400" }, used);
    }
    if (typeof request?.query !== "string") {
      const message = "A query attribute must be specified and must be a string.";
      violation({ direction: "request", location: "body", message });
      return answer(200, { errors: [{ message }] }, used);
    }
    let document: DocumentNode;
    let invalid: readonly GraphQLError[];
    const { schema } = githubGraphQLSchema();
    const known = checked.get(request.query);
    if (known) ({ document, invalid } = known);
    else {
      try {
        document = parse(request.query);
      } catch (e) {
        if (!(e instanceof GraphQLError)) throw e;
        violation({ direction: "request", location: "query", message: e.message });
        return answer(200, { errors: [entryOf(e)] }, used);
      }
      invalid = validate(schema, document);
      remember(checked, request.query, { document, invalid });
    }
    label = operationLabel(document, request.operationName);
    if (invalid.length > 0) {
      for (const e of invalid)
        violation({
          direction: "request",
          location: "query",
          schemaPath: "schema.graphql",
          message: e.message,
        });
      return answer(200, { errors: invalid.map((e) => entryOf(e)) }, used);
    }
    const contextValue: GraphQLContext = {
      state,
      grant,
      ...(fault?.failFields ? { failFields: fault.failFields } : {}),
    };
    const result = execute({
      schema,
      document,
      contextValue,
      variableValues: (request.variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: typeof request.operationName === "string" ? request.operationName : undefined,
      fieldResolver,
      typeResolver,
    });
    if ("then" in result) throw new Error("github-sim: GraphQL resolvers are synchronous");
    const errors = (result.errors ?? []).map((e) => {
      const original = e.originalError;
      if (original instanceof GitHubGraphQLError) return entryOf(e, original.type);
      violation({
        direction: result.data === undefined ? "request" : "response",
        location: result.data === undefined ? "variables" : "field",
        instancePath: e.path ? `/${e.path.join("/")}` : "",
        message: e.message,
      });
      return entryOf(e);
    });
    return answer(
      200,
      { ...(result.data !== undefined ? { data: result.data } : {}), ...(errors.length ? { errors } : {}) },
      used,
    );
  };
}
