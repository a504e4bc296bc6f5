import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import type { Registry } from "../../src/registry/registry-document.js";
import { emptyRegistry, parseRegistry, serialiseRegistry } from "../../src/registry/registry-document.js";
import type { RegisterRequest } from "../../src/registry/registry-transitions.js";
import {
  describeEvent,
  history,
  listModels,
  moveAlias,
  promote,
  registerVersion,
  resolveAlias,
  rollback,
} from "../../src/registry/registry-transitions.js";

const sha = (c: string) => c.repeat(40);
const hash = (c: string) => c.repeat(64);
const modelFile = (n: number) => `{\n  "coefficients": [${n}]\n}\n`;

/** A registration as the App makes it on merge; `k` picks a distinct head commit. */
const request = (k: number, over: Partial<RegisterRequest> = {}): RegisterRequest => ({
  model: "cars",
  modelFile: modelFile(k),
  headSha: sha(String(k)),
  pr: 10 + k,
  mergeCommit: sha("abcdef"[k % 6]!),
  actor: "octocat",
  at: `2024-05-0${k}T12:00:00Z`,
  specHash: hash("a"),
  dataHash: hash("b"),
  metrics: { rmse: 3 - k / 10, r2: null },
  ...over,
});

/** Deeply frozen, so a transition that mutates its input throws. */
function frozen<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

const inputError = (fn: () => unknown): InputError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("expected an InputError");
};

describe("registerVersion", () => {
  it("registers version 1 with its model file and a register event", () => {
    const change = registerVersion(frozen(emptyRegistry()), request(1));
    expect(change.changed).toBe(true);
    expect(change.version).toBe(1);
    expect(change.writes.map((w) => w.path)).toEqual([
      ".modelgate/models/cars/v1.json",
      ".modelgate/registry.json",
    ]);
    expect(change.writes[0]!.content).toBe(modelFile(1));
    const v1 = change.registry.models.cars!.versions[0]!;
    expect(v1).toEqual({
      version: 1,
      createdAt: "2024-05-01T12:00:00Z",
      mergeCommit: sha("b"),
      pr: 11,
      headSha: sha("1"),
      specHash: hash("a"),
      dataHash: hash("b"),
      modelSha256: createHash("sha256").update(modelFile(1)).digest("hex"),
      metrics: { rmse: 2.9, r2: null },
      file: "models/cars/v1.json",
    });
    expect(change.events).toEqual([
      {
        at: "2024-05-01T12:00:00Z",
        actor: "octocat",
        action: "register",
        version: 1,
        headSha: sha("1"),
        pr: 11,
      },
    ]);
    expect(parseRegistry(change.writes[1]!.content)).toEqual(change.registry);
  });

  it("counts versions per model and never renumbers", () => {
    let r = registerVersion(emptyRegistry(), request(1)).registry;
    r = registerVersion(r, request(2)).registry;
    const other = registerVersion(r, request(3, { model: "houses" }));
    expect(other.version).toBe(1);
    expect(other.registry.models.cars!.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(registerVersion(other.registry, request(4)).version).toBe(3);
  });

  it("is idempotent by (model, head commit)", () => {
    const first = registerVersion(emptyRegistry(), request(1)).registry;
    const again = registerVersion(
      frozen(first),
      request(1, { at: "2024-06-01T00:00:00Z", actor: "someone-else" }),
    );
    expect(again).toEqual({ registry: first, writes: [], changed: false, events: [], version: 1 });
    expect(again.registry).toBe(first);
  });

  it("writes where the registry folder is", () => {
    const change = registerVersion(emptyRegistry(), request(1, { registryDir: "ml/registry/" }));
    expect(change.writes.map((w) => w.path)).toEqual([
      "ml/registry/models/cars/v1.json",
      "ml/registry/registry.json",
    ]);
    expect(change.registry.models.cars!.versions[0]!.file).toBe("models/cars/v1.json");
  });

  it("refuses bad names, bad model files and malformed hashes with the registry file named", () => {
    expect(
      inputError(() => registerVersion(emptyRegistry(), request(1, { model: "Cars!" }))).problems[0],
    ).toMatchObject({
      file: ".modelgate/registry.json",
      message: '"Cars!" is not a valid model name',
    });
    expect(
      inputError(() => registerVersion(emptyRegistry(), request(1, { modelFile: "{oops" }))).message,
    ).toMatch(/not valid JSON/);
    expect(
      inputError(() => registerVersion(emptyRegistry(), request(1, { specHash: "xyz" }))).message,
    ).toMatch(/specHash: expected a sha256/);
    expect(
      inputError(() => registerVersion(emptyRegistry(), request(1, { at: "yesterday" }))).message,
    ).toMatch(/createdAt: expected an ISO 8601 time/);
  });
});

describe("moveAlias and rollback", () => {
  const two = (() => {
    let r = registerVersion(emptyRegistry(), request(1)).registry;
    r = registerVersion(r, request(2)).registry;
    return frozen(r);
  })();
  const stamp = { actor: "hubot", at: "2024-05-03T09:00:00Z" };

  it("moves an alias, logs from -> to, and does nothing when it already points there", () => {
    const a = moveAlias(two, { model: "cars", alias: "production", version: 1, ...stamp, pr: 11 });
    expect(a.writes.map((w) => w.path)).toEqual([".modelgate/registry.json"]);
    expect(a.events).toEqual([{ ...stamp, action: "move", alias: "production", from: null, to: 1, pr: 11 }]);
    const b = moveAlias(a.registry, { model: "cars", alias: "production", version: 2, ...stamp });
    expect(b.events[0]).toMatchObject({ from: 1, to: 2 });
    expect(resolveAlias(b.registry, "cars", "production")?.headSha).toBe(sha("2"));
    const same = moveAlias(frozen(b.registry), { model: "cars", alias: "production", version: 2, ...stamp });
    expect(same.changed).toBe(false);
    expect(same.writes).toEqual([]);
  });

  it("refuses a version, model or alias that does not exist, saying what does", () => {
    expect(
      inputError(() => moveAlias(two, { model: "cars", alias: "production", version: 3, ...stamp }))
        .problems[0],
    ).toEqual({
      file: ".modelgate/registry.json",
      message: "cars has no version 3",
      hint: "its versions are 1-2",
    });
    expect(
      inputError(() => moveAlias(two, { model: "crs", alias: "production", version: 1, ...stamp }))
        .problems[0]!.hint,
    ).toBe('did you mean "cars"?');
    expect(
      inputError(() => moveAlias(two, { model: "cars", alias: "Prod uction", version: 1, ...stamp })).message,
    ).toMatch(/not a valid alias name/);
  });

  it("rolls back to an older version, logged as a rollback", () => {
    const at2 = moveAlias(two, { model: "cars", alias: "production", version: 2, ...stamp }).registry;
    const back = rollback(frozen(at2), {
      model: "cars",
      alias: "production",
      version: 1,
      ...stamp,
      reason: "v2 drifts",
    });
    expect(back.changed).toBe(true);
    expect(back.events).toEqual([
      { ...stamp, action: "rollback", alias: "production", from: 2, to: 1, reason: "v2 drifts" },
    ]);
    expect(back.registry.models.cars!.aliases).toEqual({ production: 1 });
    // replayed: nothing more
    expect(
      rollback(back.registry, { model: "cars", alias: "production", version: 1, ...stamp }).changed,
    ).toBe(false);
    // forward is not a rollback
    expect(
      inputError(() => rollback(back.registry, { model: "cars", alias: "production", version: 2, ...stamp }))
        .message,
    ).toMatch(/v2 is newer than the current v1/);
    expect(
      inputError(() => rollback(back.registry, { model: "cars", alias: "staging", version: 1, ...stamp }))
        .message,
    ).toMatch(/no alias "staging"/);
  });
});

describe("promote", () => {
  it("registers and moves the alias in one change", () => {
    const p = promote(frozen(emptyRegistry()), { ...request(1), alias: "production" });
    expect(p.version).toBe(1);
    expect(p.writes.map((w) => w.path)).toEqual([
      ".modelgate/models/cars/v1.json",
      ".modelgate/registry.json",
    ]);
    expect(p.events.map((e) => e.action)).toEqual(["register", "move"]);
    expect(p.events[1]).toMatchObject({ alias: "production", from: null, to: 1, pr: 11, headSha: sha("1") });
    expect(parseRegistry(p.writes[1]!.content)).toEqual(p.registry);
  });

  it("is idempotent: a replay changes nothing, even after the alias moved on", () => {
    const first = promote(emptyRegistry(), { ...request(1), alias: "production" });
    const replay = promote(frozen(first.registry), {
      ...request(1),
      alias: "production",
      at: "2024-07-01T00:00:00Z",
    });
    expect(replay.changed).toBe(false);
    expect(replay.writes).toEqual([]);
    expect(replay.registry).toBe(first.registry);
    const second = promote(first.registry, { ...request(2), alias: "production" });
    expect(second.registry.models.cars!.aliases.production).toBe(2);
    // a duplicate delivery of the first merge arrives late
    const late = promote(frozen(second.registry), { ...request(1), alias: "production" });
    expect(late.changed).toBe(false);
    expect(late.registry.models.cars!.aliases.production).toBe(2);
    expect(serialiseRegistry(late.registry)).toBe(serialiseRegistry(second.registry));
  });

  it("promotes a version registered earlier to another alias without a new version", () => {
    const staged = promote(emptyRegistry(), { ...request(1), alias: "staging" });
    const prod = promote(staged.registry, { ...request(1), alias: "production" });
    expect(prod.changed).toBe(true);
    expect(prod.version).toBe(1);
    expect(prod.writes.map((w) => w.path)).toEqual([".modelgate/registry.json"]);
    expect(prod.registry.models.cars!.aliases).toEqual({ staging: 1, production: 1 });
  });
});

describe("history and listings", () => {
  const build = (): Registry => {
    let r = promote(emptyRegistry(), { ...request(1), alias: "production" }).registry;
    r = promote(r, { ...request(2), alias: "production" }).registry;
    return rollback(r, {
      model: "cars",
      alias: "production",
      version: 1,
      actor: "hubot",
      at: "2024-05-04T08:00:00Z",
      reason: "errors doubled",
    }).registry;
  };

  it("keeps every event in order and describes each in a line", () => {
    const events = history(build(), "cars");
    expect(events.map((e) => describeEvent("cars", e))).toEqual([
      "2024-05-01T12:00:00Z octocat registered cars v1 from 1111111 (PR #11)",
      "2024-05-01T12:00:00Z octocat moved production of cars to v1 (PR #11)",
      "2024-05-02T12:00:00Z octocat registered cars v2 from 2222222 (PR #12)",
      "2024-05-02T12:00:00Z octocat moved production of cars from v1 to v2 (PR #12)",
      "2024-05-04T08:00:00Z hubot rolled production of cars back from v2 to v1: errors doubled",
    ]);
    expect(inputError(() => history(build(), "carz")).problems[0]!.hint).toBe('did you mean "cars"?');
  });

  it("lists models with their versions and aliases", () => {
    const r = registerVersion(build(), request(3, { model: "bikes" })).registry;
    expect(listModels(r).map((m) => [m.model, m.versions, m.latest?.version, m.aliases])).toEqual([
      ["bikes", 1, 1, {}],
      ["cars", 2, 2, { production: 1 }],
    ]);
  });
});
