import { mulberry32 } from "../../src/random.js";
import type { FaultDecision, FaultHook } from "./server.js";

/** A deterministic PRNG (mulberry32): the same seed gives the same faults. */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** Which webhook deliveries a delivery fault applies to. */
export interface DeliveryMatch {
  event?: string;
  action?: string;
  /** At most this many times (default: always). */
  times?: number;
  /** Chance per matching delivery, drawn from the seeded PRNG (default 1). */
  probability?: number;
}

/** Which requests a fault applies to (all given conditions must hold). */
export interface RequestMatch {
  /** Operation id (`issues/create-comment`), `twirp/<Method>`, or a pattern over it. */
  operationId?: string | RegExp;
  method?: string;
  path?: RegExp;
  /** For `POST /graphql`: only documents selecting this top-level field (`addComment`, `repository`, ...). */
  graphqlField?: string;
  /** Skip this many matching requests first (default 0). */
  after?: number;
  /** Fire at most this many times (default: always). */
  times?: number;
  /** Chance per matching request, drawn from the seeded PRNG (default 1). */
  probability?: number;
}

/** One fault: what happens to a matching request. */
export type FaultRule = RequestMatch &
  (
    | { kind: "status"; status: 500 | 502 | 503 | 504 }
    | { kind: "secondary-rate-limit"; retryAfter: number }
    | { kind: "rate-limit"; resetInSeconds: number }
    | { kind: "rate-limit-headers"; remaining: number; limit?: number }
    | { kind: "latency"; ms: number }
    /** GraphQL's primary rate limit: HTTP 200, a pathless `RATE_LIMITED` error, nothing run. */
    | { kind: "graphql-rate-limit"; resetInSeconds: number }
    /** The mutation field `graphqlField` fails (is not applied), the rest of the document runs. */
    | { kind: "graphql-field-error"; graphqlField: string }
  );

/** Faults and a log of the ones that fired. */
export interface Faults {
  hook: FaultHook;
  /** Every fault that fired: rule index, kind, and the request. */
  fired: Array<{ rule: number; kind: FaultRule["kind"]; method: string; path: string }>;
}

const DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";

/**
 * Builds a fault hook for `startGitHubSim({ faults })` or `sim.setFaults(...)`. Rules are tried in
 * order; latency and rate-limit headers combine with a later rule, the first answer-replacing rule wins.
 */
export function createFaults(rules: FaultRule[], seed = 1): Faults {
  const random = seededRandom(seed);
  const seen = rules.map(() => 0);
  const firedCount = rules.map(() => 0);
  const fired: Faults["fired"] = [];
  const hook: FaultHook = ({ method, path, operationId, graphqlFields }) => {
    const decision: FaultDecision = {};
    for (const [i, rule] of rules.entries()) {
      if (rule.method !== undefined && rule.method !== method) continue;
      if (rule.path !== undefined && !rule.path.test(path)) continue;
      if (rule.operationId !== undefined) {
        const id = operationId ?? "";
        if (typeof rule.operationId === "string" ? rule.operationId !== id : !rule.operationId.test(id))
          continue;
      }
      if (rule.graphqlField !== undefined && !(graphqlFields ?? []).includes(rule.graphqlField)) continue;
      seen[i] = (seen[i] ?? 0) + 1;
      if ((seen[i] ?? 0) <= (rule.after ?? 0)) continue;
      if (rule.times !== undefined && (firedCount[i] ?? 0) >= rule.times) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      firedCount[i] = (firedCount[i] ?? 0) + 1;
      fired.push({ rule: i, kind: rule.kind, method, path });
      switch (rule.kind) {
        case "latency":
          decision.delayMs = (decision.delayMs ?? 0) + rule.ms;
          continue;
        case "graphql-field-error":
          decision.failFields = [...(decision.failFields ?? []), rule.graphqlField];
          continue;
        case "rate-limit-headers":
          decision.headers = {
            ...decision.headers,
            "x-ratelimit-limit": String(rule.limit ?? 5000),
            "x-ratelimit-remaining": String(rule.remaining),
          };
          continue;
        case "status":
          return {
            ...decision,
            status: rule.status,
            body: {
              message: rule.status === 502 ? "Server Error" : "Internal Server Error",
              documentation_url: DOCS,
              status: String(rule.status),
            },
          };
        case "secondary-rate-limit":
          return {
            ...decision,
            status: 403,
            headers: {
              ...decision.headers,
              "retry-after": String(rule.retryAfter),
              "x-ratelimit-remaining": "4000",
            },
            body: {
              message:
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
              documentation_url: `${DOCS}#about-secondary-rate-limits`,
              status: "403",
            },
          };
        case "graphql-rate-limit":
          return {
            ...decision,
            status: 200,
            headers: {
              ...decision.headers,
              "x-ratelimit-limit": "5000",
              "x-ratelimit-remaining": "0",
              "x-ratelimit-used": "5000",
              "x-ratelimit-resource": "graphql",
              "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + rule.resetInSeconds),
            },
            body: {
              errors: [
                { type: "RATE_LIMITED", message: "API rate limit already exceeded for installation ID 1." },
              ],
            },
          };
        case "rate-limit":
          return {
            ...decision,
            status: 403,
            headers: {
              ...decision.headers,
              "x-ratelimit-limit": "5000",
              "x-ratelimit-remaining": "0",
              "x-ratelimit-used": "5000",
              "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + rule.resetInSeconds),
            },
            body: {
              message: "API rate limit exceeded for installation.",
              documentation_url: DOCS,
              status: "403",
            },
          };
      }
    }
    return decision.delayMs !== undefined || decision.headers || decision.failFields ? decision : undefined;
  };
  return { hook, fired };
}
