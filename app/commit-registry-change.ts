/**
 * One registry commit on the default branch through the Git data API: read the branch's head,
 * the registry as of that commit, apply a pure transition, write blobs, a tree on top of the
 * head's tree, a commit, and move the branch only if it still points at that head (no force).
 * When another commit landed in between (GitHub answers 422 "not a fast forward"), everything
 * is read again and the transition re-applied, a bounded number of times, so two promotions
 * merged at the same moment both land and neither overwrites the other.
 */
import { readRegistry } from "../src/model/load-model.js";
import type { Registry } from "../src/registry/registry-document.js";
import type { ByteWrite, FileWrite, RegistryChange } from "../src/registry/registry-transitions.js";
import type { GitHubClient, RepoRef } from "./github-client.js";
import { apiMessageOf, statusOf } from "./github-client.js";
import { branchHead, contentsSource } from "./repo-files.js";

/** Attempts before giving up on a branch that keeps moving. */
export const MAX_COMMIT_ATTEMPTS = 5;

export interface RegistryCommitRequest {
  branch: string;
  registryDir: string;
  message: string;
  /** Applied to the registry as read at the branch's head, again on every attempt. Pure. */
  transition: (registry: Registry) => RegistryChange;
}

export type RegistryCommitResult =
  | { status: "committed"; commitSha: string; parentSha: string; change: RegistryChange; attempts: number }
  /** The transition changed nothing (a replay): nothing was written. */
  | { status: "unchanged"; headSha: string; change: RegistryChange; attempts: number }
  /** GitHub refused to move the branch for another reason than a race: protection or permission. */
  | { status: "refused"; httpStatus: number; message: string; attempts: number }
  | { status: "conflict"; attempts: number };

function isNotFastForward(error: unknown): boolean {
  return statusOf(error) === 422 && /fast[- ]?forward/i.test(apiMessageOf(error));
}

/** Several changes in order as one: the last content of each path wins, registry.json last. */
export function composeChanges(
  registry: Registry,
  steps: ((r: Registry) => RegistryChange)[],
): RegistryChange {
  let current: RegistryChange = { registry, writes: [], changed: false, events: [], version: 0 };
  const writes = new Map<string, FileWrite>();
  const byteWrites = new Map<string, ByteWrite>();
  for (const step of steps) {
    const next = step(current.registry);
    for (const w of next.writes) {
      writes.delete(w.path);
      writes.set(w.path, w);
    }
    for (const w of next.byteWrites ?? []) byteWrites.set(w.path, w);
    current = {
      registry: next.registry,
      writes: [],
      changed: current.changed || next.changed,
      events: [...current.events, ...next.events],
      version: next.version,
    };
  }
  const ordered = [...writes.values()];
  const registryWrites = ordered.filter((w) => w.path.endsWith("registry.json"));
  return {
    ...current,
    writes: [...ordered.filter((w) => !w.path.endsWith("registry.json")), ...registryWrites],
    ...(byteWrites.size > 0 ? { byteWrites: [...byteWrites.values()] } : {}),
  };
}

/** Carries out a registry transition as one commit on `request.branch`, retrying on a race. */
export async function commitRegistryChange(
  client: GitHubClient,
  repo: RepoRef,
  request: RegistryCommitRequest,
  maxAttempts = MAX_COMMIT_ATTEMPTS,
): Promise<RegistryCommitResult> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const headSha = await branchHead(client, repo, request.branch);
    const registry = await readRegistry(contentsSource(client, repo, headSha), request.registryDir);
    const change = request.transition(registry);
    if (!change.changed) return { status: "unchanged", headSha, change, attempts: attempt };

    const { data: head } = await client.rest.git.getCommit({ ...repo, commit_sha: headSha });
    const files = [
      ...(change.byteWrites ?? []).map((w) => ({ path: w.path, bytes: Buffer.from(w.bytes) })),
      ...change.writes.map((w) => ({ path: w.path, bytes: Buffer.from(w.content, "utf8") })),
    ];
    const blobs = await Promise.all(
      files.map(async (w) => {
        const { data } = await client.rest.git.createBlob({
          ...repo,
          content: w.bytes.toString("base64"),
          encoding: "base64",
        });
        return { path: w.path, mode: "100644" as const, type: "blob" as const, sha: data.sha };
      }),
    );
    const { data: tree } = await client.rest.git.createTree({
      ...repo,
      base_tree: head.tree.sha,
      tree: blobs,
    });
    const { data: commit } = await client.rest.git.createCommit({
      ...repo,
      message: request.message,
      tree: tree.sha,
      parents: [headSha],
    });
    try {
      await client.rest.git.updateRef({
        ...repo,
        ref: `heads/${request.branch}`,
        sha: commit.sha,
        force: false,
      });
      return { status: "committed", commitSha: commit.sha, parentSha: headSha, change, attempts: attempt };
    } catch (error) {
      if (isNotFastForward(error)) continue;
      const httpStatus = statusOf(error);
      if (httpStatus === 403 || httpStatus === 409 || httpStatus === 422)
        return { status: "refused", httpStatus, message: apiMessageOf(error), attempts: attempt };
      throw error;
    }
  }
  return { status: "conflict", attempts: maxAttempts };
}
