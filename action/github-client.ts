/**
 * The Action's one GitHub client, from the Actions toolkit: `getOctokit` (GITHUB_API_URL, so
 * GitHub Enterprise Server's `/api/v3` too; HTTPS_PROXY, HTTP_PROXY and NO_PROXY as every
 * toolkit client honours them, a proxy's basic auth included) with octokit's retry and
 * throttling plugins, and `context` for the event. Loaded lazily (a chunk of its own): list
 * mode never needs it.
 *
 * The rest of the Action sees only the narrow interfaces below, so tests can pass fakes.
 */
import * as core from "@actions/core";
import { context, getOctokit } from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import type { ExistingIssue } from "../src/monitor/plan-drift-issue.js";
import { explainGitHubError } from "./github-errors.js";
import { repoContents } from "../src/repo-contents.js";

/** Reads a file of the repository at a commit (the registry as of the base commit). */
export interface GitHubReader {
  /** A file's text at `ref`, or null when it does not exist there. */
  fileAt(ref: string, path: string): Promise<string | null>;
  /** A file's bytes at `ref` (an ONNX champion), or null when it does not exist there. */
  bytesAt?(ref: string, path: string): Promise<Uint8Array | null>;
}

/** The three issue calls monitor mode makes. */
export interface IssuesClient {
  /** One page of the repository's issues with `labels`, open and closed. */
  listIssues(params: { labels: string; page: number; perPage: number }): Promise<ExistingIssue[]>;
  createIssue(params: {
    title: string;
    body: string;
    labels: string[];
  }): Promise<{ number: number; html_url: string }>;
  updateIssue(
    number: number,
    params: { title: string; body: string; state?: "open" },
  ): Promise<{ number: number; html_url: string }>;
}

/** The pull request a `pull_request` event is about: its head and base. */
export interface PullRequestRef {
  number: number;
  head: { sha: string; ref: string };
  base: { sha: string; ref: string };
}

export type ActionOctokit = ReturnType<typeof getOctokit>;

/** How often a rate-limited request is tried again before it fails. */
const RATE_LIMIT_RETRIES = 2;

/**
 * The Octokit for `token`. Server errors and network failures are retried by the retry plugin
 * (3 times, backing off); rate limits wait as GitHub's `retry-after` asks, twice at most.
 */
export function createOctokit(token: string): ActionOctokit {
  return getOctokit(
    token,
    {
      userAgent: "modelgate-action",
      throttle: {
        onRateLimit: (retryAfter, options, _octokit, retryCount) => {
          core.warning(
            `GitHub's rate limit hit on ${options.method} ${options.url}; waiting ${retryAfter} s.`,
          );
          return retryCount < RATE_LIMIT_RETRIES;
        },
        onSecondaryRateLimit: (retryAfter, options, _octokit, retryCount) => {
          core.warning(
            `GitHub's secondary rate limit hit on ${options.method} ${options.url}; waiting ${retryAfter} s.`,
          );
          return retryCount < RATE_LIMIT_RETRIES;
        },
      },
    },
    retry,
    throttling,
  );
}

/** The pull request of the run's event, if it is one (`pull_request` or `pull_request_target`). */
export function eventPullRequest(): PullRequestRef | undefined {
  const pull = context.payload.pull_request as
    | { number?: unknown; head?: { sha?: unknown; ref?: unknown }; base?: { sha?: unknown; ref?: unknown } }
    | undefined;
  if (
    typeof pull?.number !== "number" ||
    typeof pull.head?.sha !== "string" ||
    typeof pull.base?.sha !== "string"
  )
    return undefined;
  return {
    number: pull.number,
    head: { sha: pull.head.sha, ref: String(pull.head.ref ?? "") },
    base: { sha: pull.base.sha, ref: String(pull.base.ref ?? "") },
  };
}

/** `owner/repo` of the run (GITHUB_REPOSITORY), or undefined outside a runner. */
export function eventRepository(): { owner: string; repo: string } | undefined {
  try {
    return context.repo;
  } catch {
    return undefined;
  }
}

/** Files through the contents API; a missing file is null, any other refusal an explained error. */
export function contentsReader(
  octokit: ActionOctokit,
  repository: { owner: string; repo: string },
): GitHubReader {
  const files = repoContents(octokit, repository, {
    explain: (error, doing) => explainGitHubError(error, { doing, permission: "contents: read" }),
  });
  return { fileAt: (ref, path) => files.text(path, ref), bytesAt: (ref, path) => files.bytes(path, ref) };
}

/** The issues of the repository, for monitor mode's drift issue (needs `issues: write`). */
export function issuesClient(
  octokit: ActionOctokit,
  repository: { owner: string; repo: string },
): IssuesClient {
  const explained =
    <A extends unknown[], T>(doing: string, call: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      try {
        return await call(...args);
      } catch (error) {
        throw explainGitHubError(error, { doing, permission: "issues: write" });
      }
    };
  return {
    listIssues: explained("listing the drift issues", async ({ labels, page, perPage }) => {
      const { data } = await octokit.rest.issues.listForRepo({
        ...repository,
        state: "all",
        labels,
        per_page: perPage,
        page,
      });
      return data.map((i) => ({
        number: i.number,
        state: i.state === "closed" ? ("closed" as const) : ("open" as const),
        title: i.title,
        body: i.body ?? null,
        ...(i.pull_request ? { pull_request: i.pull_request } : {}),
      }));
    }),
    createIssue: explained("opening the drift issue", async (params) => {
      const { data } = await octokit.rest.issues.create({ ...repository, ...params });
      return { number: data.number, html_url: data.html_url };
    }),
    updateIssue: explained("updating the drift issue", async (number, params) => {
      const { data } = await octokit.rest.issues.update({ ...repository, issue_number: number, ...params });
      return { number: data.number, html_url: data.html_url };
    }),
  };
}
