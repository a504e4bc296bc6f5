/** `modelgate predict`: a saved model scores new rows, unseen categories included. */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { parseModelFile } from "../../src/model/model-file.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

const spec =
  "file: FILE\ncolumns:\n  - { name: x, type: number }\n  - { name: c, type: category }\n  - { name: y, type: number }\nsplit: { test: 0 }\n";

describe("modelgate predict", () => {
  it("scores rows with the model's own pipeline, and an unseen category as a missing value", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => {
      const c = i % 3 === 0 ? "b" : "a";
      return `${i},${c},${(2 * i + (c === "b" ? 5 : 0) + (i % 2) * 0.1).toFixed(2)}`;
    });
    project = tempProject({
      "modelgate.yml": "models:\n  m: model.yml\n",
      "train.yml": spec.replace("FILE", "train.csv"),
      "train.csv": `x,c,y\n${rows.join("\n")}\n`,
      "model.yml": "data: train.yml\ntarget: y\nfeatures: [x, c]\n",
      // New rows have no target yet, and may miss a value: the spec of new data says so.
      "new.yml": spec
        .replace("FILE", "new.csv")
        .replace(/type: number \}/g, "type: number, nullable: true }"),
      "new.csv": "x,c,y\n10,a,\n10,b,\n10,zebra,\n,a,\n",
    });
    const io = memoryIo(project.root);
    expect(await main(["train", "--out", "out"], io)).toBe(0);
    const model = parseModelFile(readFileSync(project.file("out/m.json"), "utf8"), "m.json");
    const b = model.coefficients["c=b"]!;
    const slope = model.coefficients["x"]!;
    const fillX = model.pipeline.features[0]!.kind === "numeric" ? model.pipeline.features[0]!.fill! : NaN;

    const predictIo = memoryIo(project.root);
    const code = await main(
      ["predict", "--model", "out/m.json", "--data", "new.csv", "--spec", "new.yml"],
      predictIo,
    );
    expect(predictIo.stderr).toBe(
      "warning: 1 category values were unseen in training; scored as missing (imputed)\n",
    );
    expect(code).toBe(0);
    const [header, ...lines] = predictIo.stdout.trim().split("\n");
    expect(header).toBe("row,prediction");
    const p = lines.map((l) => Number(l.split(",")[1]));
    expect(p[1]! - p[0]!).toBeCloseTo(b, 10); // b against the reference level a
    expect(p[2]).toBeCloseTo(p[0]!, 10); // "zebra" is imputed with the most frequent level, a
    expect(p[0]! - p[3]!).toBeCloseTo(slope * (10 - fillX), 10); // a missing x is imputed with its mean
  });
});
