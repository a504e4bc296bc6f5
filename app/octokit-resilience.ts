/**
 * Rate limits and transient failures for every call the app makes, as an Octokit plugin, in
 * place of `@octokit/plugin-throttling` and `@octokit/plugin-retry` (issue 28).
 *
 * Why not those two: both schedule every request through Bottleneck, a cost on every request,
 * and the throttling plugin paces writes one second apart per installation, so a `workflow_run`
 * with three writes could not be handled in under two seconds. Tested by
 * `test/app/octokit-resilience.test.ts` (decisions, and the simulator's faults).
 * GitHub asks integrations to honour `retry-after` and the rate-limit headers, which this does:
 *
 * - a secondary rate limit (403 or 429 with `retry-after`, or GitHub's "secondary rate limit"
 *   message) waits `retry-after` seconds (60 without one) and retries, up to `rateLimitRetries`;
 * - a primary rate limit (`x-ratelimit-remaining: 0`) waits until `x-ratelimit-reset`, if that is
 *   at most `maxWaitSeconds` away, and retries; otherwise the error is thrown at once. GraphQL
 *   answers its primary rate limit with 200 and a pathless error of type `RATE_LIMITED` (nothing
 *   of the document ran): treated the same;
 * - a 5xx answer or a network error is retried after 1, 2, 4 s, up to `retries` times;
 * - every request made (retries included) is counted: `octokit.apiCalls()`.
 */
import type { Octokit } from "@octokit/core";

declare module "@octokit/core" {
  interface OctokitOptions {
    /** Rate-limit and retry behaviour of the `resilience` plugin. */
    resilience?: ResilienceOptions;
  }
}

/** Options under `resilience` in the Octokit constructor. */
export interface ResilienceOptions {
  /** Retries of a 5xx or network failure (default 3). */
  retries?: number;
  /** Retries after a rate limit (default 5). */
  rateLimitRetries?: number;
  /** Longest wait for a rate limit, in seconds; a longer one throws (default 120). */
  maxWaitSeconds?: number;
  /** Milliseconds a second of waiting lasts (default 1000; tests shorten it). */
  msPerSecond?: number;
  /** Told of each retry (for logs and tests). */
  onRetry?: (event: RetryEvent) => void;
}

/** One retry: why, after how many seconds, of which request. */
export interface RetryEvent {
  kind: "secondary-rate-limit" | "rate-limit" | "server-error" | "network-error";
  waitSeconds: number;
  attempt: number;
  method: string;
  url: string;
}

interface ErrorLike {
  status?: number;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/** What to do about a failed request: wait so many seconds and retry, or give up. */
export function retryDecision(
  error: unknown,
  attempt: { rateLimits: number; failures: number },
  options: Required<Omit<ResilienceOptions, "onRetry">>,
  nowSeconds: number,
): { kind: RetryEvent["kind"]; waitSeconds: number } | null {
  const e = error as ErrorLike | null;
  const status = typeof e?.status === "number" ? e.status : undefined;
  const headers = e?.response?.headers ?? {};
  const header = (name: string) => {
    const v = headers[name];
    return v === undefined ? undefined : Number(v);
  };
  if (status === 403 || status === 429) {
    const message = JSON.stringify(e?.response?.data ?? "").toLowerCase();
    const retryAfter = header("retry-after");
    if (retryAfter !== undefined || message.includes("secondary rate limit")) {
      if (attempt.rateLimits >= options.rateLimitRetries) return null;
      const wait = Number.isFinite(retryAfter) ? Math.max(0, retryAfter!) : 60;
      return wait <= options.maxWaitSeconds ? { kind: "secondary-rate-limit", waitSeconds: wait } : null;
    }
    if (header("x-ratelimit-remaining") === 0) {
      if (attempt.rateLimits >= options.rateLimitRetries) return null;
      const reset = header("x-ratelimit-reset");
      const wait = reset === undefined || !Number.isFinite(reset) ? 60 : Math.max(0, reset - nowSeconds) + 1;
      return wait <= options.maxWaitSeconds ? { kind: "rate-limit", waitSeconds: wait } : null;
    }
    return null;
  }
  if (attempt.failures >= options.retries) return null;
  // Octokit reports a request that got no answer (refused, reset, DNS) as status 500 without a
  // response; a real 5xx has one.
  if (status === undefined || status === 0 || (status === 500 && e?.response === undefined))
    return { kind: "network-error", waitSeconds: 2 ** attempt.failures };
  if (status >= 500) return { kind: "server-error", waitSeconds: 2 ** attempt.failures };
  return null;
}

/**
 * A GraphQL answer refused as a whole for the primary rate limit (HTTP 200, a pathless error of
 * type `RATE_LIMITED`), as the error-like shape `retryDecision` reads; null for any other answer.
 */
export function graphqlRateLimited(response: {
  status: number;
  headers: Record<string, string | number | undefined>;
  data?: unknown;
}): ErrorLike | null {
  const errors = (response.data as { errors?: unknown } | null | undefined)?.errors;
  if (!Array.isArray(errors)) return null;
  const limited = errors.some(
    (e: { type?: unknown; path?: unknown }) =>
      (e?.type === "RATE_LIMITED" || e?.type === "RATE_LIMIT") && e.path === undefined,
  );
  if (!limited) return null;
  return { status: 403, response: { headers: { ...response.headers, "x-ratelimit-remaining": "0" } } };
}

/** The Octokit plugin: `Octokit.plugin(resilience)`, configured by the `resilience` option. */
export function resilience(
  octokit: Octokit,
  octokitOptions: { resilience?: ResilienceOptions | undefined },
): { apiCalls: () => number } {
  const given = octokitOptions.resilience ?? {};
  const options = {
    retries: given.retries ?? 3,
    rateLimitRetries: given.rateLimitRetries ?? 5,
    maxWaitSeconds: given.maxWaitSeconds ?? 120,
    msPerSecond: given.msPerSecond ?? 1000,
  };
  let calls = 0;
  octokit.hook.wrap("request", async (request, requestOptions) => {
    const attempt = { rateLimits: 0, failures: 0 };
    for (;;) {
      calls += 1;
      try {
        const response = await request(requestOptions);
        const limited = graphqlRateLimited(response as never);
        if (limited === null) return response;
        const decision = retryDecision(limited, attempt, options, Date.now() / 1000);
        if (decision === null) return response;
        throw Object.assign(new Error("GraphQL rate limit"), { graphqlRetry: decision });
      } catch (error) {
        const decision =
          (error as { graphqlRetry?: ReturnType<typeof retryDecision> }).graphqlRetry ??
          retryDecision(error, attempt, options, Date.now() / 1000);
        if (decision === null) throw error;
        if (decision.kind === "secondary-rate-limit" || decision.kind === "rate-limit")
          attempt.rateLimits += 1;
        else attempt.failures += 1;
        given.onRetry?.({
          ...decision,
          attempt: attempt.rateLimits + attempt.failures,
          method: String(requestOptions.method),
          url: String(requestOptions.url),
        });
        await new Promise((resolve) => setTimeout(resolve, decision.waitSeconds * options.msPerSecond));
      }
    }
  });
  return { apiCalls: () => calls };
}
