/**
 * The reports of one workflow run, taken from its `modelgate-report-<model>` artifacts through
 * the REST API and treated as untrusted: the archive's size is checked before and while it
 * downloads, its wanted files are inflated within limits, report.json is validated with the
 * strict schema, it must be about this model and this head commit, and the model file must be
 * the one the report names by sha256. Anything else a PR's run produced (report.md,
 * report.html) is never read.
 */
import { bytesOfBody } from "../src/bounded-body.js";
import { sha256Hex } from "../src/canonical-json.js";
import { reportSchema, type Report } from "../src/report/report-schema.js";
import { MODEL_NAME_PATTERN } from "../src/project/schemas.js";
import type { GitHubClient, RepoRef } from "./github-client.js";
import { statusOf } from "./github-client.js";
import { ArtifactError, readZipEntries } from "./read-artifact-zip.js";
import { ARTIFACT_LIMITS, DEFAULT_MAX_ONNX_BYTES, type ArtifactLimits } from "./artifact-limits.js";
import { verifyOnnxPin, type OnnxPinClaim } from "../src/model/onnx/verify-onnx-pin.js";

export const ARTIFACT_PREFIX = "modelgate-report-";

/** One model's report, validated. */
export interface RunModel {
  model: string;
  /** A report holding just this model (as the Action writes one per artifact). */
  report: Report;
  /** The challenger's model file, exactly as trained; its sha256 matched the report. */
  modelFile: string;
  /**
   * An ONNX challenger's bytes, checked against the pin in its model file (size, sha256, that they
   * parse as ONNX with the signature recorded); never executed.
   */
  onnxBytes?: Uint8Array;
}

/** An artifact the app refused, with a reason written by the app (no text from the artifact). */
export interface ArtifactProblem {
  /** The artifact's name if it is a valid report name, else a neutral description. */
  artifact: string;
  message: string;
}

export interface RunReports {
  models: RunModel[];
  problems: ArtifactProblem[];
  /** Artifacts named like reports (valid or not). */
  reportArtifacts: number;
}

interface ListedArtifact {
  id: number;
  name: string;
  size_in_bytes: number;
  expired: boolean;
}

/** The first few schema issues, by path only: zod's messages can quote the (untrusted) input. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; code: string }[]): string {
  const shown = issues.slice(0, 5).map((i) => {
    const path = i.path
      .map((p) =>
        typeof p === "number" ? `[${p}]` : /^[A-Za-z0-9_$]{1,40}$/.test(String(p)) ? `.${String(p)}` : ".…",
      )
      .join("")
      .replace(/^\./, "");
    return `${path || "(top level)"} (${i.code.replace(/_/g, " ")})`;
  });
  return shown.join("; ") + (issues.length > 5 ? `; and ${issues.length - 5} more` : "");
}

/**
 * Checks one artifact's files: returns the validated model or throws an ArtifactError saying
 * what is wrong. Pure, for tests of hostile archives.
 */
export function checkArtifact(
  model: string,
  zip: Uint8Array,
  headSha: string,
  limits: ArtifactLimits = ARTIFACT_LIMITS,
): RunModel {
  const reportPath = "report.json";
  const modelPath = `models/${model}.json`;
  const files = readZipEntries(zip, (name) => name === reportPath || name === modelPath, {
    maxEntries: limits.maxEntries,
    maxEntryBytes: limits.maxModelBytes,
    maxTotalBytes: limits.maxReportBytes + limits.maxModelBytes,
  });
  const reportBytes = files.get(reportPath);
  if (!reportBytes) throw new ArtifactError("the artifact holds no report.json");
  if (reportBytes.length > limits.maxReportBytes)
    throw new ArtifactError(`report.json is larger than ${limits.maxReportBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(reportBytes));
  } catch {
    throw new ArtifactError("report.json is not valid UTF-8 JSON");
  }
  const parsed = reportSchema.safeParse(raw);
  if (!parsed.success)
    throw new ArtifactError(
      `report.json does not match the report schema: ${describeIssues(parsed.error.issues)}`,
    );
  const report = parsed.data;
  if (report.kind !== "evaluation") throw new ArtifactError("report.json is not an evaluation report");
  const only = report.models[0];
  if (report.models.length !== 1 || only === undefined || only.name !== model)
    throw new ArtifactError(`report.json must hold exactly the model ${model}, as the artifact's name says`);
  if (report.head.sha !== headSha)
    throw new ArtifactError(
      `report.json is for commit ${report.head.sha === null ? "(none)" : report.head.sha.slice(0, 12)}, not the run's head ${headSha.slice(0, 12)}`,
    );
  const modelBytes = files.get(modelPath);
  if (!modelBytes) throw new ArtifactError(`the artifact holds no ${modelPath}`);
  const modelFile = Buffer.from(modelBytes).toString("utf8");
  if (sha256Hex(modelBytes) !== only.challenger.modelSha256)
    throw new ArtifactError(`${modelPath} does not have the sha256 that report.json names`);
  // A report that passes overall while its model failed, or the reverse, is inconsistent.
  if (report.passed !== only.passed)
    throw new ArtifactError("report.json's verdict contradicts its model's verdict");
  const onnxBytes = checkOnnxEntry(model, zip, modelFile, limits);
  return {
    model,
    report: { ...report, passed: only.passed },
    modelFile,
    ...(onnxBytes ? { onnxBytes } : {}),
  };
}

/** The pin an ONNX model file holds; undefined for a built-in model. */
function onnxPinOf(modelFile: string): OnnxPinClaim | undefined {
  try {
    const pin = (JSON.parse(modelFile) as { onnx?: OnnxPinClaim }).onnx;
    return pin !== undefined && typeof pin === "object" ? pin : undefined;
  } catch {
    return undefined; // the registry refuses a model file that is not JSON
  }
}

/** An ONNX model's bytes from the artifact, within the cap and checked against its pin. */
function checkOnnxEntry(
  model: string,
  zip: Uint8Array,
  modelFile: string,
  limits: ArtifactLimits,
): Uint8Array | undefined {
  const pin = onnxPinOf(modelFile);
  if (pin === undefined) return undefined;
  const onnxPath = `models/${model}.onnx`;
  const cap = limits.maxOnnxBytes ?? DEFAULT_MAX_ONNX_BYTES;
  if (typeof pin.bytes === "number" && pin.bytes > cap)
    throw new ArtifactError(
      `${onnxPath} is ${pin.bytes} bytes; ONNX models over ${cap} bytes are not registered (app.maxOnnxBytes in modelgate.yml)`,
    );
  let files: Map<string, Uint8Array>;
  try {
    files = readZipEntries(zip, (name) => name === onnxPath, {
      maxEntries: limits.maxEntries,
      maxEntryBytes: cap,
      maxTotalBytes: cap,
    });
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    throw new ArtifactError(`${error.message} (the ONNX cap, app.maxOnnxBytes in modelgate.yml)`);
  }
  const bytes = files.get(onnxPath);
  if (!bytes) throw new ArtifactError(`the artifact holds no ${onnxPath}, which its model file pins`);
  const problem = verifyOnnxPin(bytes, pin);
  if (problem !== null) throw new ArtifactError(`${onnxPath} is refused: ${problem}`);
  return bytes;
}

/** Every report artifact of a run (paginated), downloaded and checked. */
export async function loadRunReports(
  client: GitHubClient,
  repo: RepoRef,
  runId: number,
  headSha: string,
  limits: ArtifactLimits = ARTIFACT_LIMITS,
): Promise<RunReports> {
  const listed: ListedArtifact[] = [];
  for await (const page of client.paginate.iterator(client.rest.actions.listWorkflowRunArtifacts, {
    ...repo,
    run_id: runId,
    per_page: 100,
  })) {
    for (const a of page.data) if (a.name.startsWith(ARTIFACT_PREFIX)) listed.push(a);
  }
  const result: RunReports = { models: [], problems: [], reportArtifacts: listed.length };
  if (listed.length > limits.maxArtifacts) {
    result.problems.push({
      artifact: "(run)",
      message: `the run has ${listed.length} report artifacts; at most ${limits.maxArtifacts} are read`,
    });
  }
  const seen = new Set<string>();
  for (const artifact of listed.slice(0, limits.maxArtifacts)) {
    const model = artifact.name.slice(ARTIFACT_PREFIX.length);
    if (!MODEL_NAME_PATTERN.test(model)) {
      result.problems.push({
        artifact: "(an artifact)",
        message: "an artifact's name does not end in a valid model name; it was ignored",
      });
      continue;
    }
    const name = artifact.name;
    try {
      if (seen.has(model)) throw new ArtifactError("the run has two artifacts for this model");
      seen.add(model);
      if (artifact.expired) throw new ArtifactError("the artifact has expired; re-run the workflow");
      // An ONNX model rides in the same zip: its cap comes on top.
      const zipLimit = limits.maxZipBytes + (limits.maxOnnxBytes ?? 0);
      if (artifact.size_in_bytes > zipLimit)
        throw new ArtifactError(`the artifact is ${artifact.size_in_bytes} bytes; the limit is ${zipLimit}`);
      const response = await client.rest.actions
        .downloadArtifact({
          ...repo,
          artifact_id: artifact.id,
          archive_format: "zip",
          request: { parseSuccessResponseBody: false },
        })
        .catch((error: unknown) => {
          // Gone or expired between listing and download: a missing report, not an app failure.
          const status = statusOf(error);
          if (status === 404 || status === 410)
            throw new ArtifactError(
              `the artifact could not be downloaded (HTTP ${status}); re-run the workflow`,
            );
          throw error;
        });
      const zip = await bytesOfBody(response.data, zipLimit, "the artifact", (m) => new ArtifactError(m));
      result.models.push(checkArtifact(model, zip, headSha, limits));
    } catch (error) {
      if (!(error instanceof ArtifactError)) throw error;
      result.problems.push({ artifact: name, message: error.message });
    }
  }
  result.models.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  return result;
}
