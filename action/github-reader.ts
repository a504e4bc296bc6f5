/**
 * What the Action reads from GitHub, with the job's token and plain fetch: a file at a commit
 * (the registry as of the base commit).
 */

export interface GitHubReader {
  /** A file's text at `ref`, or null when it does not exist there. */
  fileAt(ref: string, path: string): Promise<string | null>;
}

export function restReader(options: { apiUrl: string; repository: string; token: string }): GitHubReader {
  const [owner, repo] = options.repository.split("/");
  const base = `${options.apiUrl.replace(/\/$/, "")}/repos/${owner}/${repo}`;
  const headers = {
    authorization: `Bearer ${options.token}`,
    "x-github-api-version": "2022-11-28",
    "user-agent": "modelgate-action",
  };
  const request = async (url: string, accept: string) => {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(url, { headers: { ...headers, accept } });
      if (response.status >= 500 && attempt < 2) {
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
        continue;
      }
      return response;
    }
  };
  return {
    async fileAt(ref, path) {
      const url = `${base}/contents/${path.split("/").map(encodeURIComponent).join("/")}?ref=${encodeURIComponent(ref)}`;
      const response = await request(url, "application/vnd.github.raw+json");
      if (response.status === 404) return null;
      if (!response.ok)
        throw new Error(`GitHub answered ${response.status} reading ${path} at ${ref.slice(0, 7)}`);
      return await response.text();
    },
  };
}
