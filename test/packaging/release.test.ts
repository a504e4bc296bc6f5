/**
 * scripts/release.mjs, the release workflow's gate: a tag is released only when package.json, the
 * version constants that `--version` and report.json print, and CHANGELOG.md all name its version;
 * the GitHub release's notes are that CHANGELOG section.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string })
  .version;
let dir: string;

const CHANGELOG = `# Changelog

## [Unreleased]

## [${version}] - 2026-12-01

### Fixed

- One thing.

## [0.0.1]

- The first.
`;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "modelgate-release-"));
  for (const f of ["package.json", "cli/version.ts", "src/report/report-schema.ts"]) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    cpSync(path.join(root, f), path.join(dir, f));
  }
  writeFileSync(path.join(dir, "CHANGELOG.md"), CHANGELOG);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function release(...args: string[]) {
  return spawnSync(process.execPath, [path.join(root, "scripts/release.mjs"), ...args], {
    encoding: "utf8",
    env: { ...process.env, MODELGATE_RELEASE_ROOT: dir },
  });
}

describe("node scripts/release.mjs check", () => {
  it("passes when package.json, --version, report.json's tool version and the changelog agree", () => {
    const r = release("check", `v${version}`);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("names every file whose version differs from the tag's", () => {
    writeFileSync(path.join(dir, "CHANGELOG.md"), CHANGELOG.replace(`[${version}]`, "[9.9.9]"));
    const r = release("check", "v9.9.9");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`package.json has ${version}`);
    expect(r.stderr).toContain(`cli/version.ts has ${version}`);
    expect(r.stderr).toContain(`src/report/report-schema.ts has ${version}`);
  });

  it("refuses a version without a changelog section, or with an empty one", () => {
    writeFileSync(path.join(dir, "CHANGELOG.md"), "# Changelog\n\n## [Unreleased]\n\n- Something.\n");
    let r = release("check", `v${version}`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no section "## \[[\d.]+\]": rename "## \[Unreleased\]"/);
    writeFileSync(path.join(dir, "CHANGELOG.md"), `# Changelog\n\n## [${version}]\n\n## [0.0.1]\n\n- x\n`);
    r = release("check", `v${version}`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is empty/);
  });

  it("refuses what is not a release tag", () => {
    for (const tag of ["1.0.0", "v1.0", "v1", "release-1.0.0"]) {
      const r = release("check", tag);
      expect(r.status, tag).toBe(2);
      expect(r.stderr).toMatch(/expected vMAJOR\.MINOR\.PATCH/);
    }
  });
});

describe("node scripts/release.mjs notes", () => {
  it("prints the tag's changelog section and nothing of the others", () => {
    const r = release("notes", `v${version}`);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("### Fixed\n\n- One thing.\n");
  });
});
