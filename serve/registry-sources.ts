/**
 * Where the server reads the registry from, one consistent snapshot per poll: a git checkout's
 * working tree (kept current by `git pull` or a sidecar such as git-sync), or GitHub's contents
 * API at the head commit of a branch, read through an injected client.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { RegistrySource } from "../src/model/load-model.js";
import { repoContents, type ContentsClient as FilesClient } from "../src/repo-contents.js";

/** A fresh snapshot of the repository for each poll. */
export type RegistrySnapshot = () => Promise<RegistrySource & { commit?: string }>;

/** The files of a checkout under `root`, read anew at every poll. */
export function checkoutSnapshot(root: string): RegistrySnapshot {
  const source: RegistrySource = {
    describe: `the checkout ${root}`,
    async read(relativePath) {
      try {
        return await readFile(path.join(root, ...relativePath.split("/")), "utf8");
      } catch (e) {
        if ((e as { code?: string }).code === "ENOENT") return null;
        throw e;
      }
    },
    async readBytes(relativePath) {
      try {
        return await readFile(path.join(root, ...relativePath.split("/")));
      } catch (e) {
        if ((e as { code?: string }).code === "ENOENT") return null;
        throw e;
      }
    },
  };
  return () => Promise.resolve(source);
}

/** The part of an Octokit client the server uses (both `octokit` and Probot's satisfy it). */
export interface ContentsClient extends FilesClient {
  rest: FilesClient["rest"] & {
    git: {
      getRef(params: {
        owner: string;
        repo: string;
        ref: string;
      }): Promise<{ data: { object: { sha: string } } }>;
    };
  };
}

/**
 * The repository through the contents API: each poll resolves `branch` to its head commit once,
 * then reads every file at that commit, so one refresh never mixes two commits.
 */
export function githubSnapshot(
  client: ContentsClient,
  repo: { owner: string; repo: string },
  branch: string,
): RegistrySnapshot {
  const files = repoContents(client, repo);
  return async () => {
    const { data } = await client.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
    const commit = data.object.sha;
    return {
      describe: `${repo.owner}/${repo.repo} at ${commit.slice(0, 7)}`,
      commit,
      read: (relativePath) => files.text(relativePath, commit),
      readBytes: (relativePath) => files.bytes(relativePath, commit),
    };
  };
}
