/**
 * docs/schemastore-catalog.json, the entries to submit to SchemaStore's catalog so that editors
 * check modelgate's specs without a `$schema` line: each spec of the examples is matched by exactly
 * the schema its own `$schema` line names, the workflow a user saves as
 * .github/workflows/modelgate.yml is not, and every URL names a schema the package publishes, at
 * the major tag the release workflow moves.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

interface Entry {
  name: string;
  description: string;
  fileMatch: string[];
  url: string;
  versions?: Record<string, string>;
}
const catalog = JSON.parse(readFileSync(path.join(root, "docs/schemastore-catalog.json"), "utf8")) as {
  $schema: string;
  version: number;
  schemas: Entry[];
};

/** A fileMatch glob as editors apply it: a pattern without a slash matches the file's name. */
function globMatches(pattern: string, file: string): boolean {
  const body = pattern
    .split("**/")
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*"))
    .join("(?:.*/)?");
  const subject = pattern.includes("/") ? file : path.posix.basename(file);
  return new RegExp(`(?:^|/)${body}$`).test(subject);
}

/** The entries that claim `file`: one of its patterns matches and none of its `!` patterns does. */
function entriesFor(file: string): Entry[] {
  return catalog.schemas.filter(
    (e) =>
      e.fileMatch.some((p) => !p.startsWith("!") && globMatches(p, file)) &&
      !e.fileMatch.some((p) => p.startsWith("!") && globMatches(p.slice(1), file)),
  );
}

function specFiles(folder: string): string[] {
  return readdirSync(path.join(root, folder), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(folder, e.name);
    if (e.isDirectory()) return e.name === "workflows" || e.name.startsWith(".") ? [] : specFiles(rel);
    return /\.ya?ml$/.test(e.name) ? [rel] : [];
  });
}

describe("the SchemaStore catalog entries", () => {
  it("have the catalog's shape", () => {
    expect(catalog.$schema).toBe("https://json.schemastore.org/schema-catalog.json");
    expect(catalog.version).toBe(1);
    for (const e of catalog.schemas) {
      expect(e.name).toMatch(/^modelgate/);
      expect(e.description.length).toBeGreaterThan(20);
      expect(e.fileMatch.length).toBeGreaterThan(0);
      expect(e.url).toMatch(/^https:\/\/.+\.json$/);
    }
  });

  it("point at schemas the repository and the npm package publish, at the current major tag", () => {
    const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      version: string;
      files: string[];
    };
    // Before 1.0.0 the first release is 1.0.0 (README, "Versioning"), so the tag is v1 at least.
    const major = Math.max(1, Number(manifest.version.split(".")[0]));
    for (const e of catalog.schemas) {
      const m =
        /^https:\/\/raw\.githubusercontent\.com\/modelgate\/modelgate\/(v\d+)\/(schemas\/[a-z-]+\.schema\.json)$/.exec(
          e.url,
        );
      expect(m, e.url).not.toBeNull();
      expect(m![1]).toBe(`v${major}`);
      expect(readdirSync(path.join(root, "schemas"))).toContain(path.basename(m![2]!));
      expect(e.versions).toEqual({ "1": e.url });
    }
    expect(manifest.files).toContain("schemas/*.schema.json");
  });

  it("give each spec of the examples the schema its $schema line names, and only that one", () => {
    const yamlFiles = specFiles("examples");
    const isSpec = (file: string) => /(^|\/)(modelgate|[^/]+\.model|[^/]+\.data)\.ya?ml$/.test(file);
    const specs = yamlFiles.filter(isSpec);
    expect(specs.length).toBeGreaterThanOrEqual(9);
    // Other YAML beside the specs (a Kubernetes manifest) is given no modelgate schema.
    for (const other of yamlFiles.filter((f) => !isSpec(f))) expect(entriesFor(other), other).toEqual([]);
    for (const spec of specs) {
      const named = /\$schema=\S*\/([a-z-]+\.schema\.json)/.exec(
        readFileSync(path.join(root, spec), "utf8"),
      )?.[1];
      expect(named, spec).toBeDefined();
      expect(
        entriesFor(spec).map((e) => path.basename(e.url)),
        spec,
      ).toEqual([named]);
    }
  });

  it("leave workflow files alone, the one named modelgate.yml included", () => {
    for (const file of [
      ".github/workflows/modelgate.yml",
      "repo/.github/workflows/modelgate.yaml",
      ".github/workflows/monitor.yml",
      "app.yml",
      "action.yml",
    ])
      expect(entriesFor(file), file).toEqual([]);
    expect(entriesFor("repo/modelgate.yml").map((e) => e.name)).toEqual(["modelgate"]);
  });
});
