/** Command-line parsing shared by every command: flags, --help, usage errors. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ExitCode, UsageError } from "../src/errors.js";
import type { Io } from "./io.js";
import { suggest } from "../src/project/did-you-mean.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandDefinition<O extends Options = Options> {
  name: string;
  summary: string;
  usage: string;
  /** Lines of help after the usage line: flags and what they do. */
  details: string[];
  options: O;
  /** How many positional arguments the command takes. */
  positionals?: { min: number; max: number; names: string };
}

/** Flags every command takes. */
export const commonOptions = {
  config: { type: "string", short: "c", default: "modelgate.yml" },
  help: { type: "boolean", short: "h", default: false },
  debug: { type: "boolean", default: false },
} as const satisfies Options;

export const commonHelp = [
  "  -c, --config FILE   the project's modelgate.yml (default ./modelgate.yml)",
  "      --debug         show stack traces of internal errors",
  "  -h, --help          this help",
];

type ValueOf<T> = T extends { type: "boolean"; multiple: true }
  ? boolean[]
  : T extends { type: "string"; multiple: true }
    ? string[] | undefined
    : T extends { type: "boolean" }
      ? boolean
      : T extends { type: "string"; default: string }
        ? string
        : string | undefined;

export type ParsedValues<O extends Options> = { [K in keyof O]: ValueOf<O[K]> } & {
  config: string;
  help: boolean;
  debug: boolean;
};

/** Parses argv for one command; unknown flags are usage errors with a did-you-mean. */
export function parseCommand<O extends Options>(def: CommandDefinition<O>, argv: string[]) {
  const options = { ...commonOptions, ...def.options };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message;
    const flag = /'(-{1,2}[^' ]+)'/.exec(message)?.[1];
    const known = Object.keys(options).map((k) => `--${k}`);
    const hint = flag ? suggest(flag, known, "flags") : undefined;
    throw new UsageError(
      `${def.name}: ${message.replace(/\. To specify.*$/s, "")}`,
      hint ?? `see modelgate ${def.name} --help`,
    );
  }
  const values = parsed.values as Record<string, unknown> & { config: string; help: boolean; debug: boolean };
  const { positionals } = parsed;
  if (!values.help && def.positionals) {
    const { min, max, names } = def.positionals;
    if (positionals.length < min || positionals.length > max)
      throw new UsageError(
        `${def.name}: expected ${names}, got ${positionals.length === 0 ? "nothing" : positionals.map((p) => `"${p}"`).join(" ")}`,
        `usage: ${def.usage}`,
      );
  } else if (!values.help && positionals.length > 0) {
    throw new UsageError(`${def.name}: unexpected argument "${positionals[0]}"`, `usage: ${def.usage}`);
  }
  return { values: values as ParsedValues<O>, positionals };
}

/** The text of `modelgate <command> --help`. */
export function helpText(def: CommandDefinition): string {
  return [`usage: ${def.usage}`, "", def.summary, "", ...def.details, ...commonHelp, ""].join("\n");
}

/** A command of the CLI: its definition, and what it does with argv. */
export interface Command {
  definition: CommandDefinition;
  run(argv: string[], io: Io): Promise<number>;
}

/** A command whose `--help` prints its help; `action` gets the parsed arguments. */
export function defineCommand<O extends Options>(
  definition: CommandDefinition<O>,
  action: (parsed: { values: ParsedValues<O>; positionals: string[] }, io: Io) => Promise<number>,
): Command {
  return {
    definition: definition as unknown as CommandDefinition,
    async run(argv, io) {
      const parsed = parseCommand(definition, argv);
      if (parsed.values.help) {
        io.out(helpText(definition as unknown as CommandDefinition));
        return ExitCode.ok;
      }
      return action(parsed, io);
    },
  };
}
