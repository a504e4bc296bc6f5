/** What the Action says when a call to GitHub fails: the permission, the proxy, the fix. */
import { afterEach, describe, expect, it } from "vitest";
import { explainGitHubError, networkFailure } from "../../action/github-errors.js";

const saved = { ...process.env };
afterEach(() => {
  for (const k of ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
const withProxy = (vars: Record<string, string>) => {
  for (const k of ["https_proxy", "http_proxy", "no_proxy"]) process.env[k] = "";
  Object.assign(process.env, vars);
};

const refused = (address: string) =>
  Object.assign(new Error(`connect ECONNREFUSED ${address}`), {
    status: 500,
    request: { url: "https://api.github.com/repos/acme/cars/contents/x" },
    cause: Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }),
  });

describe("explainGitHubError", () => {
  const call = { doing: "reading .modelgate/registry.json at commit abc", permission: "contents: read" };

  it("names the permission on a 403 and the token on a 401", () => {
    const forbidden = explainGitHubError(
      { status: 403, message: "Resource not accessible by integration" },
      call,
    );
    expect(forbidden.message).toBe(
      "GitHub refused reading .modelgate/registry.json at commit abc (403: Resource not accessible by integration): the job's token needs `permissions: contents: read` in the workflow (a pull request from a fork gets a read-only token).",
    );
    expect(explainGitHubError({ status: 401, message: "Bad credentials" }, call).message).toMatch(
      /^GitHub refused the github-token while reading .* \(401: Bad credentials\): pass a valid token/,
    );
    expect(explainGitHubError({ status: 403, message: "API rate limit exceeded" }, call).message).toMatch(
      /rate limit stopped reading/,
    );
  });

  it("says a proxy refused the connection, naming it without its password", () => {
    withProxy({ HTTPS_PROXY: "http://user:secret@127.0.0.1:3128" });
    const message = explainGitHubError(refused("127.0.0.1:3128"), call).message;
    expect(message).toBe(
      "the proxy http://127.0.0.1:3128 (HTTPS_PROXY) refused the connection to https://api.github.com (ECONNREFUSED): check that the proxy runs, or name the host in NO_PROXY (while reading .modelgate/registry.json at commit abc)",
    );
    expect(message).not.toContain("secret");
  });

  it("says a proxy wants credentials (407)", () => {
    withProxy({ HTTPS_PROXY: "http://127.0.0.1:3128" });
    const error = {
      message: "fetch failed",
      cause: new Error("Proxy response (407) !== 200 when HTTP Tunneling"),
    };
    expect(networkFailure(error, "https://api.github.com/x")).toBe(
      "the proxy http://127.0.0.1:3128 (HTTPS_PROXY) asks for credentials (407) to reach https://api.github.com: give them in HTTPS_PROXY as http://user:password@host:port",
    );
  });

  it("says no proxy applies when NO_PROXY names the host, and leaves HTTP answers alone", () => {
    withProxy({ HTTPS_PROXY: "http://127.0.0.1:3128", NO_PROXY: "api.github.com" });
    expect(networkFailure(refused("140.82.112.6:443"), "https://api.github.com/x")).toBe(
      "could not reach https://api.github.com (ECONNREFUSED); no proxy applies to it",
    );
    expect(
      networkFailure({ status: 502, message: "Bad Gateway" }, "https://api.github.com/x"),
    ).toBeUndefined();
  });
});
