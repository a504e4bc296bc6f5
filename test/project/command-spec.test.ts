/** The spec of a training command (`algorithm: { type: command }`) and its search, as loaded. */
import { afterEach, describe, expect, it } from "vitest";
import { InputError, formatProblem } from "../../src/errors.js";
import { loadProject } from "../../src/project/load-project.js";
import { parseDuration } from "../../src/project/schemas.js";
import { commandTrials } from "../../src/train/command/command-protocol.js";
import { minimalProject, tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

const base = minimalProject["models/price.yml"];

function load(model: string) {
  project = tempProject({ ...minimalProject, "models/price.yml": model });
  return loadProject(project.file("modelgate.yml"), { displayBase: project.root });
}

function problemsOf(model: string): string[] {
  try {
    load(model);
  } catch (e) {
    if (e instanceof InputError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

describe("a command model spec", () => {
  it("reads the command, its timeout and a search over any parameter names", () => {
    const m = load(
      base +
        [
          "algorithm: { type: command, run: python train.py, timeout: 1h30m }",
          "search:",
          "  parallel: 3",
          "  space:",
          "    n_estimators: [100, 200]",
          "    loss: [squared_error, huber]",
          "    alpha: [0.5]",
          "",
        ].join("\n"),
    ).models[0]!;
    expect(m.spec.algorithm).toMatchObject({ type: "command", run: "python train.py", timeout: 5400 });
    expect(m.spec.search?.parallel).toBe(3);
    expect(commandTrials(m.spec)).toEqual([
      { alpha: 0.5, n_estimators: 100, loss: "squared_error" },
      { alpha: 0.5, n_estimators: 100, loss: "huber" },
      { alpha: 0.5, n_estimators: 200, loss: "squared_error" },
      { alpha: 0.5, n_estimators: 200, loss: "huber" },
    ]);
  });

  it("defaults the timeout to 30 minutes and draws a seeded random search", () => {
    const spec = load(
      base +
        "algorithm: { type: command, run: ./fit }\nsearch:\n  method: random\n  trials: 3\n  space:\n    a: [1, 2, 3, 4]\n    b: [true, false]\n",
    ).models[0]!.spec;
    expect(spec.algorithm).toMatchObject({ timeout: 1800 });
    const drawn = commandTrials(spec);
    expect(drawn).toHaveLength(3);
    expect(commandTrials(spec)).toEqual(drawn);
    expect(new Set(drawn.map((t) => JSON.stringify(t))).size).toBe(3);
  });

  it("parses durations", () => {
    expect(parseDuration("90s")).toBe(90);
    expect(parseDuration("2h")).toBe(7200);
    expect(parseDuration("1h30m")).toBe(5400);
    expect(parseDuration("2.5m")).toBe(150);
  });

  it("refuses a bad timeout, and degree or features in a command's search space", () => {
    const problems = problemsOf(
      base +
        "algorithm: { type: command, run: x, timeout: soon }\nsearch:\n  space:\n    degree: { area: [1, 2] }\n",
    );
    expect(problems.join("\n")).toContain('write a duration like "30m"');
    const more = problemsOf(
      base + "algorithm: { type: command, run: x }\nsearch:\n  space:\n    degree: { area: [1, 2] }\n",
    );
    expect(more.join("\n")).toMatch(
      /models\/price.yml:\d+:\d+: a training command does its own preprocessing; `degree`/,
    );
  });

  it("keeps a built-in algorithm's search to alpha, degree and features, without parallel", () => {
    const problems = problemsOf(
      base + "algorithm: { type: ridge }\nsearch:\n  parallel: 2\n  space:\n    alpah: [1, 2]\n",
    ).join("\n");
    expect(problems).toContain('"alpah" is not a search parameter of the ridge algorithm');
    expect(problems).toContain("alpha");
    expect(problems).toContain("`parallel` sets how many training command runs go at once");
  });
});
