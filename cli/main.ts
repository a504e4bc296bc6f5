/**
 * Entry of the `modelgate` command line: picks the command, runs it, and turns what it throws
 * into an exit code (DESIGN.md "Contracts": 0 ok, 1 gate failed or drift alert, 2 invalid
 * input, 3 internal error) and one readable paragraph on stderr.
 */
import { ExitCode, InputError, UsageError, formatProblem } from "../src/errors.js";
import { suggest } from "../src/project/did-you-mean.js";
import { commands } from "./commands/index.js";
import type { Io } from "./io.js";
import { processIo } from "./io.js";

const VERSION = "0.1.0";

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  const debug = rest.includes("--debug");
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(overview());
    return name === undefined ? ExitCode.invalidInput : ExitCode.ok;
  }
  if (name === "--version" || name === "-v") {
    io.out(`modelgate ${VERSION}\n`);
    return ExitCode.ok;
  }
  const command = commands.find((c) => c.definition.name === name);
  try {
    if (!command)
      throw new UsageError(
        `unknown command "${name}"`,
        `${suggest(
          name,
          commands.map((c) => c.definition.name),
          "commands",
        )} (modelgate --help lists them)`,
      );
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io, debug);
  }
}

/** Writes what went wrong and returns the exit code it means. Handles anything thrown. */
export function reportError(error: unknown, io: Io, debug: boolean): number {
  if (error instanceof InputError) {
    const n = error.problems.length;
    io.err(
      `${n === 1 ? "1 problem" : `${n} problems`} found:\n${error.problems.map(formatProblem).join("\n")}\n`,
    );
    return ExitCode.invalidInput;
  }
  if (error instanceof UsageError) {
    io.err(`modelgate ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ""}\n`);
    return ExitCode.invalidInput;
  }
  const detail =
    error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error);
  io.err(
    `modelgate: internal error: ${detail}\n` +
      (debug
        ? ""
        : "  hint: run again with --debug for the stack trace, and report it with your spec files\n"),
  );
  return ExitCode.internal;
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.definition.name.length));
  return [
    "usage: modelgate <command> [options]",
    "",
    "GitOps for machine-learning models: validate specs, train and evaluate, compare with the",
    "production model, keep the registry in the repository.",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.definition.name.padEnd(width)}  ${c.definition.summary}`),
    "",
    "modelgate <command> --help tells more. Exit codes: 0 ok, 1 gate failed or drift alert,",
    "2 invalid input (spec, data, usage), 3 internal error.",
    "",
  ].join("\n");
}
