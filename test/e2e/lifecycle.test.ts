/**
 * The whole pull-request lifecycle over real HTTP: the GitHub simulator, the App's server with
 * signature checks on, and the Action's committed bundle run as a separate process with a
 * runner's environment. Each step's state in the simulator is asserted, not only that nothing threw.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runLifecycle, type LifecycleResult, type Observation } from "../../demo/lifecycle-story.js";

const root = path.resolve(import.meta.dirname, "../..");
let result: LifecycleResult;
const at = (step: string): Observation => {
  const o = result.observations.find((x) => x.step === step);
  if (!o) throw new Error(`the story has no step ${step}`);
  return o;
};

beforeAll(async () => {
  result = await runLifecycle({ root, actionBundle: path.join(root, "dist/index.js") });
}, 180_000);

describe("the pull-request lifecycle, end to end", () => {
  it("starts from production v1 in the registry", () => {
    expect(at("setup").registry?.models["mpg"]?.aliases).toEqual({ production: 1 });
  });

  it("runs the Action on a pull request that adds features; the App comments and checks", () => {
    const o = at("evaluate");
    expect(o.job).toBe("success");
    expect(o.checks).toEqual({ modelgate: "success" });
    expect(o.comment).toMatch(/^<!-- modelgate:sticky-comment -->/);
    expect(o.comment).toContain("the gate passed for 1 model");
    expect(o.comment).toContain("Champion: version 1 (alias `production`)");
    expect(o.comment).toMatch(/\| \*\*RMSE\*\* +\| +3\.325 \| +2\.862 \|/);
    expect(result.promotedHtml).toMatch(/^<!doctype html>/i);
  });

  it("approves the promotion label of a maintainer", () => {
    const o = at("label");
    expect(o.checks).toEqual({ modelgate: "success", "modelgate/promote": "success" });
    expect(o.labels).toEqual(["promote:production"]);
  });

  it("on merge registers v2 under production in one commit and deploys it", () => {
    const o = at("merge");
    const mpg = o.registry!.models["mpg"]!;
    expect(mpg.aliases).toEqual({ production: 2 });
    expect(mpg.versions.map((v) => [v.version, v.pr])).toEqual([
      [1, null],
      [2, 1],
    ]);
    expect(mpg.events.slice(-2).map((e) => e.action)).toEqual(["register", "move"]);
    expect(o.deployments).toEqual([
      {
        environment: "production",
        sha: expect.stringMatching(/^[0-9a-f]{40}$/),
        states: ["queued", "in_progress", "success"],
      },
    ]);
    expect(o.details?.[0]).toContain("`mpg` is now **v2** under `production`");
    expect(o.details?.at(-1)).toMatch(
      /^model server http:\/\/127\.0\.0\.1:\d+: production v2 answers \d+\.\d\d mpg/,
    );
  });

  it("fails the gate of a worse model, says why, and refuses its promotion label", () => {
    const worse = at("worse");
    expect(worse.job).toBe("failure");
    expect(worse.checks).toEqual({ modelgate: "failure" });
    expect(worse.comment).toContain("the gate failed for 1 model");
    expect(worse.comment).toContain("Champion: version 2 (alias `production`)");
    const refused = at("refused");
    expect(refused.checks?.["modelgate/promote"]).toBe("failure");
    expect(refused.labels).toEqual([]);
    expect(refused.details?.[0]).toContain("Promotion refused: the gate did not pass");
  });

  it("comments on a fork's pull request although its workflow token is read-only", () => {
    const o = at("fork");
    expect(o.job).toBe("success");
    expect(o.checks).toEqual({ modelgate: "success" });
    expect(o.comment).toContain("Champion: version 2 (alias `production`)");
  });

  it("says in the first line of a data-only pull request's comment that the data changed, and how", () => {
    const o = at("data");
    expect(o.checks?.["modelgate"]).toMatch(/^(success|failure)$/);
    // The first line a reader sees (after the hidden markers): rows by the data spec's key, and
    // the drift of the heavier cars' weights.
    const seen = o.comment!.split("\n").filter((line) => line !== "" && !line.startsWith("<!--"));
    expect(seen[0]).toMatch(
      /^\*\*Data changed:\*\* \+200 rows, −4 rows; drift in `Weight_in_lbs` \(PSI \d\.\d+\)/,
    );
    expect(seen[1]).toMatch(/^## /);
    expect(o.comment).toContain("What changed in the data since v2: +200 rows, −4 rows");
    expect(o.comment).toContain("Rows told apart by their key; exact counts.");
    // Pull requests that change the spec get the section but not the line.
    expect(at("evaluate").comment).not.toContain("**Data changed:**");
  });

  it("rolls production back to v1 by command, with a registry commit and a deployment", () => {
    const o = at("rollback");
    expect(o.registry!.models["mpg"]!.aliases).toEqual({ production: 1 });
    expect(o.deployments).toHaveLength(2);
    expect(o.deployments![1]!.states).toEqual(["queued", "in_progress", "success"]);
    expect(o.details?.at(-1)).toMatch(/production v1 answers/);
    expect(o.details?.[0]).toContain("Rolled `production` of `mpg` back to **v1**, as asked by `maya`");
    expect(result.history.at(-1)).toMatch(/maya rolled production of mpg back from v2 to v1/);
  });

  it("keeps every exchange within GitHub's OpenAPI description", () => {
    expect(result.violations).toEqual([]);
  });
});
