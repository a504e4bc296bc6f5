/**
 * The app's Octokit class: Probot's, with its throttling and retry plugins replaced by
 * `resilience` (octokit-resilience.ts says why), so every call honours rate limits, retries
 * transient failures, and is counted; JSON answers are parsed by the runtime's `JSON.parse`.
 */
import { ProbotOctokit } from "probot";
import { nativeJson } from "./octokit-native-json.js";
import { resilience } from "./octokit-resilience.js";

/**
 * Probot's Octokit with `resilience` in place of the throttling and retry plugins, and JSON
 * bodies parsed natively (octokit-native-json.ts).
 */
export const AppOctokit = ProbotOctokit.plugin(nativeJson, resilience).defaults(
  (instance: Record<string, unknown>) => ({
    ...instance,
    throttle: { ...(instance.throttle as object | undefined), enabled: false },
    retry: { enabled: false },
  }),
);

/** Requests a client made (retries included), when it is an AppOctokit; undefined otherwise. */
export function apiCallsOf(client: unknown): number | undefined {
  const counter = (client as { apiCalls?: unknown } | null)?.apiCalls;
  return typeof counter === "function" ? (counter as () => number)() : undefined;
}
