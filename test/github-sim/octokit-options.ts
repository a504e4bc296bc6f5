/**
 * Octokit options for talking to the simulator with the retry and throttling plugins on.
 *
 * Two things change from the defaults, both about waiting, not about behaviour: a "second" of
 * `retry-after` (and of the retry plugin's back-off) lasts `msPerSecond` milliseconds, and the
 * throttling plugin's client-side pacing (one write per second, one notification-triggering write
 * per three seconds) is off. Rate-limit handling, retries and their counts stay as shipped.
 */
import type { ThrottlingOptions } from "@octokit/plugin-throttling";

/** A limiter group that runs every job at once: the throttling plugin's `write`/`notifications` slots. */
const unpaced = {
  key: () => ({
    schedule: <T>(_options: unknown, job: (...args: unknown[]) => Promise<T>, ...args: unknown[]) =>
      job(...args),
  }),
} as unknown as ThrottlingOptions["write"];

/** What the throttling plugin reported, for assertions. */
export interface ThrottleEvent {
  kind: "rate-limit" | "secondary-rate-limit";
  retryAfter: number;
  method: string;
  url: string;
  retryCount: number;
}

export interface SimOctokitOptions {
  baseUrl: string;
  auth?: string;
  retry: { retryAfterBaseValue: number };
  throttle: ThrottlingOptions;
  log: { debug(): void; info(): void; warn(): void; error(): void };
}

/**
 * Options for `new Octokit(...)` against `sim.url`: retries (as octokit's defaults: up to 3, retry on
 * one secondary or primary rate limit) with time scaled by `msPerSecond` (default 10).
 */
export function simOctokitOptions(
  sim: { url: string },
  options: {
    auth?: string;
    msPerSecond?: number;
    events?: ThrottleEvent[];
    maxRateLimitRetries?: number;
  } = {},
): SimOctokitOptions {
  const ms = options.msPerSecond ?? 10;
  const maxRetries = options.maxRateLimitRetries ?? 1;
  const record =
    (kind: ThrottleEvent["kind"]) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      options.events?.push({ kind, retryAfter, method: request.method, url: request.url, retryCount });
      return retryCount < maxRetries;
    };
  const silent = () => undefined;
  return {
    baseUrl: sim.url,
    ...(options.auth ? { auth: options.auth } : {}),
    retry: { retryAfterBaseValue: ms },
    throttle: {
      retryAfterBaseValue: ms,
      write: unpaced,
      notifications: unpaced,
      search: unpaced,
      onRateLimit: record("rate-limit"),
      onSecondaryRateLimit: record("secondary-rate-limit"),
    },
    log: { debug: silent, info: silent, warn: silent, error: silent },
  };
}

/**
 * Probot's Octokit class for the simulator. `ProbotOctokit.defaults(simOctokitOptions(sim))` would
 * lose the throttle settings: Probot builds its clients with a `defaults` function of its own
 * whose `throttle` replaces one given as an object (so writes are paced a second apart). A
 * function applied after Probot's keeps the simulator's settings.
 */
export function simProbotOctokit<T extends { defaults(options: unknown): unknown }>(
  ProbotOctokit: T,
  sim: { url: string },
  settings: Parameters<typeof simOctokitOptions>[1] = {},
): T {
  const options = simOctokitOptions(sim, settings);
  return ProbotOctokit.defaults((instance: Record<string, unknown>) => ({
    ...instance,
    baseUrl: options.baseUrl,
    retry: options.retry,
    throttle: { ...(instance.throttle as object | undefined), ...options.throttle },
  })) as T;
}
