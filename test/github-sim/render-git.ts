import type { GitSignature, TreeEntry } from "./git-store.js";
import type { SimRepo } from "./model.js";
import type { StateCore } from "./state-core.js";

/** REST representations of the Git data API and the contents API. */

export function renderRef(core: StateCore, repo: SimRepo, ref: string, sha: string): Record<string, unknown> {
  const base = `${core.apiUrl}/repos/${repo.fullName}/git`;
  return {
    ref,
    node_id: core.nodeId("Ref", repo.id),
    url: `${base}/${ref}`,
    object: { type: "commit", sha, url: `${base}/commits/${sha}` },
  };
}

const person = (s: GitSignature) => ({ name: s.name, email: s.email, date: s.date });

export function renderGitCommit(core: StateCore, repo: SimRepo, sha: string): Record<string, unknown> {
  const commit = repo.git.commit(sha);
  if (!commit) throw new Error(`no commit ${sha}`);
  const base = `${core.apiUrl}/repos/${repo.fullName}/git`;
  return {
    sha,
    node_id: core.nodeId("Commit", parseInt(sha.slice(0, 8), 16)),
    url: `${base}/commits/${sha}`,
    html_url: `${core.serverUrl}/${repo.fullName}/commit/${sha}`,
    author: person(commit.author),
    committer: person(commit.committer),
    message: commit.message,
    tree: { sha: commit.tree, url: `${base}/trees/${commit.tree}` },
    parents: commit.parents.map((p) => ({
      sha: p,
      url: `${base}/commits/${p}`,
      html_url: `${core.serverUrl}/${repo.fullName}/commit/${p}`,
    })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

export function renderTree(
  core: StateCore,
  repo: SimRepo,
  sha: string,
  recursive: boolean,
): Record<string, unknown> {
  const base = `${core.apiUrl}/repos/${repo.fullName}/git`;
  const entries = recursive ? repo.git.listRecursive(sha) : (repo.git.tree(sha) ?? []);
  return {
    sha,
    url: `${base}/trees/${sha}`,
    truncated: false,
    tree: entries.map((e: TreeEntry) => ({
      path: e.path,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.type === "blob" ? { size: repo.git.blob(e.sha)?.length ?? 0 } : {}),
      url: `${base}/${e.type === "tree" ? "trees" : "blobs"}/${e.sha}`,
    })),
  };
}

export function renderBlob(
  core: StateCore,
  repo: SimRepo,
  sha: string,
  content: Buffer,
): Record<string, unknown> {
  return {
    sha,
    node_id: core.nodeId("Blob", parseInt(sha.slice(0, 8), 16)),
    url: `${core.apiUrl}/repos/${repo.fullName}/git/blobs/${sha}`,
    size: content.length,
    content: wrapBase64(content),
    encoding: "base64",
  };
}

/** Base64 broken into 60-character lines, as GitHub sends file and blob contents. */
export function wrapBase64(content: Buffer): string {
  const b64 = content.toString("base64");
  return b64.length === 0 ? "" : `${b64.match(/.{1,60}/g)?.join("\n")}\n`;
}

/** A `content-file` (with content) or one item of a `content-directory` (without). */
export function renderContentItem(
  core: StateCore,
  repo: SimRepo,
  ref: string,
  path: string,
  entry: TreeEntry,
  withContent: boolean,
): Record<string, unknown> {
  const api = `${core.apiUrl}/repos/${repo.fullName}`;
  const self = `${api}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const isDir = entry.type === "tree";
  const git = `${api}/git/${isDir ? "trees" : "blobs"}/${entry.sha}`;
  const html = `${core.serverUrl}/${repo.fullName}/${isDir ? "tree" : "blob"}/${ref}/${path}`;
  const blob = isDir ? undefined : repo.git.blob(entry.sha);
  return {
    type: isDir ? "dir" : entry.type === "commit" ? "submodule" : "file",
    size: blob?.length ?? 0,
    name: path.split("/").pop() ?? path,
    path,
    sha: entry.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: isDir ? null : `${core.apiUrl}/_sim/raw/${repo.fullName}/${ref}/${path}`,
    _links: { self, git, html },
    ...(withContent && blob ? { content: wrapBase64(blob), encoding: "base64" } : {}),
  };
}
