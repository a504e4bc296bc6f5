import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { minimalProject, tempProject, type TempProject } from "../helpers/temp-project.js";
import { runCli } from "../helpers/run-cli.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
let project: TempProject | undefined;
afterEach(() => project?.remove());

const cli = (args: string[], cwd = repoRoot) => runCli(cwd, args);

describe("modelgate CLI conventions", () => {
  it("lists the commands and exit codes with --help", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/validate\s+check every spec/);
    expect(r.out).toContain("1 gate failed or drift alert");
  });

  it("answers an unknown command with exit 2 and a did-you-mean", async () => {
    const r = await cli(["valdate"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'modelgate unknown command "valdate"\n  hint: did you mean "validate"? (modelgate --help lists them)\n',
    );
  });

  it("answers an unknown flag with exit 2 and a did-you-mean", async () => {
    const r = await cli(["validate", "--confg", "x.yml"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^modelgate validate: Unknown option '--confg'\n {2}hint: did you mean "--config"\?/,
    );
  });

  it("prints each command's help", async () => {
    const r = await cli(["validate", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: modelgate validate \[--config FILE\]/);
    expect(r.out).toContain("--config FILE   the project's modelgate.yml (default ./modelgate.yml)");
  });

  it("validates the bundled cars example", async () => {
    const r = await cli(["validate", "--config", "examples/cars/modelgate.yml"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("model mpg  (examples/cars/models/mpg.model.yml)");
    expect(r.out).toContain("ok: 1 model valid");
    expect(r.out).toMatch(/rows {7}406 \(\d+ train, \d+ test\) {2}sha256 [0-9a-f]{64}/);
    expect(r.out).toContain("missing    Miles_per_Gallon 8, Horsepower 6");
  });

  it("streams the whole data file and names the row and column of a bad value", async () => {
    project = tempProject({
      ...minimalProject,
      "data/houses.csv": "area,rooms,district,price\n50,2,north,100\n70,three,south,140\n",
    });
    const r = await cli(["validate"], project.root);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/data\/houses\.csv.*row 2.*column "rooms"/);
  });

  it("defaults --config to ./modelgate.yml and says how to point elsewhere", async () => {
    project = tempProject({ "README.md": "no config here\n" });
    const r = await cli(["validate"], project.root);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "1 problem found:\nmodelgate.yml: the configuration file does not exist\n  hint: run in the repository root or pass --config path/to/modelgate.yml\n",
    );
  });

  it("reports every problem of an invalid project with exit 2 and no stack trace", async () => {
    project = tempProject({
      ...minimalProject,
      "models/price.yml": minimalProject["models/price.yml"]
        .replace("  - rooms", "  - room")
        .replace("rmse:", "rsme:"),
    });
    const r = await cli(["validate"], project.root);
    expect(r.code).toBe(2);
    expect(r.err).toContain("2 problems found:");
    expect(r.err).toContain('models/price.yml:5:5: feature "room" is not a column of the data spec');
    expect(r.err).toContain('models/price.yml:9:3: "rsme" is not a regression metric');
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
