/**
 * The models a run could not evaluate, for the Action's job summary: each model's problems as
 * written on stderr, in a code block (a failed training command's message ends with the last
 * lines of its output). Only the Action's own summary shows it; the App's comment never does.
 */
import { formatProblem, type Problem } from "../errors.js";
import { escapeHtmlForGitHub } from "./escape-markdown.js";

/** Most characters of problems shown per model. */
const MAX_CHARS = 20_000;

/** Markdown: a heading per model that could not be evaluated and its problems, fenced. */
export function invalidModelsMarkdown(invalid: readonly { model: string; problems: Problem[] }[]): string {
  return invalid
    .map(({ model, problems }) => {
      let body = problems.map(formatProblem).join("\n");
      if (body.length > MAX_CHARS) body = `${body.slice(0, MAX_CHARS)}\n… (cut)`;
      // A fence longer than any run of backticks inside, so the text cannot close it.
      const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
      const fence = "`".repeat(longest + 1);
      return `### ${escapeHtmlForGitHub(model, 100)} could not be evaluated\n\n${fence}text\n${body}\n${fence}`;
    })
    .join("\n\n");
}
