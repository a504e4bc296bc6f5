/**
 * `modelgate run --junit FILE`: JUnit XML for Jenkins and GitLab CI, one test case per model and
 * per gate rule, validated against the format's schema (test/fixtures/junit/junit.xsd, with
 * Python's lxml, which .ci/run installs: its absence fails).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { renderJunit } from "../../src/report/render-junit.js";
import { minimalProject, tempProject, type TempProject } from "../helpers/temp-project.js";

const PYTHON = "/usr/bin/python3";
const VALIDATE = path.resolve(import.meta.dirname, "../fixtures/junit/validate.py");
const hasLxml = spawnSync(PYTHON, ["-c", "import lxml.etree"], { stdio: "ignore" }).status === 0;
const repoRoot = path.resolve(import.meta.dirname, "../..");
const work = mkdtempSync(path.join(tmpdir(), "modelgate-junit-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let project: TempProject | undefined;
afterEach(() => project?.remove());

/** Validates against the XSD (lxml must be there). */
function expectValid(file: string): void {
  expect(hasLxml, `${PYTHON} with lxml (Debian python3-lxml)`).toBe(true);
  const r = spawnSync(PYTHON, [VALIDATE, file], { encoding: "utf8" });
  expect(r.stdout.trim()).toBe("OK");
  expect(r.status).toBe(0);
}

const attr = (xml: string, element: string, name: string) =>
  new RegExp(`<${element}\\b[^>]*\\b${name}="([^"]*)"`).exec(xml)?.[1];

/** 40 rows: enough for test rows on both sides of the split. */
const houses =
  "area,rooms,district,price\n" +
  Array.from(
    { length: 40 },
    (_, i) => `${40 + i},${1 + (i % 4)},${i % 3 ? "north" : "south"},${2 * (40 + i) + ((i * 7) % 5)}`,
  ).join("\n") +
  "\n";

describe("modelgate run --junit", () => {
  it("writes a passing test case per model and per gate rule", async () => {
    const file = path.join(work, "pass.xml");
    const io = memoryIo(repoRoot);
    const code = await main(
      [
        "run",
        "--config",
        "examples/cars-onnx/modelgate.yml",
        "--out",
        path.join(work, "pass"),
        "--junit",
        file,
      ],
      io,
    );
    expect(code).toBe(0);
    const xml = readFileSync(file, "utf8");
    expectValid(file);
    // The model, and its three rules: rmse max, rmse maxRelativeWorsening, r2 min.
    expect(attr(xml, "testsuites", "tests")).toBe("4");
    expect(attr(xml, "testsuites", "failures")).toBe("0");
    expect(xml).toContain('<testsuite name="modelgate mpg"');
    expect(xml).toContain('<testcase name="mpg: rmse max 4.5" classname="modelgate.mpg" time="0"/>');
    expect(xml).toContain('<testcase name="mpg: r2 min 0.7"');
    expect(xml).toContain('<testcase name="mpg: evaluated (96 test rows)"');
  });

  it("turns a failed rule into a failure with the numbers, and a bad model into an error", async () => {
    project = tempProject({
      ...minimalProject,
      "modelgate.yml": "models:\n  price: models/price.yml\n  broken: models/broken.yml\n",
      "models/price.yml": minimalProject["models/price.yml"].replace(
        "rmse: { max: 100 }",
        "rmse: { max: 0.001 }",
      ),
      "models/broken.yml": minimalProject["models/price.yml"].replace("houses.yml", "broken.yml"),
      "data/broken.yml": minimalProject["data/houses.yml"].replace("houses.csv", "broken.csv"),
      "data/broken.csv": "area,rooms,district,price\n50,2,north,100\nlots,3,south,140\n",
      "data/houses.csv": houses,
    });
    const file = project.file("out/junit.xml");
    const io = memoryIo(project.root);
    const code = await main(["run", "--out", "out", "--junit", "out/junit.xml"], io);
    expect(code).toBe(2);
    const xml = readFileSync(file, "utf8");
    expectValid(file);
    expect(attr(xml, "testsuites", "failures")).toBe("2"); // the model, and its rmse rule
    expect(attr(xml, "testsuites", "errors")).toBe("1");
    expect(xml).toMatch(
      /<testcase name="price: rmse max 0.001"[^>]*>\s*<failure message="[^"]+" type="GateRule">value [\d.]+, bound 0.001<\/failure>/,
    );
    expect(xml).toMatch(
      /<testcase name="broken: evaluated"[^>]*>\s*<error message="[^"]*" type="InvalidInput">data\/broken.csv:3, row 2/,
    );
  });

  it("says why nothing ran when the specs are invalid", async () => {
    project = tempProject({
      ...minimalProject,
      "models/price.yml": "data: ../data/houses.yml\ntarget: nope\nfeatures: [area]\n",
    });
    const io = memoryIo(project.root);
    const code = await main(["run", "--junit", "junit.xml"], io);
    expect(code).toBe(2);
    const xml = readFileSync(project.file("junit.xml"), "utf8");
    expectValid(project.file("junit.xml"));
    expect(xml).toContain('<testcase name="specs: evaluated" classname="modelgate.specs"');
    expect(xml).toContain("models/price.yml:2:");
  });

  it("escapes what the XML cannot hold as written", () => {
    const file = path.join(work, "escape.xml");
    const xml = renderJunit({ models: [] }, [
      {
        model: "m",
        problems: [{ file: 'a "b" <c> & d', message: "bad\u0001 value\n]]> end", hint: "fix\tit" }],
      },
    ]);
    writeFileSync(file, xml);
    expectValid(file);
    expect(xml).toContain('message="bad\ufffd value"');
    expect(xml).toContain('a "b" &lt;c&gt; &amp; d: bad\ufffd value\n]]&gt; end');
  });
});
