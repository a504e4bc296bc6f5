/**
 * Data outside git through the CLI: a pinned file is checked by validate and run, recorded in
 * report.json and in the registry version promote writes; a URL in `file:` is refused without
 * echoing its credentials.
 */
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reportSchema } from "../../src/report/report-schema.js";
import { registrySchema } from "../../src/registry/registry-document.js";
import { runCli } from "../helpers/run-cli.js";
import { initGit, tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function rows(n: number): string {
  const lines = ["x,y"];
  for (let i = 0; i < n; i++) lines.push(`${i},${(2 * i + 1 + ((i * 7) % 5) / 10).toFixed(2)}`);
  return lines.join("\n") + "\n";
}
const csv = rows(60);
const dataSpec = (pin: string, file = "data/train.csv") =>
  `file: ${file}\n${pin}\ncolumns:\n  - { name: x, type: number }\n  - { name: y, type: number }\n`;

function setUp(files: Record<string, string>) {
  project = tempProject({
    "modelgate.yml": "models:\n  m: model.yml\n",
    "model.yml": "data: data.yml\ntarget: y\nfeatures: [x]\nmetrics: { bootstrap: { samples: 50 } }\n",
    "data/train.csv": csv,
    ...files,
  });
  initGit(project);
}

const cli = (args: string[]) => runCli(project!.root, args);

describe("pinned data through the CLI", () => {
  it("records a DVC pin in report.json and in the version promote registers", async () => {
    setUp({
      "data.yml": dataSpec("dvc: data/train.csv.dvc"),
      "data/train.csv.dvc": `outs:\n- md5: ${md5(csv)}\n  size: ${csv.length}\n  hash: md5\n  path: train.csv\n`,
    });
    const validated = await cli(["validate"]);
    expect(validated.code).toBe(0);
    expect(validated.out).toContain(`pinned     by data/train.csv.dvc (md5 ${md5(csv)}): matches`);

    expect((await cli(["run", "--out", "out"])).code).toBe(0);
    const report = reportSchema.parse(JSON.parse(readFileSync(project!.file("out/report.json"), "utf8")));
    const data = report.models[0]!.data;
    expect(data.sha256).toBe(sha256(csv));
    expect(data.file).toBe("data/train.csv");
    expect(data.pin).toEqual({ kind: "dvc", dvcFile: "data/train.csv.dvc", md5: md5(csv) });
    // The reviewer sees how the data was checked, in the comment and the HTML report.
    const checked = `its bytes checked against \`data/train.csv.dvc\` (md5 \`${md5(csv).slice(0, 12)}\`)`;
    expect(readFileSync(project!.file("out/report.md"), "utf8")).toContain(checked);
    expect(readFileSync(project!.file("out/report.html"), "utf8")).toContain(
      `its bytes checked against <code>data/train.csv.dvc</code> (md5 <code>${md5(csv).slice(0, 12)}</code>)`,
    );

    expect((await cli(["promote", "m", "--alias", "production", "--from", "out"])).code).toBe(0);
    const registry = registrySchema.parse(
      JSON.parse(readFileSync(project!.file(".modelgate/registry.json"), "utf8")),
    );
    expect(registry.models["m"]!.versions[0]).toMatchObject({
      dataHash: sha256(csv),
      dataFile: "data/train.csv",
      dataPin: { kind: "dvc", dvcFile: "data/train.csv.dvc", md5: md5(csv) },
    });
  });

  it("records a sha256 pin, and an unpinned file without one", async () => {
    setUp({ "data.yml": dataSpec(`sha256: ${sha256(csv)}`) });
    expect((await cli(["run", "--out", "out"])).code).toBe(0);
    const pinned = reportSchema.parse(JSON.parse(readFileSync(project!.file("out/report.json"), "utf8")));
    expect(pinned.models[0]!.data.pin).toEqual({ kind: "sha256" });
    expect(readFileSync(project!.file("out/report.md"), "utf8")).toContain(
      "its bytes checked against the data spec's `sha256:`",
    );

    project!.write("data.yml", dataSpec(""));
    expect((await cli(["run", "--out", "out"])).code).toBe(0);
    const plain = reportSchema.parse(JSON.parse(readFileSync(project!.file("out/report.json"), "utf8")));
    expect(plain.models[0]!.data.pin).toBeUndefined();
    expect(readFileSync(project!.file("out/report.md"), "utf8")).not.toContain("its bytes checked against");
  });

  it("exits 2 on other data, in validate and run, naming both hashes", async () => {
    const pinned = sha256(rows(59));
    setUp({ "data.yml": dataSpec(`sha256: ${pinned}`) });
    for (const command of [["validate"], ["run", "--out", "out"]]) {
      const r = await cli(command);
      expect(r.code, command[0]).toBe(2);
      expect(r.err).toContain(`the data file's sha256 is ${sha256(csv)}, but data.yml pins ${pinned}`);
    }
  });

  it("exits 2 when the pinned file was not fetched, naming the step", async () => {
    setUp({ "data.yml": dataSpec(`sha256: ${sha256(csv)}`, "data/fetched.csv") });
    const r = await cli(["run", "--out", "out"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("data/fetched.csv: the data file is not here: it is pinned external data");
    expect(r.err).toMatch(/fetch it in a step before modelgate \(aws s3 cp/);
  });

  it("refuses a URL in file: without echoing its credentials", async () => {
    const secret = "hunter2";
    const token = "sig=SECRETSAS";
    setUp({
      "data.yml": dataSpec("", `https://alice:${secret}@example.com/data/train.csv?${token}`),
    });
    for (const command of [["validate"], ["run", "--out", "out"]]) {
      const r = await cli(command);
      expect(r.code).toBe(2);
      expect(r.err).toContain(
        "data.yml:1:7: the data file is a URL (https://***@example.com/data/train.csv?***); modelgate reads local files only",
      );
      expect(r.err).toMatch(/hint: fetch the file in a workflow step/);
      expect(r.err + r.out).not.toContain(secret);
      expect(r.err + r.out).not.toContain("SECRETSAS");
    }
    project!.write("data.yml", dataSpec("", "s3://bucket/train.csv"));
    expect((await cli(["validate"])).err).toContain("the data file is a URL (s3://bucket/train.csv)");
  });
});

describe("examples/external-data", () => {
  it("wants its data fetched, then validates the fetched copy against the pin", async () => {
    const examples = path.resolve(import.meta.dirname, "../../examples");
    const root = mkdtempSync(path.join(tmpdir(), "modelgate-external-"));
    try {
      cpSync(path.join(examples, "external-data"), root, { recursive: true });
      const validate = () => runCli(root, ["validate"]);
      const before = await validate();
      expect(before.code).toBe(2);
      expect(before.err).toContain("data/cars.json: the data file is not here: it is pinned external data");
      // The step the workflow runs (aws s3 cp), here a copy of the cars example's file.
      cpSync(path.join(examples, "cars/data/cars.json"), path.join(root, "data/cars.json"));
      const after = await validate();
      expect(after.code, after.err).toBe(0);
      expect(after.out).toContain("pinned     by sha256 in data/cars.data.yml: matches");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
