import { symlinkSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InputError, formatProblem } from "../../src/errors.js";
import { loadProject } from "../../src/project/load-project.js";
import { minimalProject, tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

/** Loads a variant of the minimal project and returns the problems as text lines. */
function problemsOf(changes: Record<string, string | Uint8Array>): string[] {
  project = tempProject({ ...minimalProject, ...changes });
  try {
    loadProject(project.file("modelgate.yml"), { displayBase: project.root });
  } catch (e) {
    if (e instanceof InputError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

describe("loadProject", () => {
  it("loads a valid project with defaults filled in", () => {
    project = tempProject(minimalProject);
    const loaded = loadProject(project.file("modelgate.yml"));
    expect(loaded.models).toHaveLength(1);
    const m = loaded.models[0]!;
    expect(m.name).toBe("price");
    expect(m.features).toEqual(["area", "rooms", "district"]);
    expect(m.spec.algorithm).toEqual({ type: "linear", intercept: true });
    expect(m.data.split).toEqual({ test: 0.25, salt: "s" });
    expect(m.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded.registryDir).toBe(path.join(project.root, ".modelgate"));
  });

  it("gives the same spec hash for the same specs written differently", () => {
    project = tempProject(minimalProject);
    const a = loadProject(project.file("modelgate.yml")).models[0]!.specHash;
    project.write(
      "models/price.yml",
      minimalProject["models/price.yml"].replace("  - area\n", '  - "area"   # a comment\n'),
    );
    expect(loadProject(project.file("modelgate.yml")).models[0]!.specHash).toBe(a);
    project.write("models/price.yml", minimalProject["models/price.yml"].replace("max: 100", "max: 101"));
    expect(loadProject(project.file("modelgate.yml")).models[0]!.specHash).not.toBe(a);
  });

  it("leaves the data's sha256 pin out of the spec hash: a new pin is a change of data alone", () => {
    project = tempProject(minimalProject);
    const unpinned = loadProject(project.file("modelgate.yml")).models[0]!;
    const pin = (hex: string) =>
      project!.write(
        "data/houses.yml",
        minimalProject["data/houses.yml"].replace("file: houses.csv", `file: houses.csv\nsha256: ${hex}`),
      );
    pin("a".repeat(64));
    const first = loadProject(project.file("modelgate.yml")).models[0]!;
    pin("b".repeat(64));
    const second = loadProject(project.file("modelgate.yml")).models[0]!;
    expect(first.pin).toMatchObject({ kind: "sha256", sha256: "a".repeat(64) });
    expect(second.pin).toMatchObject({ kind: "sha256", sha256: "b".repeat(64) });
    expect(second.specHash).toBe(first.specHash);
    expect(first.specHash).toBe(unpinned.specHash);
  });

  it("loads only the models asked for, and names an unknown one", () => {
    expect(problemsOf({ "modelgate.yml": "models:\n  price: models/price.yml\n" }).length).toBe(0);
    project = tempProject(minimalProject);
    expect(() =>
      loadProject(project!.file("modelgate.yml"), { only: ["prices"], displayBase: project!.root }),
    ).toThrow(/there is no model "prices"[\s\S]*did you mean "price"/);
  });
});

describe("malformed specs: each names file and line, with a hint", () => {
  const cases: [string, Record<string, string | Uint8Array>, RegExp][] = [
    [
      "bad YAML",
      { "modelgate.yml": "models:\n  price: [models/price.yml\n" },
      /^modelgate\.yml:\d+:\d+: YAML syntax error/,
    ],
    [
      "a tab used for indentation",
      { "modelgate.yml": "models:\n\tprice: models/price.yml\n" },
      /^modelgate\.yml:2:1: YAML syntax error/,
    ],
    ["an empty file", { "modelgate.yml": "" }, /^modelgate\.yml:1:1: the file is empty/],
    [
      "a list at the top level",
      { "modelgate.yml": "- a\n- b\n" },
      /^modelgate\.yml:1:1: expected a mapping of keys to values at the top level, found a list/,
    ],
    [
      "a duplicate key",
      { "modelgate.yml": "models:\n  price: models/price.yml\n  price: x.yml\n" },
      /^modelgate\.yml:3:3: YAML syntax error: Map keys must be unique[\s\S]*hint: each key may appear once/,
    ],
    [
      "an unknown key with a did-you-mean",
      { "modelgate.yml": "modles:\n  price: models/price.yml\n" },
      /^modelgate\.yml:1:1: unknown key "modles"\n {2}hint: did you mean "models"\?/,
    ],
    [
      "a bad model name",
      { "modelgate.yml": "models:\n  Price Model: models/price.yml\n" },
      /^modelgate\.yml:2:3: "models\.Price Model": model names are 1-64 characters/,
    ],
    [
      "a wrong type",
      { "models/price.yml": minimalProject["models/price.yml"].replace("target: price", "target: [price]") },
      /^models\/price\.yml:2:9: "target" should be a string, found a list/,
    ],
    [
      "a missing required key",
      { "models/price.yml": minimalProject["models/price.yml"].replace("target: price\n", "") },
      /^models\/price\.yml:1:1: "target" is required\n {2}hint: add `target:` here/,
    ],
    [
      "an unknown nested key",
      { "models/price.yml": minimalProject["models/price.yml"] + "algorithm: { type: ridge, alpah: 2 }\n" },
      /^models\/price\.yml:10:27: unknown key "alpah" in algorithm\n {2}hint: did you mean "alpha"\?/,
    ],
    [
      "an unknown column type",
      { "data/houses.yml": minimalProject["data/houses.yml"].replace("type: integer", "type: interger") },
      /^data\/houses\.yml:4:\d+: "columns\.1\.type" is the string "interger"; expected one of[\s\S]*did you mean "integer"\?/,
    ],
    [
      "a misspelt feature",
      { "models/price.yml": minimalProject["models/price.yml"].replace("  - rooms", "  - room") },
      /^models\/price\.yml:5:5: feature "room" is not a column of the data spec\n {2}hint: did you mean "rooms"\?/,
    ],
    [
      "a misspelt target",
      { "models/price.yml": minimalProject["models/price.yml"].replace("target: price", "target: prise") },
      /^models\/price\.yml:2:9: target "prise" is not a column[\s\S]*did you mean "price"\?/,
    ],
    [
      "a missing model spec file",
      { "modelgate.yml": "models:\n  price: models/nope.yml\n" },
      /^modelgate\.yml:2:10: the model spec "models\/nope\.yml" does not exist/,
    ],
    [
      "a missing data file",
      { "data/houses.yml": minimalProject["data/houses.yml"].replace("houses.csv", "house.csv") },
      /^data\/houses\.yml:1:7: the data file "house\.csv" does not exist/,
    ],
    [
      "a path escaping the repository",
      {
        "models/price.yml": minimalProject["models/price.yml"].replace(
          "../data/houses.yml",
          "../../etc/passwd",
        ),
      },
      /^models\/price\.yml:1:7: "\.\.\/\.\.\/etc\/passwd" points outside the repository/,
    ],
    [
      "an absolute path",
      { "data/houses.yml": minimalProject["data/houses.yml"].replace("houses.csv", "/etc/passwd") },
      /^data\/houses\.yml:1:7: "\/etc\/passwd" is an absolute path/,
    ],
    [
      "an unknown gate metric",
      { "models/price.yml": minimalProject["models/price.yml"].replace("rmse:", "rsme:") },
      /^models\/price\.yml:9:3: "rsme" is not a regression metric\n {2}hint: did you mean "rmse"\?/,
    ],
    [
      "a bad relative gate bound",
      {
        "models/price.yml": minimalProject["models/price.yml"].replace(
          "max: 100",
          'maxRelativeWorsening: "two percent"',
        ),
      },
      /^models\/price\.yml:9:\d+: "gate\.rmse\.maxRelativeWorsening"/,
    ],
    [
      "a free-text feature",
      {
        "data/houses.yml": minimalProject["data/houses.yml"].replace(
          "type: category, values: [north, south]",
          "type: string",
        ),
      },
      /feature "district" is a free-text string column/,
    ],
    [
      "the target as a feature",
      { "models/price.yml": minimalProject["models/price.yml"].replace("  - rooms", "  - price") },
      /^models\/price\.yml:5:5: "price" is the target; it cannot also be a feature/,
    ],
    [
      "a column listed twice",
      { "data/houses.yml": minimalProject["data/houses.yml"].replace("{ name: rooms,", "{ name: area,") },
      /^data\/houses\.yml:4:\d+: column "area" is listed twice/,
    ],
    [
      "a test share out of range",
      { "data/houses.yml": minimalProject["data/houses.yml"].replace("test: 0.25", "test: 1.5") },
      /^data\/houses\.yml:7:16: "split\.test": Too big/,
    ],
  ];

  cases.push(
    [
      "a date bound that is no date",
      {
        "data/houses.yml": minimalProject["data/houses.yml"].replace(
          "  - { name: price, type: number }",
          "  - { name: price, type: number }\n  - { name: sold, type: date, min: 'last year', nullable: true }",
        ),
      },
      /^data\/houses\.yml:7:\d+: min of date column "sold" is "last year", not an ISO 8601 date/,
    ],
    [
      "a quote as the delimiter",
      { "data/houses.yml": minimalProject["data/houses.yml"] + "delimiter: '\"'\n" },
      /^data\/houses\.yml:8:\d+: the delimiter cannot be "\\"": it is part of CSV quoting/,
    ],
  );

  it.each(cases)("%s", (_name, changes, expected) => {
    const problems = problemsOf(changes);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join("\n")).toMatch(expected);
  });

  it("refuses a symbolic link that leaves the repository", () => {
    project = tempProject(minimalProject);
    const outside = tempProject({ "secret.csv": "area,rooms,district,price\n" });
    try {
      symlinkSync(outside.file("secret.csv"), project.file("data/link.csv"));
      project.write("data/houses.yml", minimalProject["data/houses.yml"].replace("houses.csv", "link.csv"));
      expect(() => loadProject(project!.file("modelgate.yml"), { displayBase: project!.root })).toThrow(
        /data\/houses\.yml:1:7: "link\.csv" is a symbolic link that leads outside the repository/,
      );
    } finally {
      outside.remove();
    }
  });

  it("reports problems in several files at once", () => {
    const problems = problemsOf({
      "models/price.yml": minimalProject["models/price.yml"]
        .replace("  - rooms", "  - room")
        .replace("  - area", "  - aera"),
    });
    expect(problems).toHaveLength(2);
  });
});
