/**
 * Turns a failed call to GitHub (REST or the artifact service) into a message a user can act
 * on: which permission the workflow must grant, which proxy refused, what to change.
 */
import { getProxyUrl } from "@actions/http-client/lib/proxy";

/** A call to GitHub that failed, explained. */
export class GitHubAccessError extends Error {
  constructor(
    message: string,
    /** The HTTP status GitHub answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "GitHubAccessError";
  }
}

interface FailedCall {
  status?: number;
  message?: string;
  request?: { url?: string };
  response?: { url?: string; data?: unknown };
  cause?: unknown;
  code?: string;
}

/**
 * The error to report for `error`, thrown while `doing` (e.g. "reading registry.json at commit
 * abc"), a call that needs the token's `permission` (e.g. "contents: read"), if any. `url` is the
 * address called when the error does not carry it (the artifact client's errors).
 */
export function explainGitHubError(
  error: unknown,
  call: { doing: string; permission?: string; url?: string },
): GitHubAccessError {
  const e = (error ?? {}) as FailedCall;
  const url = e.request?.url ?? call.url;
  const network = networkFailure(error, url);
  if (network) return new GitHubAccessError(`${network} (while ${call.doing})`);
  const detail = e.message ? `: ${e.message}` : "";
  switch (e.status) {
    case 401:
      return new GitHubAccessError(
        `GitHub refused the github-token while ${call.doing} (401${detail}): pass a valid token (the default, \${{ github.token }}, is valid for the job).`,
        401,
      );
    case 403:
      if (/rate limit/i.test(e.message ?? ""))
        return new GitHubAccessError(`GitHub's rate limit stopped ${call.doing} (403${detail}).`, 403);
      return new GitHubAccessError(
        call.permission
          ? `GitHub refused ${call.doing} (403${detail}): the job's token needs \`permissions: ${call.permission}\` in the workflow (a pull request from a fork gets a read-only token).`
          : `GitHub refused ${call.doing} (403${detail}).`,
        403,
      );
    case 404:
      return new GitHubAccessError(
        `GitHub found nothing while ${call.doing} (404${detail})${call.permission ? `: check GITHUB_REPOSITORY and that the token may see the repository (\`permissions: ${call.permission}\`)` : ""}.`,
        404,
      );
    default:
      return new GitHubAccessError(
        `GitHub answered ${e.status ?? "with an error"} while ${call.doing}${detail}`,
        e.status,
      );
  }
}

/**
 * A sentence for a failure to connect (no HTTP answer from GitHub), naming the proxy when one
 * applies to `url` as the toolkit decides (HTTPS_PROXY or HTTP_PROXY, NO_PROXY); undefined when
 * `error` is not a connection failure.
 */
export function networkFailure(error: unknown, url: string | undefined): string | undefined {
  const text = causeChain(error);
  const proxyStatus = /Proxy response \((\d+)\)|proxy.*\b(407)\b/i.exec(text);
  const code = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|UND_ERR_\w+)\b/.exec(
    text,
  )?.[1];
  if (!proxyStatus && !code) return undefined;
  let target: URL | undefined;
  try {
    target = url ? new URL(url) : undefined;
  } catch {
    target = undefined;
  }
  const proxy = target ? getProxyUrl(target) : undefined;
  const where = target ? `${target.protocol}//${target.host}` : "GitHub";
  if (!proxy) return `could not reach ${where} (${code ?? "connection failed"}); no proxy applies to it`;
  const variable = target?.protocol === "https:" ? "HTTPS_PROXY" : "HTTP_PROXY";
  const name = `the proxy ${proxy.protocol}//${proxy.host} (${variable})`;
  const status = proxyStatus?.[1] ?? proxyStatus?.[2];
  if (status === "407")
    return `${name} asks for credentials (407) to reach ${where}: give them in ${variable} as http://user:password@host:port`;
  if (status) return `${name} refused to connect to ${where} (it answered ${status})`;
  if (code === "ECONNREFUSED" && text.includes(`:${proxy.port || (proxy.protocol === "https:" ? 443 : 80)}`))
    return `${name} refused the connection to ${where} (${code}): check that the proxy runs, or name the host in NO_PROXY`;
  return `could not reach ${where} through ${name} (${code}): check the proxy, or name the host in NO_PROXY`;
}

/** The messages and codes of an error and its causes, joined. */
function causeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    if (typeof current === "string") {
      parts.push(current);
      break;
    }
    const c = current as FailedCall & { errors?: unknown[] };
    if (c.message) parts.push(c.message);
    if (c.code) parts.push(c.code);
    for (const inner of c.errors ?? []) parts.push(causeChain(inner));
    current = c.cause;
  }
  return parts.join(" | ");
}
