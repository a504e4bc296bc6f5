/**
 * Whether a report's champion is the one the registry on the default branch holds. The report
 * comes from a pull request's run, which could claim any champion (or none) to make its
 * challenger look better; the registry on the default branch is the truth.
 */
import type { Registry } from "../src/registry/registry-document.js";
import { resolveAlias } from "../src/registry/registry-transitions.js";
import type { ModelReport } from "../src/report/report-schema.js";

/**
 * `ok`: the champion is the version the alias points to now. `stale`: a real version, but the
 * alias has moved since the run (the comparison is out of date, so promotion waits for a new
 * run). `forged`: the registry holds no such version, or its model file has another sha256.
 */
export type ChampionCheck =
  { status: "ok" } | { status: "stale"; message: string } | { status: "forged"; message: string };

/** Checks `model.champion` against `registry` (read at the default branch's head). */
export function verifyChampion(registry: Registry, model: ModelReport): ChampionCheck {
  const claimed = model.champion;
  const entry = registry.models[model.name];
  if (claimed === null) {
    const now = resolveAlias(registry, model.name, "production");
    return now === null
      ? { status: "ok" }
      : {
          status: "stale",
          message: `the run compared against no champion, but production is v${now.version} on the default branch now`,
        };
  }
  const version = entry?.versions[claimed.version - 1];
  if (version === undefined || version.version !== claimed.version)
    return {
      status: "forged",
      message: `the report names champion v${claimed.version}, which the registry on the default branch does not hold`,
    };
  if (version.modelSha256 !== claimed.modelSha256)
    return {
      status: "forged",
      message: `the report's champion v${claimed.version} has model sha256 ${claimed.modelSha256.slice(0, 12)}…, but the registry recorded ${version.modelSha256.slice(0, 12)}…`,
    };
  const now = resolveAlias(registry, model.name, claimed.alias);
  if (now === null || now.version !== claimed.version)
    return {
      status: "stale",
      message: `the run compared against v${claimed.version}, but ${now === null ? "that alias is no longer set" : `the alias points to v${now.version} now`} on the default branch`,
    };
  return { status: "ok" };
}
