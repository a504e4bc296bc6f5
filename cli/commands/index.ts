/** Every command of the CLI, in the order `modelgate --help` lists them. */
import type { Command } from "../args.js";
import { diffCommand } from "./diff.js";
import { exportCommand } from "./export.js";
import { mergeCommand } from "./merge.js";
import { monitorCommand } from "./monitor.js";
import { predictCommand } from "./predict.js";
import { promoteCommand, registryCommand, rollbackCommand } from "./registry.js";
import { runCommand } from "./run.js";
import { serveCommand } from "./serve.js";
import { shardCommand } from "./shard.js";
import { trainCommand } from "./train.js";
import { validateCommand } from "./validate.js";

export type { Command };

export const commands: Command[] = [
  validateCommand,
  runCommand,
  shardCommand,
  mergeCommand,
  diffCommand,
  trainCommand,
  predictCommand,
  exportCommand,
  serveCommand,
  monitorCommand,
  registryCommand,
  promoteCommand,
  rollbackCommand,
];
