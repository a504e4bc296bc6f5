import { findArtifact } from "./routes-actions.js";
import type { RawHandler } from "./server.js";
import type { SimState } from "./sim-state.js";

/**
 * Non-REST downloads: raw files (`download_url` of the contents API) and artifact archives (where
 * `actions/download-artifact` redirects, as GitHub redirects to blob storage).
 */
export function rawFileHandler(state: SimState): RawHandler {
  return ({ method, url }) => {
    const m = /^\/_sim\/raw\/([^/]+)\/([^/]+)\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (method !== "GET" || !m) return undefined;
    const [owner, name, ref, path] = m.slice(1).map(decodeURIComponent) as [string, string, string, string];
    const repo = state.repos.get(`${owner}/${name}`.toLowerCase());
    const text = repo ? safeRead(state, `${owner}/${name}`, ref, path) : undefined;
    if (text === undefined) return { status: 404, body: "404: Not Found", operationId: "raw" };
    return {
      status: 200,
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: text,
      operationId: "raw",
    };
  };
}

function safeRead(state: SimState, repo: string, ref: string, path: string): string | undefined {
  try {
    return state.readFile(repo, ref, path);
  } catch {
    return undefined;
  }
}

export function artifactDownloadHandler(state: SimState): RawHandler {
  return ({ method, url }) => {
    const m = /^\/_sim\/blob\/artifact-(\d+)\//.exec(url.pathname);
    if (method !== "GET" || !m) return undefined;
    const id = Number(m[1]);
    for (const repo of state.repos.values()) {
      const found = findArtifact(repo, id);
      if (!found) continue;
      if (url.searchParams.get("sig") !== `sim-${id}`)
        return { status: 403, body: "AuthenticationFailed", operationId: "blob" };
      const { artifact } = found;
      return {
        status: 200,
        headers: {
          "content-type": artifact.mimeType,
          "content-length": String(artifact.content.length),
          "content-disposition": `attachment; filename="${artifact.name}.zip"`,
        },
        body: artifact.content,
        operationId: "blob",
      };
    }
    return { status: 404, body: "BlobNotFound", operationId: "blob" };
  };
}
