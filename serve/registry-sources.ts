/**
 * Where the server reads the registry from, one consistent snapshot per poll: a git checkout's
 * working tree (kept current by `git pull` or a sidecar such as git-sync), or GitHub's contents
 * API at the head commit of a branch, read through an injected client.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { bytesOfBody } from "../src/bounded-body.js";
import type { RegistrySource } from "../src/model/load-model.js";

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
export interface ContentsClient {
  rest: {
    repos: {
      getContent(params: {
        owner: string;
        repo: string;
        path: string;
        ref: string;
        mediaType: { format: string };
        request?: { parseSuccessResponseBody: boolean };
      }): Promise<{ data: unknown }>;
    };
    git: {
      getRef(params: {
        owner: string;
        repo: string;
        ref: string;
      }): Promise<{ data: { object: { sha: string } } }>;
    };
  };
}

/** Largest registry file read through the API. */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** Largest model file (an ONNX model's bytes) read through the API: GitHub's own file limit. */
const MAX_MODEL_BYTES = 100 * 1024 * 1024;

/**
 * The repository through the contents API: each poll resolves `branch` to its head commit once,
 * then reads every file at that commit, so one refresh never mixes two commits.
 */
export function githubSnapshot(
  client: ContentsClient,
  repo: { owner: string; repo: string },
  branch: string,
): RegistrySnapshot {
  return async () => {
    const { data } = await client.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
    const commit = data.object.sha;
    const at = (relativePath: string) => `${relativePath} at ${commit.slice(0, 7)}`;
    /** A file's raw body at the commit (unparsed: bytes never pass a text decoder); null on 404. */
    const raw = async (relativePath: string, unparsed: boolean): Promise<{ body: unknown } | null> => {
      try {
        const { data: body } = await client.rest.repos.getContent({
          ...repo,
          path: relativePath,
          ref: commit,
          mediaType: { format: "raw" },
          ...(unparsed ? { request: { parseSuccessResponseBody: false } } : {}),
        });
        return { body };
      } catch (e) {
        if ((e as { status?: number }).status === 404) return null;
        throw e;
      }
    };
    return {
      describe: `${repo.owner}/${repo.repo} at ${commit.slice(0, 7)}`,
      commit,
      async read(relativePath) {
        const file = (await raw(relativePath, false))?.body;
        if (typeof file !== "string") return null;
        if (Buffer.byteLength(file) > MAX_FILE_BYTES)
          throw new Error(`${at(relativePath)} is larger than ${MAX_FILE_BYTES} bytes`);
        return file;
      },
      async readBytes(relativePath) {
        const file = await raw(relativePath, true);
        return file && bytesOfBody(file.body, MAX_MODEL_BYTES, at(relativePath));
      },
    };
  };
}
