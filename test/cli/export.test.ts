/** `modelgate export`: where the model comes from, what is written, and every input a user can get wrong. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";
import { sha256Hex } from "../../src/canonical-json.js";

const dir = mkdtempSync(path.join(tmpdir(), "modelgate-export-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cars = path.resolve("examples/cars/modelgate.yml");
const registryModel = path.resolve("examples/cars/.modelgate/models/mpg/v1.json");

async function run(args: string[]) {
  const io = memoryIo(dir);
  const code = await main(["export", ...args], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe("modelgate export", () => {
  it("exports the registry's production version by default, and records where it came from", async () => {
    const { code, stdout } = await run(["--config", cars, "--model", "mpg"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^wrote mpg\.onnx \(\d+ bytes, sha256 [0-9a-f]{12}\) from registry mpg v1 \(production\)\n/,
    );
    const bytes = readFileSync(path.join(dir, "mpg.onnx"));
    const session = await ort.InferenceSession.create(bytes);
    const model = JSON.parse(readFileSync(registryModel, "utf8")) as {
      pipeline: { features: { name: string }[] };
    };
    expect(session.inputNames).toEqual(model.pipeline.features.map((f) => f.name));
    expect(session.outputNames).toEqual(["prediction"]);
    await session.release();
    // The metadata pins the model file the export was made from.
    expect(Buffer.from(bytes).includes(sha256Hex(readFileSync(registryModel, "utf8")))).toBe(true);
  });

  it("exports a model file named by --from, to --out (folders made as needed)", async () => {
    const { code, stdout } = await run(["--from", registryModel, "--out", "nested/car.onnx"]);
    expect(code).toBe(0);
    expect(stdout).toContain(`wrote ${path.join("nested", "car.onnx")}`);
    expect(stdout).toContain("outputs, each [N, 1]: prediction (double)");
    const session = await ort.InferenceSession.create(readFileSync(path.join(dir, "nested/car.onnx")));
    expect(session.outputNames).toEqual(["prediction"]);
    await session.release();
  });

  it.each([
    [["--model", "mpg", "--format", "pmml"], /export: --format is "pmml"; expected onnx/],
    [["--model", "Not A Name", "--from", "x"], /"Not A Name" is not a model name/],
    [
      ["--model", "mpg", "--from", "nowhere"],
      /nowhere: --from names nothing that exists\n {2}hint: pass the --out folder/,
    ],
    [["--from", "."], /export: name the model with --model/],
    [
      ["--model", "other", "--from", "."],
      /the folder has no model file for "other" \(looked for models\/other\.json and other\.json\)/,
    ],
    [
      ["--model", "other", "--from", registryModel],
      /this model file holds model "mpg", not "other"\n {2}hint: pass --model mpg/,
    ],
    [["--config", cars], /export: name the model with --model/],
    [
      ["--model", "mpg", "--from", ".", "--alias", "staging"],
      /--alias picks a version in the registry, and --from names a model outside it\n {2}hint: pass one of them/,
    ],
    [
      ["--config", cars, "--model", "mpg", "--alias", "staging"],
      /registry\.json: no version of "mpg" is under alias staging\n {2}hint: promote a version first/,
    ],
  ])("exits 2 with a message for %j", async (args, message) => {
    const { code, stderr } = await run(args);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(code).toBe(2);
  });

  it("exits 2 naming a file that is not a model file", async () => {
    writeFileSync(path.join(dir, "notes.json"), '{"hello": 1}');
    writeFileSync(path.join(dir, "broken.json"), "{");
    expect((await run(["--from", "notes.json"])).stderr).toMatch(
      /1 problem found:\nnotes\.json: not a valid model file/,
    );
    const broken = await run(["--from", "broken.json"]);
    expect(broken.stderr).toMatch(/broken\.json: not valid JSON/);
    expect(broken.code).toBe(2);
  });
});
