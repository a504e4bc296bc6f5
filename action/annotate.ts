/** Problems with input as annotations on their file and line. */
import * as core from "@actions/core";
import type { Problem } from "../src/errors.js";

/**
 * One annotation per problem (the first 50), titled `title`, on its file and line; returns the
 * failure message for the caller's single `core.setFailed`.
 */
export function annotate(problems: Problem[], headline: string, title = "modelgate"): string {
  for (const p of problems.slice(0, 50)) {
    core.error(`${p.message}${p.hint ? ` (hint: ${p.hint})` : ""}`, {
      title,
      file: p.file,
      ...(p.line !== undefined ? { startLine: p.line } : {}),
      ...(p.column !== undefined ? { startColumn: p.column } : {}),
    });
  }
  return `${headline}: ${problems.length} problem${problems.length === 1 ? "" : "s"} (see the annotations)`;
}
