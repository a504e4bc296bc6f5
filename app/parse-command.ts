/**
 * `/modelgate ...` commands in issue and PR comments. Only the first line that starts with
 * `/modelgate` counts; anything it does not understand becomes `help` with what was wrong.
 */
import { ALIAS_PATTERN } from "../src/registry/registry-document.js";
import { MODEL_NAME_PATTERN } from "../src/project/schemas.js";

export type Command =
  | { kind: "status" }
  | { kind: "help"; problem?: string }
  | { kind: "rollback"; model: string; version: number; alias: string };

const PREFIX = /^\/modelgate(?:\s|$)/;

/** The command in a comment body, or null when the comment holds none. */
export function parseCommand(body: string): Command | null {
  const line = body
    .slice(0, 10_000)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => PREFIX.test(l));
  if (line === undefined) return null;
  const [, verb, ...args] = line.split(/\s+/);
  switch (verb) {
    case undefined:
    case "help":
      return { kind: "help" };
    case "status":
      return args.length === 0
        ? { kind: "status" }
        : { kind: "help", problem: "`status` takes no arguments" };
    case "rollback": {
      const [model, versionText, alias = "production", ...rest] = args;
      if (model === undefined || versionText === undefined || rest.length > 0)
        return { kind: "help", problem: "`rollback` takes a model, a version and optionally an alias" };
      const version = Number(/^v?(\d{1,9})$/.exec(versionText)?.[1] ?? NaN);
      if (!MODEL_NAME_PATTERN.test(model)) return { kind: "help", problem: "that is not a valid model name" };
      if (!Number.isInteger(version) || version < 1)
        return { kind: "help", problem: "the version is a number such as `3` or `v3`" };
      if (!ALIAS_PATTERN.test(alias)) return { kind: "help", problem: "that is not a valid alias name" };
      return { kind: "rollback", model, version, alias };
    }
    default:
      return { kind: "help", problem: "that command is unknown" };
  }
}

/** The help text (Markdown). */
export function helpText(labelPrefix: string, aliases: readonly string[]): string {
  return [
    "**modelgate commands** (for people with write access to this repository):",
    "",
    "- `/modelgate status`: the registry's models, their aliases and latest versions, and recent changes.",
    "- `/modelgate rollback <model> <version> [alias]`: point the alias (default `production`) back at an older version, with a registry commit and a deployment.",
    "- `/modelgate help`: this text.",
    "",
    `To promote a pull request's model, label the pull request ${aliases.map((a) => `\`${labelPrefix}${a}\``).join(" or ")} once its \`modelgate\` check passes, then merge it.`,
  ].join("\n");
}
