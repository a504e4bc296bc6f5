/** Spec files name other files; none of them may point outside the repository. */
import { realpathSync } from "node:fs";
import path from "node:path";

/**
 * Resolves `relative` against the folder of `fromFile` and checks that the result stays inside
 * `root`, both by its text (no absolute path, no `..` out of the repository) and, when it
 * exists, by its real path (no symbolic link leaving the repository).
 * Returns the absolute path, or an error message and hint.
 */
export function resolveInsideRepo(
  root: string,
  fromFile: string,
  relative: string,
): { path: string } | { error: string; hint: string } {
  if (path.isAbsolute(relative) || /^[a-zA-Z]:[\\/]/.test(relative) || relative.startsWith("\\")) {
    return {
      error: `"${relative}" is an absolute path; spec paths are relative so the repository works anywhere`,
      hint: "write the path relative to the file that names it",
    };
  }
  const resolved = path.resolve(path.dirname(fromFile), relative);
  const rootAbs = path.resolve(root);
  if (!isInside(rootAbs, resolved)) {
    return {
      error: `"${relative}" points outside the repository (${rootAbs})`,
      hint: "keep specs and data inside the repository, next to modelgate.yml",
    };
  }
  let real: string;
  try {
    real = realpathSync(resolved);
  } catch {
    return { path: resolved }; // existence is checked by the caller, with a better message
  }
  const realRoot = realpathSync(rootAbs);
  if (!isInside(realRoot, real)) {
    return {
      error: `"${relative}" is a symbolic link that leads outside the repository (to ${real})`,
      hint: "copy the file into the repository instead of linking to it",
    };
  }
  return { path: resolved };
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}
