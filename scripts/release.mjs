// The release workflow's checks and notes (.github/workflows/release.yml).
//   node scripts/release.mjs check vX.Y.Z   the tag is the version in package.json and in the
//                                            constants that reports and --version print, and
//                                            CHANGELOG.md has a non-empty section for it
//   node scripts/release.mjs notes vX.Y.Z   prints that section (the GitHub release's notes)
// Exit 2, with what to fix, when a check fails.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root =
  process.env.MODELGATE_RELEASE_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Where the version is written besides package.json, and how to find it there. */
const VERSION_CONSTANTS = [
  ["cli/version.ts", /export const VERSION = "([^"]+)"/],
  ["src/report/report-schema.ts", /export const TOOL_VERSION = "([^"]+)"/],
];

function fail(message) {
  process.stderr.write(`release: ${message}\n`);
  process.exit(2);
}

function read(file) {
  return readFileSync(path.join(root, file), "utf8");
}

/** The version a tag names: v1.2.3 or v1.2.3-rc.1. */
function versionOf(tag) {
  const m = /^v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(tag ?? "");
  if (!m) fail(`"${tag ?? ""}" is not a release tag: expected vMAJOR.MINOR.PATCH, e.g. v1.2.0`);
  return m[1];
}

/** The body of CHANGELOG.md's section "## [version]" (or "## version"), without its heading. */
function notesOf(version) {
  const lines = read("CHANGELOG.md").split("\n");
  const heading = new RegExp(`^## \\[?${version.replace(/\./g, "\\.")}\\]?(\\s|$)`);
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0)
    fail(
      `CHANGELOG.md has no section "## [${version}]": rename "## [Unreleased]" to it, with today's date, and commit before tagging`,
    );
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  const body = lines
    .slice(start + 1, end)
    .join("\n")
    .trim();
  if (body === "") fail(`CHANGELOG.md's section for ${version} is empty: say what changed`);
  return body;
}

const [command, tag] = process.argv.slice(2);
if (command === "check") {
  const version = versionOf(tag);
  const wrong = [];
  const manifest = JSON.parse(read("package.json")).version;
  if (manifest !== version) wrong.push(`package.json has ${manifest}`);
  for (const [file, pattern] of VERSION_CONSTANTS) {
    const found = pattern.exec(read(file))?.[1];
    if (found === undefined) wrong.push(`${file} no longer matches ${pattern} (update scripts/release.mjs)`);
    else if (found !== version) wrong.push(`${file} has ${found}`);
  }
  if (wrong.length > 0)
    fail(
      `the tag ${tag} says ${version}, but ${wrong.join(", ")}: set every one to ${version} (npm version ${version} --no-git-tag-version does package.json) and tag again`,
    );
  notesOf(version);
  process.stdout.write(`release: ${tag} matches package.json, the version constants and CHANGELOG.md\n`);
} else if (command === "notes") {
  process.stdout.write(`${notesOf(versionOf(tag))}\n`);
} else {
  fail("usage: node scripts/release.mjs check|notes vX.Y.Z");
}
