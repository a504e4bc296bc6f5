/** The CLI run in memory: its exit code and what it wrote, without a child process. */
import { memoryIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `modelgate <args>` in `cwd`. */
export async function runCli(cwd: string, args: string[]): Promise<CliResult> {
  const io = memoryIo(cwd);
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}
