/** Every command of the CLI, in the order `modelgate --help` lists them. */
import type { CommandDefinition } from "../args.js";
import type { Io } from "../io.js";
import { diffCommand } from "./diff.js";
import { predictCommand } from "./predict.js";
import { promoteCommand, registryCommand, rollbackCommand } from "./registry.js";
import { runCommand } from "./run.js";
import { trainCommand } from "./train.js";
import { validateCommand } from "./validate.js";

export interface Command {
  definition: CommandDefinition;
  run(argv: string[], io: Io): Promise<number>;
}

export const commands: Command[] = [
  validateCommand,
  runCommand,
  diffCommand,
  trainCommand,
  predictCommand,
  registryCommand,
  promoteCommand,
  rollbackCommand,
];
