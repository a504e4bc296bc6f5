import { describe, expect, it } from "vitest";
import { parseAppSettings } from "../../app/app-settings.js";
import type { RunAssessment } from "../../app/assess-run.js";
import { decidePromotion, type PromotionRequest } from "../../app/decide-promotion.js";
import { parseCommand } from "../../app/parse-command.js";
import { mergeHistory, readHistory, planComment, COMMENT_MARKER } from "../../app/plan-comment.js";
import { roleOf, mayPromote } from "../../app/repository-role.js";
import { verifyChampion } from "../../app/verify-champion.js";
import { parseRegistry, emptyRegistry } from "../../src/registry/registry-document.js";
import { promote } from "../../src/registry/registry-transitions.js";
import { appConfigSchema } from "../../src/project/schemas.js";
import { carsFiles, carsRun } from "./scenario.js";

describe("parseCommand", () => {
  it("reads the first /modelgate line and turns anything it cannot read into help", () => {
    expect(parseCommand("lgtm")).toBeNull();
    expect(parseCommand("/modelgated status")).toBeNull();
    expect(parseCommand("great\n  /modelgate status  \n/modelgate help")).toEqual({ kind: "status" });
    expect(parseCommand("/modelgate")).toEqual({ kind: "help" });
    expect(parseCommand("/modelgate rollback mpg v3")).toEqual({
      kind: "rollback",
      model: "mpg",
      version: 3,
      alias: "production",
    });
    expect(parseCommand("/modelgate rollback mpg 2 staging")).toEqual({
      kind: "rollback",
      model: "mpg",
      version: 2,
      alias: "staging",
    });
    expect(parseCommand("/modelgate rollback MPG 2")).toEqual({
      kind: "help",
      problem: "that is not a valid model name",
    });
    expect(parseCommand("/modelgate rollback mpg two")).toMatchObject({ kind: "help" });
    expect(parseCommand("/modelgate rollback mpg 0")).toMatchObject({ kind: "help" });
    expect(parseCommand("/modelgate rollback mpg 1 staging extra")).toMatchObject({ kind: "help" });
    expect(parseCommand("/modelgate status now")).toMatchObject({ kind: "help" });
    expect(parseCommand("/modelgate deploy")).toEqual({ kind: "help", problem: "that command is unknown" });
  });
});

describe("roles", () => {
  it("reads the permission flags first, then the role name, then the legacy permission", () => {
    expect(roleOf({ permission: "write", role_name: "maintain" })).toBe("maintain");
    expect(
      roleOf({
        permission: "write",
        role_name: "custom-release",
        user: { permissions: { push: true, pull: true } },
      }),
    ).toBe("write");
    expect(roleOf({ permission: "read", role_name: "triage" })).toBe("triage");
    expect(roleOf({ permission: "admin" })).toBe("admin");
    expect(roleOf({ permission: "none" })).toBe("none");
    expect([
      mayPromote("triage", "write"),
      mayPromote("write", "write"),
      mayPromote("write", "maintain"),
    ]).toEqual([false, true, false]);
  });
});

async function registries() {
  const v1 = parseRegistry(carsFiles()[".modelgate/registry.json"]!);
  const { report, modelText } = await carsRun();
  const m = report.models[0]!;
  const v2 = promote(v1, {
    model: "mpg",
    alias: "production",
    modelFile: modelText,
    headSha: "c".repeat(40),
    pr: 4,
    mergeCommit: "d".repeat(40),
    specHash: m.specHash,
    dataHash: m.data.sha256,
    metrics: {},
    actor: "acme",
    at: "2024-05-01T12:00:00Z",
  }).registry;
  return { v1, v2, model: m };
}

describe("verifyChampion", () => {
  it("accepts the production version, notes one that has moved on, and refuses forgeries", async () => {
    const { v1, v2, model } = await registries();
    expect(verifyChampion(v1, model)).toEqual({ status: "ok" });
    expect(verifyChampion(v2, model)).toEqual({
      status: "stale",
      message: "the run compared against v1, but the alias points to v2 now on the default branch",
    });
    expect(verifyChampion(v1, { ...model, champion: null })).toMatchObject({ status: "stale" });
    expect(verifyChampion(emptyRegistry(), { ...model, champion: null })).toEqual({ status: "ok" });
    expect(verifyChampion(v1, { ...model, champion: { ...model.champion!, version: 3 } })).toMatchObject({
      status: "forged",
    });
    expect(
      verifyChampion(v1, { ...model, champion: { ...model.champion!, modelSha256: "0".repeat(64) } }),
    ).toMatchObject({
      status: "forged",
    });
    expect(verifyChampion(emptyRegistry(), model)).toMatchObject({ status: "forged" });
  });
});

function assessment(overrides: Partial<RunAssessment> = {}): RunAssessment {
  return {
    run: { id: 5, headSha: "e".repeat(40), conclusion: "success" },
    report: null,
    models: [],
    conclusion: "success",
    headline: "gate passed",
    problems: [],
    configProblems: [],
    stale: [],
    noReport: null,
    history: [],
    ...overrides,
  };
}

describe("decidePromotion", () => {
  it("checks alias, role, other labels, the report, the gate and the champion, in that order", async () => {
    const { report } = await carsRun();
    const base: PromotionRequest = {
      label: "promote:production",
      alias: "production",
      sender: "wendy",
      role: "write",
      config: appConfigSchema.parse({}),
      otherPromotionLabels: [],
      assessment: assessment({ report }),
      headSha: "e".repeat(40),
    };
    const title = (r: Partial<PromotionRequest>) => decidePromotion({ ...base, ...r }).title;
    expect(title({})).toBe("approved: production");
    expect(title({ alias: "canary", label: "promote:canary" })).toBe("unknown alias");
    expect(title({ role: "read" })).toBe("not allowed to promote");
    expect(title({ role: "write", config: appConfigSchema.parse({ promoters: "admin" }) })).toBe(
      "not allowed to promote",
    );
    expect(title({ otherPromotionLabels: ["promote:staging"] })).toBe("one promotion per pull request");
    expect(title({ assessment: null })).toBe("no report for the head commit");
    expect(title({ assessment: assessment({ report, conclusion: "failure" }) })).toBe(
      "the gate did not pass",
    );
    expect(title({ assessment: assessment({ report, stale: [{ model: "mpg", message: "moved" }] }) })).toBe(
      "the champion changed since the run",
    );
    // The sender's login is shown as code: no @mention, even for a hostile login.
    expect(decidePromotion({ ...base, role: "read", sender: "@everyone" }).reason).toContain(
      "`@everyone` has the `read` role",
    );
  });
});

describe("the history kept in the sticky comment", () => {
  const entry = (run: number) => ({
    sha: "f".repeat(40),
    run,
    model: "mpg",
    metric: "rmse",
    value: run / 10,
    verdict: "passed" as const,
  });

  it("keeps the last ten runs and replaces a run delivered again", () => {
    const earlier = Array.from({ length: 12 }, (_, k) => entry(k + 1));
    const merged = mergeHistory(earlier, [{ ...entry(12), value: 9 }]);
    expect(merged.map((e) => e.run)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(merged.at(-1)!.value).toBe(9);
  });

  it("round-trips through the comment, and reads nothing from a tampered block", async () => {
    const { report } = await carsRun();
    const a = assessment({ report, history: [entry(7)] });
    const { body } = planComment(a, null, emptyRegistry());
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(readHistory(body)).toEqual([entry(7)]);
    // Replanning from its own body gives the same bytes: an unchanged comment is not edited.
    expect(planComment(a, body, emptyRegistry()).body).toBe(body);
    const tampered = Buffer.from(JSON.stringify([{ ...entry(1), model: "<img>" }])).toString("base64url");
    expect(readHistory(`<!-- modelgate:history ${tampered} -->`)).toEqual([]);
    expect(readHistory("<!-- modelgate:history %%% -->")).toEqual([]);
  });
});

describe("parseAppSettings", () => {
  it("uses the documented defaults without modelgate.yml or without its app section", () => {
    const defaults = {
      labelPrefix: "promote:",
      aliases: ["staging", "production"],
      promoters: "write",
      workflow: ".github/workflows/modelgate.yml",
    };
    expect(parseAppSettings(null)).toEqual({
      ok: true,
      settings: { config: defaults, registryDir: ".modelgate", found: false },
    });
    expect(parseAppSettings("models:\n  mpg: models/mpg.model.yml\nregistry: ml/registry/\n")).toEqual({
      ok: true,
      settings: { config: defaults, registryDir: "ml/registry", found: true },
    });
  });

  it("names the file, line and column of a malformed app section", () => {
    const result = parseAppSettings("models: {}\napp:\n  promoters: everyone\n  labels: x\n");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.file, p.line, p.message])).toEqual([
      [
        "modelgate.yml",
        3,
        '"app.promoters" is the string "everyone"; expected one of "write", "maintain", "admin"',
      ],
      ["modelgate.yml", 4, 'unknown key "labels" in app'],
    ]);
    const escape = parseAppSettings("registry: ../outside\n");
    expect(escape.ok ? [] : escape.problems.map((p) => p.message)).toEqual([
      '"registry": the registry folder must be a relative path inside the repository',
    ]);
  });
});
