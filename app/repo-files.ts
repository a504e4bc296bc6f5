/**
 * Reading files of a repository through the contents API, at one commit, so everything read
 * for a decision comes from the same snapshot of the default branch.
 */
import type { RegistrySource } from "../src/model/load-model.js";
import type { GitHubClient, RepoRef } from "./github-client.js";
import { repoContents } from "../src/repo-contents.js";

/** A file's text at `ref` (branch, tag or commit sha); null when the path is not a file there. */
export function readRepoFile(
  client: GitHubClient,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<string | null> {
  return repoContents(client, repo).text(path, ref);
}

/** A RegistrySource over the contents API at one commit (the default branch's head, read once). */
export function contentsSource(client: GitHubClient, repo: RepoRef, commitSha: string): RegistrySource {
  const files = repoContents(client, repo);
  return {
    describe: `commit ${commitSha.slice(0, 7)}`,
    read: (relativePath) => files.text(relativePath, commitSha),
    readBytes: (relativePath) => files.bytes(relativePath, commitSha),
  };
}

/** The commit a branch points at now. */
export async function branchHead(client: GitHubClient, repo: RepoRef, branch: string): Promise<string> {
  const { data } = await client.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
  return data.object.sha;
}
