/**
 * Reading files of a repository through the contents API, at one commit, so everything read
 * for a decision comes from the same snapshot of the default branch.
 */
import type { RegistrySource } from "../src/model/load-model.js";
import type { GitHubClient, RepoRef } from "./github-client.js";
import { statusOf } from "./github-client.js";
import { bytesOfBody } from "../src/bounded-body.js";

/** Files the app reads from the default branch (modelgate.yml, registry.json, model files) are small. */
export const MAX_REPO_FILE_BYTES = 20 * 1024 * 1024;

/** A file's text at `ref` (branch, tag or commit sha); null when the path is not a file there. */
export async function readRepoFile(
  client: GitHubClient,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<string | null> {
  try {
    const { data } = await client.rest.repos.getContent({
      ...repo,
      path,
      ref,
      mediaType: { format: "raw" },
    });
    // With the raw media type the body is the file itself; a folder still answers with JSON.
    if (typeof data !== "string") return null;
    if (Buffer.byteLength(data, "utf8") > MAX_REPO_FILE_BYTES)
      throw new Error(`${path} at ${ref} is larger than ${MAX_REPO_FILE_BYTES} bytes`);
    return data;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/**
 * A file's bytes at `ref` (an ONNX model): the raw body, unparsed, so no text decoding touches
 * it; null when the path is not a file there.
 */
export async function readRepoBytes(
  client: GitHubClient,
  repo: RepoRef,
  path: string,
  ref: string,
  limit = MAX_REPO_BYTES,
): Promise<Uint8Array | null> {
  try {
    const { data } = await client.rest.repos.getContent({
      ...repo,
      path,
      ref,
      mediaType: { format: "raw" },
      request: { parseSuccessResponseBody: false },
    });
    return await bytesOfBody(data, limit, `${path} at ${ref}`);
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/** Largest binary file (an ONNX model) read through the contents API: GitHub's own file limit. */
export const MAX_REPO_BYTES = 100 * 1024 * 1024;

/** A RegistrySource over the contents API at one commit (the default branch's head, read once). */
export function contentsSource(client: GitHubClient, repo: RepoRef, commitSha: string): RegistrySource {
  return {
    describe: `commit ${commitSha.slice(0, 7)}`,
    read: (relativePath) => readRepoFile(client, repo, relativePath, commitSha),
    readBytes: (relativePath) => readRepoBytes(client, repo, relativePath, commitSha),
  };
}

/** The commit a branch points at now. */
export async function branchHead(client: GitHubClient, repo: RepoRef, branch: string): Promise<string> {
  const { data } = await client.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
  return data.object.sha;
}
