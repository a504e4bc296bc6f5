/**
 * Checks pinned part files (a data spec whose `file:` is a glob, src/project/data-pin.ts) before
 * they are read, in one hashing pass:
 *
 * - `sha256:` pins the sha256 of the parts' `sha256sum` lines, `<sha256>  <name>\n` in the
 *   parts' order (names relative to the data spec's folder, with `/`, sorted by byte): the data
 *   hash of the parts. In the data spec's folder, `LC_ALL=C sha256sum <glob> | sha256sum` prints
 *   it. A mismatch lists each part's line, to compare with the ones the pin was made of.
 * - `dvc:` naming a folder output (`md5: ….dir`) pins the whole folder as DVC does, without its
 *   cache: the md5 (DVC's, see pinned-file.ts) of every file under the folder, DVC's manifest of
 *   them (`dvcDirManifest`), and the md5 of the manifest, which is the `.dvc` file's. `nfiles`
 *   and `size`, when given, are checked first. Files the glob does not match are checked too
 *   (the manifest covers the folder); which files differ is not knowable from the `.dvc` file.
 *
 * Each part's sha256 is kept, so the scans that read the parts afterwards can tell a part that
 * changed since (`changedPart`).
 */
import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { InputError, type Problem } from "../errors.js";
import type { DataPinRecord, PartsPin } from "../project/data-pin.js";
import { hashFile } from "./pinned-file.js";

/** A part file: its path and its name in the hash (relative to the data spec's folder, `/`). */
export interface PinnedPart {
  path: string;
  name: string;
}

/** What the check of a parts pin found: the record, and each part's sha256 by name. */
export interface VerifiedParts {
  record: DataPinRecord;
  sha256: Map<string, string>;
}

/** Lines of a part list shown in a problem; the rest are counted. */
const SHOWN_LINES = 20;

/**
 * Hashes the pinned parts (and, for a DVC folder, every file of the folder) and compares them
 * with the pin.
 *
 * @param show a path as messages name it
 * @throws InputError (exit 2) when the data are not there or are not the pinned ones
 */
export async function verifyPinnedParts(
  pin: PartsPin,
  parts: readonly PinnedPart[],
  show: (p: string) => string,
): Promise<VerifiedParts> {
  return pin.kind === "sha256-parts" ? verifySha256Parts(pin, parts) : verifyDvcFolder(pin, parts, show);
}

async function verifySha256Parts(
  pin: Extract<PartsPin, { kind: "sha256-parts" }>,
  parts: readonly PinnedPart[],
): Promise<VerifiedParts> {
  const sha256 = new Map<string, string>();
  for (const part of parts) sha256.set(part.name, (await hashFile(part.path)).sha256);
  const problem = partsMismatch(pin, parts, sha256);
  if (problem) throw new InputError(problem);
  return { record: { kind: "sha256-parts", parts: parts.length }, sha256 };
}

/** The sha256 of the parts' `sha256sum` lines, in order. */
export function partsSha256(lines: readonly { name: string; sha256: string }[]): string {
  const hash = createHash("sha256");
  for (const l of lines) hash.update(`${l.sha256}  ${l.name}\n`);
  return hash.digest("hex");
}

/** The problem when the parts' hashes are not the pinned ones, else undefined. */
export function partsMismatch(
  pin: Extract<PartsPin, { kind: "sha256-parts" }>,
  parts: readonly { name: string }[],
  sha256: ReadonlyMap<string, string>,
): Problem | undefined {
  const lines = parts.map((p) => ({ name: p.name, sha256: sha256.get(p.name) ?? "" }));
  const found = partsSha256(lines);
  if (found === pin.sha256) return undefined;
  const listed = lines.slice(0, SHOWN_LINES).map((l) => `${l.sha256}  ${l.name}`);
  if (lines.length > SHOWN_LINES) listed.push(`… and ${lines.length - SHOWN_LINES} more`);
  return {
    file: pin.specFile,
    line: pin.line,
    column: pin.column,
    message: `the ${parts.length} part file${parts.length === 1 ? "'s" : "s'"} sha256 is ${found}, but ${pin.specFile} pins ${pin.sha256}: these are not the pinned data. The parts, as \`sha256sum\` prints them: ${listed.join("; ")}`,
    hint: `compare with the lines the pin was made of (\`sha256sum ${pin.pattern}\` in the data spec's folder, with LC_ALL=C) to find the part that differs, is added or is missing; re-run the step that fetches the parts; if the data changed on purpose, put the new sum in the data spec's \`sha256:\` (\`export LC_ALL=C && sha256sum ${pin.pattern} | sha256sum\`)`,
  };
}

async function verifyDvcFolder(
  pin: Extract<PartsPin, { kind: "dvc-dir" }>,
  parts: readonly PinnedPart[],
  show: (p: string) => string,
): Promise<VerifiedParts> {
  const folder = show(pin.folder);
  const files = await listFolder(pin.folder, folder, pin.dvcFile);
  const hashed: { relpath: string; md5: string; sha256: string; bytes: number }[] = [];
  for (const relpath of files)
    hashed.push({ relpath, ...(await hashFile(path.join(pin.folder, relpath), pin.dos2unix)) });
  const pull = `run \`dvc pull ${pin.dvcFile}\` again to fetch the pinned version; which files differ is not knowable from the .dvc file alone (it holds the md5 of DVC's list of the folder's files, not the list): \`dvc status ${pin.dvcFile}\` or \`dvc diff\` names them where DVC's cache is at hand; if the data changed on purpose, \`dvc add\` the folder and commit the new .dvc file`;
  if (pin.nfiles !== undefined && hashed.length !== pin.nfiles)
    throw new InputError({
      file: folder,
      message: `the folder has ${hashed.length} file${hashed.length === 1 ? "" : "s"}, but ${pin.dvcFile} pins ${pin.nfiles} (md5 ${pin.md5}.dir): these are not the pinned data`,
      hint: pull,
    });
  const size = hashed.reduce((s, f) => s + f.bytes, 0);
  if (pin.size !== undefined && size !== pin.size)
    throw new InputError({
      file: folder,
      message: `the folder's files have ${size} bytes in all, but ${pin.dvcFile} pins ${pin.size} bytes (md5 ${pin.md5}.dir): these are not the pinned data`,
      hint: pull,
    });
  const md5 = createHash("md5").update(dvcDirManifest(hashed)).digest("hex");
  if (md5 !== pin.md5)
    throw new InputError({
      file: folder,
      message: `the folder's DVC md5 is ${md5}.dir (${hashed.length} files), but ${pin.dvcFile} pins ${pin.md5}.dir: these are not the pinned data`,
      hint: pull,
    });
  const byPath = new Map(hashed.map((f) => [path.join(pin.folder, f.relpath), f.sha256]));
  const sha256 = new Map<string, string>();
  for (const part of parts) {
    const found = byPath.get(path.resolve(part.path));
    if (found === undefined) throw new Error(`the part file ${part.path} is not in the pinned folder`);
    sha256.set(part.name, found);
  }
  return {
    record: {
      kind: "dvc-dir",
      dvcFile: pin.dvcPath,
      md5,
      folder: pin.folderPath,
      files: hashed.length,
      parts: parts.length,
    },
    sha256,
  };
}

/**
 * DVC's manifest of a folder, the bytes whose md5 is the `.dvc` file's `md5` (without `.dir`):
 * Python's `json.dumps(entries, sort_keys=True)` of `{"md5", "relpath"}` per file, sorted by
 * relpath. That is `Tree.as_list` / `Tree.as_bytes` / `Tree.digest` in dvc-data's
 * src/dvc_data/hashfile/tree.py (iterative/dvc-data at b9ec41c4a59faaa1e0a181344db146ba110360ff,
 * DVC 3; the same bytes in src/dvc_data/tree.py at d812f86c151f8a140882befcd1f637a91d4dd3b5,
 * tag 0.0.1, DVC 2): entries without meta, an `md5-dos2unix` hash (DVC 2's md5 of a text
 * file, CRLF read as LF: each file's md5 as pinned-file.ts computes it) written as `md5`,
 * relpaths joined with `/`, sorted by Python's string order (code points, which UTF-8 bytes
 * keep), and the default
 * separators `", "` and `": "` with `ensure_ascii` (every character outside ASCII 0x20-0x7e
 * escaped as `\uxxxx`, lower-case, in UTF-16 units).
 */
export function dvcDirManifest(entries: readonly { relpath: string; md5: string }[]): string {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.relpath), Buffer.from(b.relpath)));
  return `[${sorted.map((e) => `{"md5": ${pyJson(e.md5)}, "relpath": ${pyJson(e.relpath)}}`).join(", ")}]`;
}

/** A string as Python's json.dumps writes it with ensure_ascii. */
function pyJson(text: string): string {
  return JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Every file under a folder, relative to it with `/`, as DVC walks it: subfolders descended
 * (a link to a folder is not, as os.walk), links to files hashed as their targets, `.git` and
 * the folders `.hg` and `.dvc` skipped (DVC's default ignores: `default_ignore_patterns` in
 * dvc/ignore.py, iterative/dvc at 9f901e57a20889bd08f91479cd326c3b7f80d037). A `.dvcignore`
 * inside is refused, as dvc-data's `_build_tree` refuses it; `.dvcignore` patterns elsewhere
 * are not applied.
 */
async function listFolder(folder: string, shown: string, dvcFile: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(folder, relative), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (relative !== "" || (code !== "ENOENT" && code !== "ENOTDIR")) throw error;
      throw new InputError({
        file: shown,
        message: `the folder is not here: it is pinned external data (by ${dvcFile}) that a workflow step fetches before modelgate runs`,
        hint: `run \`dvc pull ${dvcFile}\` in a step before modelgate (locally too); see examples/workflows/modelgate-external-data.yml`,
      });
    }
    for (const entry of entries) {
      const name = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.name === ".dvcignore")
        throw new InputError({
          file: `${shown}/${name}`,
          message: "a .dvcignore file inside a DVC-tracked folder (DVC refuses it too)",
          hint: "move the .dvcignore out of the folder",
        });
      if (entry.name === ".git" || ((entry.name === ".hg" || entry.name === ".dvc") && entry.isDirectory()))
        continue;
      if (entry.isDirectory()) await walk(name);
      else if (entry.isFile()) files.push(name);
      else if (
        entry.isSymbolicLink() &&
        (await stat(path.join(folder, name)).catch(() => undefined))?.isFile()
      )
        files.push(name);
    }
  };
  await walk("");
  return files;
}

/**
 * The problem when a part read after the check is not the part checked (it changed while
 * modelgate ran), else undefined.
 */
export function changedPart(
  verified: VerifiedParts,
  parts: readonly { name: string; sha256: string }[],
  file: string,
): Problem | undefined {
  const changed = parts.find((p) => verified.sha256.get(p.name) !== p.sha256);
  if (changed === undefined) return undefined;
  return {
    file,
    message: `the part file "${changed.name}" changed after its pin was checked (its sha256 differs)`,
    hint: "do not change the data while modelgate runs",
  };
}
