/** Champion against challenger through the CLI, and the registry commands, in a real git repository. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { reportSchema, type Report } from "../../src/report/report-schema.js";
import { committedSchemaErrors } from "../helpers/committed-schema.js";
import { initGit, tempProject, type TempProject } from "../helpers/temp-project.js";
import { runCli } from "../helpers/run-cli.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

/** y = 3 + 2a + 0.5b + small noise; c is pure noise. */
function houses(rows = 300): string {
  let seed = 11;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const lines = ["id,a,b,c,y"];
  for (let i = 0; i < rows; i++) {
    const a = random() * 10;
    const b = random() * 10;
    const c = random() * 10;
    lines.push(
      `${i},${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${(3 + 2 * a + 0.5 * b + (random() - 0.5)).toFixed(4)}`,
    );
  }
  return lines.join("\n") + "\n";
}

const dataSpec = [
  "file: data.csv",
  "columns:",
  "  - { name: id, type: integer }",
  "  - { name: a, type: number }",
  "  - { name: b, type: number }",
  "  - { name: c, type: number }",
  "  - { name: y, type: number }",
  "key: [id]",
  "split: { test: 0.3, salt: reg }",
  "",
].join("\n");

const modelSpec = (features: string, gate = "rmse: { maxRelativeWorsening: 2% }") =>
  `data: data.yml\ntarget: y\nfeatures: [${features}]\nmetrics: { bootstrap: { samples: 400 } }\ngate:\n  ${gate}\n`;

function setUp(features: string) {
  project = tempProject({
    "modelgate.yml": "models:\n  price: model.yml\n",
    "data.yml": dataSpec,
    "data.csv": houses(),
    "model.yml": modelSpec(features),
  });
  initGit(project);
  execFileSync("git", ["config", "user.name", "Ada"], { cwd: project.root, stdio: "pipe" });
  return project;
}

const cli = (args: string[]) => runCli(project!.root, args);

/** The run's report.json, checked against both the zod schema and the committed JSON Schema. */
function report(): Report {
  const raw = JSON.parse(readFileSync(project!.file("out/report.json"), "utf8"));
  expect(committedSchemaErrors("report.schema.json", raw)).toEqual([]);
  const model = JSON.parse(readFileSync(project!.file(`out/models/${raw.models[0].name}.json`), "utf8"));
  expect(committedSchemaErrors("model-file.schema.json", model)).toEqual([]);
  const registry = project!.file(".modelgate/registry.json");
  if (existsSync(registry))
    expect(committedSchemaErrors("registry.schema.json", JSON.parse(readFileSync(registry, "utf8")))).toEqual(
      [],
    );
  return reportSchema.parse(raw);
}

describe("champion and challenger on the same rows", () => {
  it("with no champion, change rules do not apply and absolute rules still do", async () => {
    setUp("a, b");
    project!.write("model.yml", modelSpec("a, b", "rmse: { max: 0.1, maxRelativeWorsening: 2% }"));
    const r = await cli(["run", "--out", "out"]);
    expect(r.code).toBe(1);
    const m = report().models[0]!;
    expect(m.champion).toBeNull();
    expect(m.gate.checks.map((c) => [c.rule, c.status])).toEqual([
      ["max", "fail"],
      ["maxRelativeWorsening", "not_applicable"],
    ]);
    expect(r.out).toContain("champion  none yet");
  });

  it("promotes, compares, fails a regression beyond tolerance with exit 1, and rolls back", async () => {
    setUp("a, b");
    expect((await cli(["run", "--out", "out"])).code).toBe(0);
    const promoted = await cli(["promote", "price", "--alias", "production", "--from", "out"]);
    expect(promoted.out).toContain("price v1 is now production");
    // Replaying the same promotion changes nothing.
    const again = await cli(["promote", "price", "--alias", "production", "--from", "out"]);
    expect(again.out).toMatch(/^nothing to do: price from [0-9a-f]{7} is already v1 under production/);

    // A worse challenger (without the strongest feature), committed, on exactly the same test rows.
    project!.write("model.yml", modelSpec("b, c"));
    execFileSync("git", ["-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "second"], {
      cwd: project!.root,
    });
    const worse = await cli(["run", "--out", "out"]);
    expect(worse.code).toBe(1);
    const m = report().models[0]!;
    expect(m.champion).toMatchObject({ alias: "production", version: 1, comparable: true });
    expect(m.data.testRows).toBeGreaterThan(50);
    const rmse = m.differences["rmse"]!;
    expect(rmse.difference!).toBeGreaterThan(0);
    expect(rmse.significant).toBe(true);
    expect(rmse.challenger! - rmse.champion!).toBeCloseTo(rmse.difference!, 12);
    expect(m.gate.checks[0]).toMatchObject({ rule: "maxRelativeWorsening", status: "fail" });
    expect(worse.out).toContain("gate FAILED for price");

    // Register the worse model as v2 under production, then roll back to v1.
    await cli(["promote", "price", "--alias", "production", "--from", "out"]);
    const back = await cli(["rollback", "price", "1", "--reason", "v2 is worse"]);
    expect(back.out).toContain("production of price is now v1");
    const history = await cli(["registry", "history", "price"]);
    expect(
      history.out
        .trim()
        .split("\n")
        .map((l) => l.replace(/^\S+ /, "")),
    ).toEqual([
      expect.stringMatching(/^Ada registered price v1 from [0-9a-f]{7}$/),
      "Ada moved production of price to v1",
      expect.stringMatching(/^Ada registered price v2 from [0-9a-f]{7}$/),
      "Ada moved production of price from v1 to v2",
      "Ada rolled production of price back from v2 to v1: v2 is worse",
    ]);
    const shown = await cli(["registry", "show", "price"]);
    expect(shown.out).toMatch(/^v1 \[production\] /m);
    expect(shown.out).toMatch(/^v2 {2}/m);
  });

  it("reports a champion whose features today's data lacks as not comparable", async () => {
    setUp("a, b, c");
    await cli(["run", "--out", "out"]);
    await cli(["promote", "price", "--from", "out"]);
    project!.write(
      "data.csv",
      houses()
        .replace(/,c,/, ",d,")
        .replace(/^id,a,b,d,y/, "id,a,b,d,y"),
    );
    project!.write("data.yml", dataSpec.replace("name: c,", "name: d,"));
    project!.write("model.yml", modelSpec("a, b"));
    const r = await cli(["run", "--out", "out"]);
    const m = report().models[0]!;
    expect(m.champion).toMatchObject({
      version: 1,
      comparable: false,
      reason: expect.stringContaining('"c"'),
    });
    expect(m.differences).toEqual({});
    expect(r.out).toContain('is not comparable: it needs column "c", which today\'s data does not have');
  });

  it("shows an improvement whose interval includes zero as not significant", async () => {
    setUp("a, b");
    await cli(["run", "--out", "out"]);
    await cli(["promote", "price", "--from", "out"]);
    // Adding a pure-noise feature changes the fit a little, for better or worse, never significantly.
    project!.write("model.yml", modelSpec("a, b, c", "rmse: { maxRelativeWorsening: 50% }"));
    const r = await cli(["run", "--out", "out"]);
    expect(r.code).toBe(0);
    const rmse = report().models[0]!.differences["rmse"]!;
    expect(rmse.ci!.lower).toBeLessThan(0);
    expect(rmse.ci!.upper).toBeGreaterThan(0);
    expect(rmse.significant).toBe(false);
    expect(r.out).toMatch(/rmse .*not significant/);
  });
});
