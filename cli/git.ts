/** The few things the CLI asks git: the head commit, who you are, a file at a commit. */
import { execFileSync } from "node:child_process";

function git(cwd: string, args: string[]): string | null {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return null;
  }
}

/** The commit HEAD points to, or null outside a git repository (or before the first commit). */
export function headCommit(cwd: string): string | null {
  return git(cwd, ["rev-parse", "HEAD"]);
}

/** Who is acting locally: git's user.name, else the login name. */
export function localActor(cwd: string): string {
  return git(cwd, ["config", "user.name"]) || process.env.USER || "local";
}

/** The repository's top folder, or null. */
export function repositoryRoot(cwd: string): string | null {
  return git(cwd, ["rev-parse", "--show-toplevel"]);
}

/** Resolves a ref to a commit id, or null when the repository does not have it. */
export function resolveRef(cwd: string, ref: string): string | null {
  return git(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
}

/** A file's content at a commit (path relative to the repository root), or null when absent. */
export function showFile(cwd: string, commit: string, relativePath: string): string | null {
  try {
    return execFileSync("git", ["show", `${commit}:${relativePath}`], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch {
    return null;
  }
}

/** A file's bytes at a commit (an ONNX model), or null when it is not there. */
export function showFileBytes(cwd: string, commit: string, relativePath: string): Uint8Array | null {
  try {
    return execFileSync("git", ["show", `${commit}:${relativePath}`], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch {
    return null;
  }
}

/** Whether the repository is a shallow clone (history cut off). */
export function isShallow(cwd: string): boolean {
  return git(cwd, ["rev-parse", "--is-shallow-repository"]) === "true";
}
