import { createHash } from "node:crypto";
import { loadArtifactMessages, type ArtifactMessages } from "./artifact-messages.js";
import type { SimArtifact, SimRepo, SimWorkflowRun } from "./model.js";
import type { Violation } from "./openapi-validator.js";
import { artifactBlobUrl } from "./routes-actions.js";
import { beginArtifact, finalizeArtifact } from "./run-ops.js";
import type { RawHandler, RawResult } from "./server.js";
import type { SimState } from "./sim-state.js";
import { ApiError } from "./state-core.js";

const SERVICE = "github.actions.results.api.v1.ArtifactService";

class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const twirp = (method: string, status: number, body: unknown): RawResult => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
  operationId: `twirp/${method}`,
});

/** The `Actions.Results:<run>:<job>` scope of an (unsigned) runtime token, as the client reads it. */
function scopeOf(authorization: string | undefined): { run: string; job: string } {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  const payload = token?.split(".")[1];
  if (!payload) throw new TwirpError(401, "unauthenticated", "missing runtime token");
  let scp: unknown;
  try {
    scp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { scp?: unknown }).scp;
  } catch {
    throw new TwirpError(401, "unauthenticated", "runtime token is not a JWT");
  }
  for (const scope of String(scp ?? "").split(" ")) {
    const [name, run, job] = scope.split(":");
    if (name === "Actions.Results" && run && job) return { run, job };
  }
  throw new TwirpError(403, "permission_denied", "runtime token has no Actions.Results scope");
}

/** An unsigned runtime token scoped to a run's artifact storage (what ACTIONS_RUNTIME_TOKEN holds). */
export function runtimeToken(run: SimWorkflowRun): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ typ: "JWT", alg: "none" })}.${part({ scp: `Actions.GenericRead:${run.backendId} Actions.Results:${run.backendId}:${run.jobBackendId}`, exp: 4102444800 })}.sim`;
}

function findRun(state: SimState, backendId: string): { repo: SimRepo; run: SimWorkflowRun } {
  for (const repo of state.repos.values()) {
    const run = repo.workflowRuns.find((r) => r.backendId === backendId);
    if (run) return { repo, run };
  }
  throw new TwirpError(404, "not_found", `workflow run ${backendId} not found`);
}

interface RunRequest {
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  name?: string;
}

/**
 * The Actions results service's ArtifactService (twirp, JSON) and the block-blob storage its signed
 * urls point at, as `@actions/artifact` 6 talks to them. Bodies are checked both ways with the
 * message types the client package itself ships (unknown or mistyped fields are violations).
 */
export function artifactServiceHandlers(
  state: SimState,
  violations: Violation[],
  onViolation: "respond" | "record",
): RawHandler[] {
  const service: RawHandler = async ({ method, url, headers, body }) => {
    const m = new RegExp(`^/twirp/${SERVICE.replace(/\./g, "\\.")}/(\\w+)$`).exec(url.pathname);
    if (!m?.[1] || method !== "POST") return undefined;
    const rpc = m[1];
    const messages = await loadArtifactMessages();
    const types = {
      request: messages[`${rpc}Request` as keyof ArtifactMessages],
      response: messages[`${rpc}Response` as keyof ArtifactMessages],
    };
    if (!types.request || !types.response)
      return twirp(rpc, 404, { code: "bad_route", msg: `no method ${rpc}` });
    const violation = (direction: Violation["direction"], typeName: string, e: unknown): Violation => ({
      operationId: `twirp/${rpc}`,
      direction,
      location: "body",
      instancePath: "",
      schemaPath: `@actions/artifact ${typeName}`,
      message: e instanceof Error ? e.message : String(e),
      request: `POST ${url.pathname}`,
    });
    let request: unknown;
    try {
      request = types.request.fromJson(JSON.parse(body.toString("utf8")));
    } catch (e) {
      // A body the message type cannot read cannot be served in either mode.
      const v = violation("request", types.request.typeName, e);
      violations.push(v);
      return twirp(rpc, 400, { code: "malformed", msg: `github-sim: ${v.message}` });
    }
    let result: Record<string, unknown>;
    try {
      const scope = scopeOf(typeof headers.authorization === "string" ? headers.authorization : undefined);
      const req = request as RunRequest;
      if (req.workflowRunBackendId !== scope.run || req.workflowJobRunBackendId !== scope.job) {
        throw new TwirpError(403, "permission_denied", "the runtime token is for another run or job");
      }
      result = perform(state, rpc, findRun(state, req.workflowRunBackendId), request);
    } catch (e) {
      if (e instanceof TwirpError) return twirp(rpc, e.status, { code: e.code, msg: e.message });
      if (e instanceof ApiError)
        return twirp(rpc, e.status, {
          code: e.status === 409 ? "already_exists" : "invalid_argument",
          msg: e.message,
        });
      throw e;
    }
    try {
      types.response.fromJson(result);
    } catch (e) {
      const v = violation("response", types.response.typeName, e);
      violations.push(v);
      // 501 is not among the statuses the client retries, so the failure shows at once.
      if (onViolation === "respond")
        return twirp(rpc, 501, { code: "internal", msg: `github-sim: ${v.message}` });
    }
    return twirp(rpc, 200, result);
  };
  return [service, blobUpload(state)];
}

function perform(
  state: SimState,
  rpc: string,
  { run }: { repo: SimRepo; run: SimWorkflowRun },
  request: unknown,
): Record<string, unknown> {
  const named = (name: string | undefined, finalized: boolean): SimArtifact => {
    const a = run.artifacts.find((x) => x.name === name && x.finalized === finalized);
    if (!a) throw new TwirpError(404, "not_found", `artifact ${name} not found`);
    return a;
  };
  switch (rpc) {
    case "CreateArtifact": {
      const req = request as RunRequest & { name: string; mimeType?: { value: string } };
      const artifact = beginArtifact(state, run, req.name, req.mimeType?.value ?? "application/zip");
      const signed = `${state.apiUrl}/_sim/blob/upload-${artifact.id}/${encodeURIComponent(req.name)}?sig=sim-up-${artifact.id}&sv=2023-11-03`;
      return { ok: true, signed_upload_url: signed };
    }
    case "FinalizeArtifact": {
      const req = request as RunRequest & { size: string; hash?: { value: string } };
      const artifact = named(req.name, false);
      if (Number(req.size) !== artifact.content.length) {
        throw new TwirpError(
          400,
          "invalid_argument",
          `size ${req.size} does not match the ${artifact.content.length} bytes uploaded`,
        );
      }
      const digest = `sha256:${createHash("sha256").update(artifact.content).digest("hex")}`;
      if (req.hash && req.hash.value !== digest)
        throw new TwirpError(400, "invalid_argument", `hash ${req.hash.value} does not match ${digest}`);
      finalizeArtifact(artifact);
      return { ok: true, artifact_id: String(artifact.id) };
    }
    case "ListArtifacts": {
      const req = request as RunRequest & { nameFilter?: { value: string }; idFilter?: { value: string } };
      const list = run.artifacts.filter(
        (a) =>
          a.finalized &&
          (!req.nameFilter || a.name === req.nameFilter.value) &&
          (!req.idFilter || String(a.id) === req.idFilter.value),
      );
      return {
        artifacts: list.map((a) => ({
          workflow_run_backend_id: run.backendId,
          workflow_job_run_backend_id: run.jobBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.content.length),
          created_at: a.createdAt,
          ...(a.digest ? { digest: a.digest } : {}),
        })),
      };
    }
    case "GetSignedArtifactURL":
      return { signed_url: artifactBlobUrl(state, named((request as RunRequest).name, true)) };
    case "DeleteArtifact": {
      const artifact = named((request as RunRequest).name, true);
      run.artifacts = run.artifacts.filter((a) => a !== artifact);
      return { ok: true, artifact_id: String(artifact.id) };
    }
    default:
      throw new TwirpError(404, "bad_route", `no method ${rpc}`);
  }
}

/** Azure block-blob PUTs: whole blob, `comp=block` (stage) and `comp=blocklist` (commit in order). */
function blobUpload(state: SimState): RawHandler {
  return ({ method, url, headers, body }) => {
    const m = /^\/_sim\/blob\/upload-(\d+)\//.exec(url.pathname);
    if (!m || method !== "PUT") return undefined;
    const xml = (status: number, code: string): RawResult => ({
      status,
      headers: { "content-type": "application/xml", "x-ms-error-code": code },
      body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
      operationId: "blob",
    });
    const id = Number(m[1]);
    if (url.searchParams.get("sig") !== `sim-up-${id}`) return xml(403, "AuthenticationFailed");
    const artifact = [...state.repos.values()]
      .flatMap((r) => r.workflowRuns.flatMap((run) => run.artifacts))
      .find((a) => a.id === id);
    if (!artifact || artifact.finalized) return xml(404, "BlobNotFound");
    const comp = url.searchParams.get("comp");
    if (comp === "block") {
      const blockId = url.searchParams.get("blockid");
      if (!blockId) return xml(400, "InvalidQueryParameterValue");
      artifact.stagedBlocks.set(blockId, body);
    } else if (comp === "blocklist") {
      const ids = [...body.toString("utf8").matchAll(/<(?:Latest|Committed|Uncommitted)>([^<]*)<\//g)].map(
        (x) => x[1] ?? "",
      );
      const blocks = ids.map((b) => artifact.stagedBlocks.get(b));
      if (blocks.some((b) => b === undefined)) return xml(400, "InvalidBlockList");
      artifact.content = Buffer.concat(blocks as Buffer[]);
      artifact.stagedBlocks.clear();
      const type = headers["x-ms-blob-content-type"];
      if (typeof type === "string") artifact.mimeType = type;
    } else if (comp === null) {
      artifact.content = body;
    } else {
      return xml(400, "UnsupportedQueryParameter");
    }
    const now = new Date().toUTCString();
    return {
      status: 201,
      headers: {
        etag: `"0x${createHash("sha1").update(artifact.content).digest("hex").slice(0, 15).toUpperCase()}"`,
        "last-modified": now,
        date: now,
        "x-ms-request-id": `sim-${state.id()}`,
        "x-ms-version": "2025-01-05",
        "x-ms-request-server-encrypted": "true",
        "content-length": "0",
      },
      operationId: "blob",
    };
  };
}
