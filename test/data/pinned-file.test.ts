/** Pinned data: the md5 DVC records, and a scan that refuses bytes other than the pinned ones. */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { DvcMd5 } from "../../src/data/pinned-file.js";
import { scanDataset } from "../../src/data/scan-dataset.js";
import type { FilePin } from "../../src/project/data-pin.js";
import { loadProject } from "../../src/project/load-project.js";
import { readWorkerScript } from "./worker-script.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

const md5 = (bytes: Uint8Array | string) => createHash("md5").update(bytes).digest("hex");
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

const csv = "x,y\n1,2\n2,4.5\n3,5.5\n4,8\n5,10.5\n";
const dataSpec = (pin: string) =>
  `file: data.csv\n${pin}\ncolumns:\n  - { name: x, type: number }\n  - { name: y, type: number }\n`;
const dvcFile = (hash: string, size: number, legacy = false) =>
  `outs:\n- md5: ${hash}\n  size: ${size}\n${legacy ? "" : "  hash: md5\n"}  path: data.csv\n`;

function setUp(files: Record<string, string>) {
  project = tempProject({
    "modelgate.yml": "models:\n  m: model.yml\n",
    "model.yml": "data: data.yml\ntarget: y\nfeatures: [x]\n",
    "data.csv": csv,
    ...files,
  });
  const loaded = loadProject(project.file("modelgate.yml"), { displayBase: project.root });
  return loaded.models[0]!;
}

async function scan(files: Record<string, string>, worker: boolean | "auto" = false) {
  const m = setUp(files);
  const workerScript = worker === true ? { workerScript: await readWorkerScript() } : {};
  return scanDataset(m.data, m.dataFile, {
    file: "data.csv",
    pin: m.pin! as FilePin,
    worker,
    ...workerScript,
  });
}

async function problemOf(files: Record<string, string>): Promise<string> {
  try {
    await scan(files);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error("the scan passed");
}

describe("DvcMd5", () => {
  it("is the md5 of the bytes for DVC 3 files, however the bytes are cut", () => {
    const bytes = Buffer.from("a,b\r\n1,2\r\n3,4\r\n");
    for (const cut of [1, 2, 3, 5, 7]) {
      const h = new DvcMd5(false);
      for (let i = 0; i < bytes.length; i += cut) h.update(bytes.subarray(i, i + cut));
      expect(h.digest()).toBe(md5(bytes));
    }
  });

  it("reads CRLF as LF for DVC 2 text files, also when a chunk ends between CR and LF", () => {
    const text = "a,b\r\n1,2\r\n3,\r4\r\n\r";
    const unix = text.replace(/\r\n/g, "\n");
    expect(md5(unix)).not.toBe(md5(text));
    const bytes = Buffer.from(text);
    for (const cut of [1, 2, 4, 5, 100]) {
      const h = new DvcMd5(true);
      for (let i = 0; i < bytes.length; i += cut) h.update(bytes.subarray(i, i + cut));
      expect(h.digest(), `chunks of ${cut}`).toBe(md5(unix));
    }
  });

  it("hashes a binary file's bytes as they are, even for DVC 2", () => {
    const bytes = Buffer.from([0, 1, 2, 13, 10, 255, 13, 10]);
    const h = new DvcMd5(true);
    h.update(bytes);
    expect(h.digest()).toBe(md5(bytes));
  });
});

describe("a data spec pinned by sha256", () => {
  it("scans the file and records the pin when the hash matches", async () => {
    const s = await scan({ "data.yml": dataSpec(`sha256: ${sha256(csv).toUpperCase()}`) });
    expect(s.sha256).toBe(sha256(csv));
    expect(s.pin).toEqual({ kind: "sha256" });
    expect(s.rows).toBe(5);
  });

  it("refuses other bytes with exit 2, both hashes and what to do", async () => {
    const pinned = sha256("x,y\n1,2\n");
    const message = await problemOf({ "data.yml": dataSpec(`sha256: ${pinned}`) });
    expect(message).toContain(`the data file's sha256 is ${sha256(csv)}, but data.yml pins ${pinned}`);
    expect(message).toMatch(/hint: re-run the step that fetches the file/);
    expect(new InputError({ file: "f", message: "m" }).exitCode).toBe(2);
  });

  it("checks the hash of a read in a worker thread the same way", async () => {
    const s = await scan({ "data.yml": dataSpec(`sha256: ${sha256(csv)}`) }, true);
    expect(s.pin).toEqual({ kind: "sha256" });
    await expect(scan({ "data.yml": dataSpec(`sha256: ${sha256("")}`) }, true)).rejects.toThrow(
      /these are not the pinned data/,
    );
  });

  it("puts the mismatch before the rows' problems: the wrong file is the cause", async () => {
    const message = await problemOf({
      "data.yml": dataSpec(`sha256: ${sha256(csv)}`),
      "data.csv": "x,y\n1,oops\n",
    });
    expect(message).toContain("these are not the pinned data");
    expect(message).not.toContain("oops");
  });
});

describe("a data spec pinned by a DVC file", () => {
  const spec = { "data.yml": dataSpec("dvc: data.csv.dvc") };

  it("checks md5 and size from the .dvc file, from the bytes the scan reads", async () => {
    for (const worker of [false, true]) {
      const s = await scan({ ...spec, "data.csv.dvc": dvcFile(md5(csv), csv.length) }, worker);
      expect(s.pin).toEqual({ kind: "dvc", dvcFile: "data.csv.dvc", md5: md5(csv) });
      expect(s.sha256).toBe(sha256(csv));
    }
  });

  it("refuses another md5 and names both", async () => {
    const other = md5("something else");
    const message = await problemOf({ ...spec, "data.csv.dvc": dvcFile(other, csv.length) });
    expect(message).toContain(`the data file's md5 is ${md5(csv)}, but data.csv.dvc pins ${other}`);
    expect(message).toContain("dvc pull data.csv.dvc");
  });

  it("refuses another size before reading", async () => {
    const message = await problemOf({ ...spec, "data.csv.dvc": dvcFile(md5(csv), csv.length + 1) });
    expect(message).toContain(
      `the data file has ${csv.length} bytes, but data.csv.dvc pins ${csv.length + 1} bytes`,
    );
  });

  it("reads a DVC 2 file's md5 of CRLF text as DVC did (CRLF as LF)", async () => {
    const crlf = csv.replace(/\n/g, "\r\n");
    const s = await scan({
      ...spec,
      "data.csv": crlf,
      "data.csv.dvc": dvcFile(md5(csv), crlf.length, true),
    });
    expect(s.pin).toEqual({ kind: "dvc", dvcFile: "data.csv.dvc", md5: md5(csv) });
    // The same bytes under DVC 3 (`hash: md5`) are hashed as they are.
    await expect(
      scan({ ...spec, "data.csv": crlf, "data.csv.dvc": dvcFile(md5(csv), crlf.length) }),
    ).rejects.toThrow(`the data file's md5 is ${md5(crlf)}`);
  });
});

describe("pinned data that is not here yet", () => {
  it("loads the project, and the scan says which step fetches the file", async () => {
    project = tempProject({
      "modelgate.yml": "models:\n  m: model.yml\n",
      "model.yml": "data: data.yml\ntarget: y\nfeatures: [x]\n",
      "data.yml": dataSpec("dvc: data.csv.dvc"),
      "data.csv.dvc": dvcFile(md5(csv), csv.length),
    });
    const m = loadProject(project.file("modelgate.yml"), { displayBase: project.root }).models[0]!;
    await expect(
      scanDataset(m.data, m.dataFile, { file: "data.csv", pin: m.pin! as FilePin }),
    ).rejects.toThrow(
      /data.csv: the data file is not here: it is pinned external data \(by data.csv.dvc\) that a workflow step fetches before modelgate runs\n {2}hint: run `dvc pull data.csv.dvc`/,
    );
  });
});

describe("pins the loader refuses, each at its file and line", () => {
  const cases: [string, Record<string, string>, string][] = [
    ["a sha256 that is not 64 hex digits", { "data.yml": dataSpec("sha256: abc123") }, "data.yml:2:9: "],
    [
      "both pins",
      {
        "data.yml": dataSpec(`sha256: ${sha256(csv)}\ndvc: data.csv.dvc`),
        "data.csv.dvc": dvcFile(md5(csv), 1),
      },
      "data.yml:3:6: the data spec has both `sha256` and `dvc`; one pin is enough",
    ],
    [
      "a .dvc file of one file on a pattern of part files",
      {
        "data.yml": dataSpec("dvc: data.csv.dvc").replace("file: data.csv", "file: data*.csv"),
        "data.csv.dvc": dvcFile(md5(csv), csv.length),
      },
      'data.csv.dvc:2:8: the DVC file pins one file, "data.csv", and the data spec\'s file "data*.csv" is a pattern of part files',
    ],
    [
      "a pinned folder outside the repository",
      {
        "data.yml": dataSpec("dvc: parts.dvc").replace("file: data.csv", "file: data*.csv"),
        "parts.dvc": dvcFile(`${md5(csv)}.dir`, csv.length).replace("path: data.csv", "path: .."),
      },
      ", which is not inside the repository",
    ],
    [
      "a part file outside the pinned folder",
      {
        "data.yml": dataSpec("dvc: parts.dvc").replace("file: data.csv", "file: data*.csv"),
        "parts.dvc": dvcFile(`${md5(csv)}.dir`, csv.length).replace("path: data.csv", "path: parts"),
      },
      'parts.dvc:5:9: the DVC file pins the folder "parts", but the data spec\'s part file "data.csv" is not in it',
    ],
    [
      "a .dvc file that is not there",
      { "data.yml": dataSpec("dvc: data.csv.dvc") },
      'data.yml:2:6: the DVC file "data.csv.dvc" does not exist',
    ],
    [
      "a .dvc file of another file",
      {
        "data.yml": dataSpec("dvc: data.csv.dvc"),
        "data.csv.dvc": dvcFile(md5(csv), csv.length).replace("path: data.csv", "path: other.csv"),
      },
      'data.csv.dvc:5:9: the DVC file pins "other.csv", but the data spec\'s file is "data.csv"',
    ],
    [
      "a folder output",
      {
        "data.yml": dataSpec("dvc: data.csv.dvc"),
        "data.csv.dvc": dvcFile(`${md5(csv)}.dir`, csv.length),
      },
      'data.csv.dvc:2:8: "data.csv" is a folder output, and the data spec\'s file "data.csv" is one file',
    ],
    [
      "a URL as the .dvc file, shown without its token",
      { "data.yml": dataSpec("dvc: https://host/data.csv.dvc?token=SECRET") },
      "data.yml:2:6: `dvc:` is a URL (https://host/data.csv.dvc?***); modelgate reads local files only",
    ],
    [
      "a .dvc file without an md5",
      { "data.yml": dataSpec("dvc: data.csv.dvc"), "data.csv.dvc": "outs:\n- path: data.csv\n" },
      "data.csv.dvc:2:3: ",
    ],
  ];
  it.each(cases)("%s", (_, files, expected) => {
    expect(() => setUp(files)).toThrow(expected);
  });
});
