import { createHash, randomUUID } from "node:crypto";
import type { SimArtifact, SimRepo, SimUser, SimWorkflowRun } from "./model.js";
import { ApiError, type StateCore } from "./state-core.js";
import { zipFiles } from "./zip-files.js";

/** Options of `createWorkflowRun`. */
export interface CreateRunOptions {
  /** Workflow name (`name:` of the workflow file). */
  name?: string;
  /** Workflow file path, e.g. `.github/workflows/modelgate.yml`. */
  path?: string;
  event?: string;
  headSha: string;
  headBranch?: string | null;
  /** Where the head commit lives: the fork for a fork PR. */
  headRepo?: SimRepo;
  /** Pull requests the run is for (listed only when the head is in this repository, as on GitHub). */
  pullNumbers?: number[];
  actor: SimUser;
}

/** Creates a queued workflow run (emits `workflow_run.requested`). */
export function createWorkflowRun(core: StateCore, repo: SimRepo, options: CreateRunOptions): SimWorkflowRun {
  const id = core.id();
  const now = core.now();
  const path = options.path ?? ".github/workflows/ci.yml";
  const sameWorkflow = repo.workflowRuns.filter((r) => r.path === path);
  const run: SimWorkflowRun = {
    id,
    nodeId: core.nodeId("WorkflowRun", id),
    name:
      options.name ??
      path
        .split("/")
        .pop()
        ?.replace(/\.ya?ml$/, "") ??
      "ci",
    path,
    workflowId: sameWorkflow[0]?.workflowId ?? core.id(),
    runNumber: sameWorkflow.length + 1,
    runAttempt: 1,
    event: options.event ?? "pull_request",
    status: "queued",
    conclusion: null,
    headSha: options.headSha,
    headBranch: options.headBranch ?? null,
    headRepo: options.headRepo ?? repo,
    pullNumbers: options.pullNumbers ?? [],
    actor: options.actor,
    createdAt: now,
    updatedAt: now,
    artifacts: [],
    backendId: randomUUID(),
    jobBackendId: randomUUID(),
  };
  repo.workflowRuns.push(run);
  core.emit({ name: "workflow_run", action: "requested", repo, runId: id, sender: options.actor });
  return run;
}

/** Moves a run to `in_progress` or `completed` (with its conclusion), emitting `workflow_run`. */
export function setRunStatus(
  core: StateCore,
  repo: SimRepo,
  run: SimWorkflowRun,
  status: "in_progress" | "completed",
  conclusion: SimWorkflowRun["conclusion"] = null,
): void {
  run.status = status;
  run.conclusion = status === "completed" ? (conclusion ?? "success") : null;
  run.updatedAt = core.now();
  core.emit({ name: "workflow_run", action: status, repo, runId: run.id, sender: run.actor });
}

/**
 * Re-runs a completed run as GitHub's "Re-run jobs" does: the same run id with the next
 * `run_attempt`, queued again (emits `workflow_run.requested`); the new attempt uploads its own
 * artifacts, so the earlier attempt's are dropped.
 */
export function rerunWorkflowRun(core: StateCore, repo: SimRepo, run: SimWorkflowRun): SimWorkflowRun {
  if (run.status !== "completed") throw new ApiError(403, "This workflow run is not completed");
  run.runAttempt += 1;
  run.status = "queued";
  run.conclusion = null;
  run.artifacts = [];
  run.updatedAt = core.now();
  core.emit({ name: "workflow_run", action: "requested", repo, runId: run.id, sender: run.actor });
  return run;
}

/** Starts an artifact (not listed until finalised), as the artifact service's CreateArtifact does. */
export function beginArtifact(
  core: StateCore,
  run: SimWorkflowRun,
  name: string,
  mimeType = "application/zip",
): SimArtifact {
  if (run.artifacts.some((a) => a.name === name && a.finalized)) {
    throw new ApiError(409, `an artifact with this name already exists on the workflow run`);
  }
  run.artifacts = run.artifacts.filter((a) => a.name !== name);
  const id = core.id();
  const now = core.now();
  const artifact: SimArtifact = {
    id,
    nodeId: core.nodeId("Artifact", id),
    name,
    runId: run.id,
    content: Buffer.alloc(0),
    mimeType,
    digest: null,
    finalized: false,
    createdAt: now,
    expiresAt: new Date(Date.parse(now) + 90 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    stagedBlocks: new Map(),
  };
  run.artifacts.push(artifact);
  return artifact;
}

/** Marks an uploaded artifact complete; it now appears in the REST listing. */
export function finalizeArtifact(artifact: SimArtifact): void {
  artifact.finalized = true;
  artifact.digest = `sha256:${createHash("sha256").update(artifact.content).digest("hex")}`;
}

/** Adds a finished artifact holding `files` zipped, without going through the upload client. */
export function addArtifact(
  core: StateCore,
  run: SimWorkflowRun,
  name: string,
  files: Record<string, string | Buffer>,
): SimArtifact {
  const artifact = beginArtifact(core, run, name);
  const entries: Record<string, Buffer> = {};
  for (const [path, content] of Object.entries(files))
    entries[path] = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  artifact.content = zipFiles(entries, new Date("2024-01-01T00:00:00Z"));
  finalizeArtifact(artifact);
  return artifact;
}
