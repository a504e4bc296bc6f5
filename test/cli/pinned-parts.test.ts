/**
 * Pinned part files through the CLI: a glob of parts pinned by a DVC folder output (checked as
 * DVC hashes the folder, without its cache) or by the sha256 of their `sha256sum` lines;
 * recorded in report.json, the comment, the HTML report and the registry; other data exit 2.
 * DVC's folder md5 is computed independently by Python, as DVC does (`pythonDirMd5`).
 */
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { dvcDirManifest } from "../../src/data/pinned-parts.js";
import { reportSchema } from "../../src/report/report-schema.js";
import { registrySchema } from "../../src/registry/registry-document.js";
import { pythonDirMd5, sumOfSha256sums } from "../helpers/pin-hashes.js";
import { runCli } from "../helpers/run-cli.js";
import { initGit, tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

const md5 = (s: string | Buffer) => createHash("md5").update(s).digest("hex");
const sha256 = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");

function rows(from: number, n: number): string {
  const lines = ["x,y"];
  for (let i = from; i < from + n; i++) lines.push(`${i},${(2 * i + 1 + ((i * 7) % 5) / 10).toFixed(2)}`);
  return lines.join("\n") + "\n";
}
const parts = { "data/parts/part-0.csv": rows(0, 30), "data/parts/part-1.csv": rows(30, 30) };
// Not a part (the glob does not match it), but in the folder DVC tracks: checked too.
const notes = { "data/parts/docs/notes.txt": "where the parts come from\n" };
const dataSpec = (pin: string) =>
  `file: data/parts/*.csv\n${pin}\ncolumns:\n  - { name: x, type: number }\n  - { name: y, type: number }\n`;
const dvcFolder = (hash: string, extra = "") =>
  `outs:\n- md5: ${hash}.dir\n${extra}  hash: md5\n  path: parts\n`;

function setUp(files: Record<string, string>) {
  project = tempProject({
    "modelgate.yml": "models:\n  m: model.yml\n",
    "model.yml": "data: data.yml\ntarget: y\nfeatures: [x]\nmetrics: { bootstrap: { samples: 50 } }\n",
    ...parts,
    ...notes,
    ...files,
  });
  initGit(project);
}

const cli = (args: string[]) => runCli(project!.root, args);

const folderBytes = Object.values({ ...parts, ...notes }).reduce((s, t) => s + Buffer.byteLength(t), 0);

describe("DVC's manifest of a folder", () => {
  it("has the md5 Python computes as DVC does, for nested, non-ASCII and quoted names", () => {
    project = tempProject({
      "f/a.txt": "a\n",
      "f/Z.txt": "z\r\n",
      "f/a b/c.csv": "1,2\n",
      "f/é/ü.bin": Buffer.from([0, 1, 2, 255]).toString("latin1"),
      'f/q"uote\\.txt': "q",
      "f/😀.txt": "smile",
      "f/\u007f.txt": "del",
    });
    const entries = [
      { relpath: "a.txt", md5: md5("a\n") },
      { relpath: "Z.txt", md5: md5("z\r\n") },
      { relpath: "a b/c.csv", md5: md5("1,2\n") },
      { relpath: "é/ü.bin", md5: md5(readFileSync(project.file("f/é/ü.bin"))) },
      { relpath: 'q"uote\\.txt', md5: md5("q") },
      { relpath: "😀.txt", md5: md5("smile") },
      { relpath: "\u007f.txt", md5: md5("del") },
    ];
    expect(md5(dvcDirManifest(entries))).toBe(pythonDirMd5(project.file("f")));
    expect(dvcDirManifest(entries.slice(0, 1))).toBe(`[{"md5": "${md5("a\n")}", "relpath": "a.txt"}]`);
  });
});

describe("part files pinned by a DVC folder output", () => {
  it("checks the whole folder and records the pin in report.json, the comment, the HTML and the registry", async () => {
    setUp({ "data.yml": dataSpec("dvc: data/parts.dvc") });
    const pinned = pythonDirMd5(project!.file("data/parts"));
    project!.write("data/parts.dvc", dvcFolder(pinned, `  size: ${folderBytes}\n  nfiles: 3\n`));
    const validated = await cli(["validate"]);
    expect(validated.code, validated.err).toBe(0);
    expect(validated.out).toContain(
      `pinned     by data/parts.dvc (md5 ${pinned}.dir, 3 files in data/parts, 2 of them parts): matches`,
    );
    expect(validated.out).toContain("rows       60 (");
    const run = await cli(["run", "--out", "out"]);
    expect(run.code, run.err).toBe(0);
    const report = reportSchema.parse(JSON.parse(readFileSync(project!.file("out/report.json"), "utf8")));
    const record = {
      kind: "dvc-dir",
      dvcFile: "data/parts.dvc",
      md5: pinned,
      folder: "data/parts",
      files: 3,
      parts: 2,
    };
    expect(report.models[0]!.data.pin).toEqual(record);
    expect(readFileSync(project!.file("out/report.md"), "utf8")).toContain(
      `its 2 part files in \`data/parts\` checked with the folder's 3 files against \`data/parts.dvc\` (folder md5 \`${pinned.slice(0, 12)}\`)`,
    );
    expect(readFileSync(project!.file("out/report.html"), "utf8")).toContain(
      `its 2 part files in <code>data/parts</code> checked with the folder's 3 files against <code>data/parts.dvc</code> (folder md5 <code>${pinned.slice(0, 12)}</code>)`,
    );
    expect((await cli(["promote", "m", "--alias", "production", "--from", "out"])).code).toBe(0);
    const registry = registrySchema.parse(
      JSON.parse(readFileSync(project!.file(".modelgate/registry.json"), "utf8")),
    );
    expect(registry.models["m"]!.versions[0]).toMatchObject({ dataPin: record });
  });

  it("exits 2 when a part changed, naming both md5s and how to find the part", async () => {
    setUp({ "data.yml": dataSpec("dvc: data/parts.dvc") });
    const pinned = pythonDirMd5(project!.file("data/parts"));
    project!.write("data/parts.dvc", dvcFolder(pinned, `  size: ${folderBytes}\n  nfiles: 3\n`));
    // Same size, other bytes: only the manifest's md5 tells.
    project!.write("data/parts/part-1.csv", parts["data/parts/part-1.csv"].replace("30,", "31,"));
    const found = pythonDirMd5(project!.file("data/parts"));
    expect(found).not.toBe(pinned);
    const r = await cli(["run", "--out", "out"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `data/parts: the folder's DVC md5 is ${found}.dir (3 files), but data/parts.dvc pins ${pinned}.dir: these are not the pinned data`,
    );
    expect(r.err).toContain("run `dvc pull data/parts.dvc` again");
    expect(r.err).toContain("which files differ is not knowable from the .dvc file alone");
    expect(r.err).toContain("`dvc status data/parts.dvc`");
  });

  it("exits 2 when a file was added to the folder (nfiles), or removed (the md5)", async () => {
    setUp({ "data.yml": dataSpec("dvc: data/parts.dvc") });
    const pinned = pythonDirMd5(project!.file("data/parts"));
    project!.write("data/parts.dvc", dvcFolder(pinned, "  nfiles: 3\n"));
    project!.write("data/parts/part-2.csv", rows(60, 5));
    const added = await cli(["run", "--out", "out"]);
    expect(added.code).toBe(2);
    expect(added.err).toContain(
      `data/parts: the folder has 4 files, but data/parts.dvc pins 3 (md5 ${pinned}.dir)`,
    );

    rmSync(project!.file("data/parts/part-2.csv"));
    rmSync(project!.file("data/parts/part-1.csv"));
    project!.write("data/parts.dvc", dvcFolder(pinned));
    const removed = await cli(["run", "--out", "out"]);
    expect(removed.code).toBe(2);
    expect(removed.err).toContain(
      `the folder's DVC md5 is ${pythonDirMd5(project!.file("data/parts"))}.dir (2 files), but data/parts.dvc pins ${pinned}.dir`,
    );
  });

  it("reads a DVC 2 folder output (no `hash: md5`) as DVC 2 hashed it: text files' CRLF as LF", async () => {
    setUp({ "data.yml": dataSpec("dvc: data/parts.dvc") });
    project!.write("data/parts/part-1.csv", parts["data/parts/part-1.csv"].replace(/\n/g, "\r\n"));
    project!.write("data/parts/docs/logo.bin", Buffer.from([0, 13, 10, 1, 13, 10]));
    const legacy = pythonDirMd5(project!.file("data/parts"), true);
    expect(legacy).not.toBe(pythonDirMd5(project!.file("data/parts")));
    project!.write("data/parts.dvc", dvcFolder(legacy).replace("  hash: md5\n", ""));
    const r = await cli(["validate"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`pinned     by data/parts.dvc (md5 ${legacy}.dir, 4 files`);
    project!.write("data/parts.dvc", dvcFolder(legacy));
    expect((await cli(["validate"])).err).toContain(`but data/parts.dvc pins ${legacy}.dir`);
  });

  it("exits 2 when the folder was not fetched, and refuses a folder pin on one file", async () => {
    setUp({ "data.yml": dataSpec("dvc: data/parts.dvc") });
    const pinned = pythonDirMd5(project!.file("data/parts"));
    project!.write("data/parts.dvc", dvcFolder(pinned, `  size: ${folderBytes + 1}\n`));
    const size = await cli(["run", "--out", "out"]);
    expect(size.code).toBe(2);
    expect(size.err).toContain(
      `the folder's files have ${folderBytes} bytes in all, but data/parts.dvc pins ${folderBytes + 1} bytes`,
    );

    project!.write("data/parts/.dvcignore", "*.tmp\n");
    const ignore = await cli(["validate"]);
    expect(ignore.code).toBe(2);
    expect(ignore.err).toContain("data/parts/.dvcignore: a .dvcignore file inside a DVC-tracked folder");
    rmSync(project!.file("data/parts/.dvcignore"));

    project!.write(
      "data.yml",
      dataSpec("dvc: data/parts.dvc").replace("data/parts/*.csv", "data/parts/part-0.csv"),
    );
    const one = await cli(["validate"]);
    expect(one.code).toBe(2);
    expect(one.err).toContain(
      '"parts" is a folder output, and the data spec\'s file "data/parts/part-0.csv" is one file',
    );
  });
});

describe("part files pinned by sha256", () => {
  /** The documented one-liner, run in the data spec's folder. */
  const sumOfSums = () => sumOfSha256sums(project!.root, "data/parts/*.csv");

  it("matches the sha256 of `sha256sum`'s lines: the data hash of the parts", async () => {
    setUp({ "data.yml": dataSpec("sha256: 0") });
    const pin = sumOfSums();
    expect(pin).toBe(
      sha256(
        Object.entries(parts)
          .map(([file, text]) => `${sha256(text)}  ${file}\n`)
          .join(""),
      ),
    );
    project!.write("data.yml", dataSpec(`sha256: ${pin}`));
    const validated = await cli(["validate"]);
    expect(validated.code, validated.err).toBe(0);
    expect(validated.out).toContain(`sha256 ${pin}`);
    expect(validated.out).toContain("pinned     by sha256 in data.yml (2 part files): matches");
    const run = await cli(["run", "--out", "out"]);
    expect(run.code, run.err).toBe(0);
    const report = reportSchema.parse(JSON.parse(readFileSync(project!.file("out/report.json"), "utf8")));
    expect(report.models[0]!.data.sha256).toBe(pin);
    expect(report.models[0]!.data.pin).toEqual({ kind: "sha256-parts", parts: 2 });
    expect(readFileSync(project!.file("out/report.md"), "utf8")).toContain(
      "its 2 part files checked against the data spec's `sha256:` (of their `sha256sum` lines)",
    );
  });

  it("exits 2 on another part, a part more or a part less, naming both hashes and each part", async () => {
    setUp({ "data.yml": dataSpec("sha256: 0") });
    const pin = sumOfSums();
    project!.write("data.yml", dataSpec(`sha256: ${pin}`));
    for (const change of ["changed", "added", "removed"] as const) {
      if (change === "changed") project!.write("data/parts/part-1.csv", rows(30, 29));
      if (change === "added") project!.write("data/parts/part-2.csv", rows(60, 5));
      if (change === "removed") {
        rmSync(project!.file("data/parts/part-1.csv"));
        rmSync(project!.file("data/parts/part-2.csv"));
      }
      const found = sumOfSums();
      for (const command of [["validate"], ["run", "--out", "out"]]) {
        const r = await cli(command);
        expect(r.code, `${change}, ${command[0]}`).toBe(2);
        expect(r.err, change).toContain(
          `data.yml:2:9: the ${{ changed: "2 part files'", added: "3 part files'", removed: "1 part file's" }[change]} sha256 is ${found}, but data.yml pins ${pin}: these are not the pinned data`,
        );
        expect(r.err, change).toContain(
          `${sha256(readFileSync(project!.file("data/parts/part-0.csv")))}  data/parts/part-0.csv`,
        );
        expect(r.err, change).toContain("(`export LC_ALL=C && sha256sum data/parts/*.csv | sha256sum`)");
      }
    }
  });
});
