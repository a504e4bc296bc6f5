import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArtifactLimits } from "../../app/artifact-limits.js";
import { COMMENT_MARKER } from "../../app/plan-comment.js";
import type { Report } from "../../src/report/report-schema.js";
import { findHazards } from "../report/markdown-safety.js";
import { EVIL } from "../report/report-fixtures.js";
import { appComments, carsArtifact, REPO, startScenario, type Scenario } from "./scenario.js";

/** Small limits (the defaults are tens of MB), so hostile archives stay cheap to make. */
const LIMITS: ArtifactLimits = {
  maxArtifacts: 10,
  maxZipBytes: 512 * 1024,
  maxEntries: 50,
  maxReportBytes: 256 * 1024,
  maxModelBytes: 256 * 1024,
};

let s: Scenario;
beforeAll(async () => {
  s = await startScenario({ limits: LIMITS });
});
afterAll(async () => {
  s.sim.assertNoViolations();
  await s?.close();
});

/** Opens a PR, runs the workflow with `artifacts`, and returns the app's answer. */
async function answer(
  branch: string,
  artifacts: (headSha: string) => Promise<Record<string, Record<string, string | Buffer>>>,
) {
  const pull = s.openPull(branch);
  await s.runWorkflow(pull, (run) => artifacts(run.headSha));
  const checks = s.sim.state.checkRuns(REPO, s.headSha(pull));
  const comments = appComments(s, pull);
  expect(checks).toHaveLength(1);
  expect(comments).toHaveLength(1);
  return { pull, check: checks[0]!, body: comments[0]!.body };
}

/** What the app wrote, without its own hidden markers (the only HTML comments it writes). */
function visible(markdown: string): string {
  return markdown.replace(/<!-- modelgate:[A-Za-z0-9:_= -]*-->/g, "");
}

describe("report artifacts are untrusted", () => {
  it("refuses an artifact over the size limit without downloading it", async () => {
    const { check, body } = await answer("huge", async (sha) => ({
      "modelgate-report-mpg": {
        ...(await carsArtifact(sha)),
        "padding.bin": randomBytes(LIMITS.maxZipBytes + 1024),
      },
    }));
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe("1 report artifact was refused");
    expect(body).toMatch(/`modelgate-report-mpg`: the artifact is \d+ bytes; the limit is 524288/);
    expect(s.sim.exchanges.filter((x) => x.operationId === "actions/download-artifact")).toHaveLength(0);
  });

  it("stops inflating a zip bomb at the limit", async () => {
    // 8 MB of spaces deflate to about 8 kB: small to download, far over the limit inflated.
    const bomb = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const { check, body } = await answer("bomb", async (sha) => ({
      "modelgate-report-mpg": { ...(await carsArtifact(sha)), "models/mpg.json": bomb },
    }));
    expect(check.conclusion).toBe("failure");
    expect(body).toContain('the file "models/mpg.json" in the zip is 8388608 bytes; the limit is 262144');
    expect(body).not.toContain("gate passed");
  });

  it("refuses a report.json that violates the schema, naming where but quoting nothing", async () => {
    const { check, body } = await answer("schema", async (sha) => {
      const files = await carsArtifact(sha);
      const report = JSON.parse(files["report.json"]!) as Record<string, unknown>;
      report["<img src=x onerror=alert(1)>"] = "@everyone";
      (report.models as { passed: unknown }[])[0]!.passed = "yes";
      return { "modelgate-report-mpg": { ...files, "report.json": JSON.stringify(report) } };
    });
    expect(check.conclusion).toBe("failure");
    // The message went through the Markdown escaper; read it without the backslashes.
    expect(body.replace(/\\/g, "")).toContain(
      "report.json does not match the report schema: models[0].passed (invalid type); (top level) (unrecognized keys)",
    );
    expect(body).not.toContain("onerror");
    expect(body).not.toMatch(/@everyone/);
    expect(findHazards(visible(body))).toEqual([]);
  });

  it("refuses a forged champion version and a forged champion hash", async () => {
    const forged = await answer("forged-version", async (sha) => ({
      "modelgate-report-mpg": await carsArtifact(sha, (r) => {
        r.models[0]!.champion!.version = 7;
      }),
    }));
    expect(forged.check.conclusion).toBe("failure");
    expect(forged.body).toContain(
      "the report names champion v7, which the registry on the default branch does not hold",
    );
    const hash = await answer("forged-hash", async (sha) => ({
      "modelgate-report-mpg": await carsArtifact(sha, (r) => {
        r.models[0]!.champion!.modelSha256 = "f".repeat(64);
      }),
    }));
    expect(hash.check.conclusion).toBe("failure");
    expect(hash.body).toMatch(
      /champion v1 has model sha256 ffffffffffff…, but the registry recorded [0-9a-f]{12}…/,
    );
  });

  it("refuses a report for another commit, and a model file that is not the one the report names", async () => {
    const other = await answer("other-commit", async () => ({
      "modelgate-report-mpg": await carsArtifact("1234567890abcdef1234567890abcdef12345678"),
    }));
    expect(other.body).toMatch(/report.json is for commit 1234567890ab, not the run's head [0-9a-f]{12}/);
    const swapped = await answer("swapped-model", async (sha) => ({
      "modelgate-report-mpg": { ...(await carsArtifact(sha)), "models/mpg.json": '{"weights":[1,2,3]}\n' },
    }));
    expect(swapped.body).toContain("models/mpg.json does not have the sha256 that report.json names");
    expect([other.check.conclusion, swapped.check.conclusion]).toEqual(["failure", "failure"]);
  });

  it("renders names that try Markdown, HTML, links and mentions inert, in the comment and the check", async () => {
    const pick = (k: number) => EVIL[k % EVIL.length]!;
    const { check, body } = await answer("injection", async (sha) => ({
      "modelgate-report-mpg": await carsArtifact(sha, (r: Report) => {
        const m = r.models[0]!;
        m.description = EVIL.join(" ");
        m.data.columns = m.data.columns.map((c, k) => ({ ...c, name: pick(k) }));
        m.slices = m.slices.map((slice, k) => ({
          ...slice,
          column: pick(k + 3),
          groups: slice.groups.map((g, j) => ({ ...g, group: pick(j + k) })),
        }));
        m.explanations = m.explanations.map((e, k) => ({ ...e, feature: pick(k + 5) }));
        m.warnings = [...EVIL];
        m.gate.checks = m.gate.checks.map((c, k) => ({ ...c, label: pick(k + 7), reason: pick(k + 9) }));
        // The primary metric's name is the report's too, and the app repeats it in the history.
        const evil = pick(1);
        m.challenger.metrics[evil] = { value: 1.5, ci: null };
        m.primaryMetric = evil;
      }),
    }));
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(findHazards(visible(body))).toEqual([]);
    expect(findHazards(check.output.summary ?? "")).toEqual([]);
    expect(check.output.title).toBe("gate passed · mpg _everyone 1.5 (vs v1)");
    expect(body).not.toContain("REPORT.MD FROM THE RUN");
  });

  it("reports an artifact that is gone by the time it is downloaded, without failing the delivery", async () => {
    s.sim.setFaults((req) =>
      req.operationId === "actions/download-artifact"
        ? {
            status: 410,
            body: { message: "Artifact has expired", documentation_url: "https://docs.github.com/rest" },
          }
        : undefined,
    );
    const { check, body } = await answer("expired", async (sha) => ({
      "modelgate-report-mpg": await carsArtifact(sha),
    }));
    s.sim.setFaults(undefined);
    expect(check.conclusion).toBe("failure");
    expect(body.replace(/\\/g, "")).toContain(
      "`modelgate-report-mpg`: the artifact could not be downloaded (HTTP 410); re-run the workflow",
    );
    expect(
      s.sim.webhooks.deliveries.filter((d) => d.action === "completed").every((d) => d.status === 200),
    ).toBe(true);
  });
});
