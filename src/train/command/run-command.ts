/**
 * Runs one training command: the shell in its own process group, output to a bounded log file
 * and a tail of its last lines, a timeout (or an abort) that kills the whole group, children
 * included. Whatever happens, the group is gone when the promise settles: no orphans.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";

/** One run of a command. */
export interface CommandRequest {
  /** The command line, run by `/bin/sh -c`. */
  run: string;
  cwd: string;
  /** Added to the parent's environment. */
  env: Record<string, string>;
  timeoutSeconds: number;
  /** Where stdout and stderr go, interleaved as they arrive. */
  logFile: string;
  /** Bytes of output the log keeps; beyond them a line says how much was left out. */
  maxLogBytes: number;
  /** Lines of output kept for messages. */
  tailLines: number;
  /** Kills the run (and its children) when aborted. */
  signal?: AbortSignal;
  /** Seconds between SIGTERM and SIGKILL when the run is stopped. */
  graceSeconds?: number;
}

/** How a run ended. */
export interface CommandOutcome {
  /** The exit status; null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it, if one did. */
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  /** The last lines of its output (stdout and stderr interleaved). */
  tail: string[];
  /** Bytes of output it wrote, all of them (the log may keep fewer). */
  outputBytes: number;
}

/** Runs a command to its end (or its timeout); never rejects for the command's own failure. */
export function runCommand(req: CommandRequest): Promise<CommandOutcome> {
  const started = performance.now();
  const log = openSync(req.logFile, "w");
  let logged = 0;
  let outputBytes = 0;
  let tailText = "";
  const keepTail = 64 * 1024;
  const onData = (chunk: Buffer): void => {
    outputBytes += chunk.length;
    if (logged < req.maxLogBytes) {
      const part = chunk.subarray(0, req.maxLogBytes - logged);
      writeSync(log, part);
      logged += part.length;
    }
    tailText += chunk.toString("utf8");
    if (tailText.length > 2 * keepTail) tailText = tailText.slice(-keepTail);
  };

  return new Promise<CommandOutcome>((resolve, reject) => {
    let child;
    try {
      child = spawn("/bin/sh", ["-c", req.run], {
        cwd: req.cwd,
        env: { ...process.env, ...req.env },
        detached: true, // its own process group, so a kill reaches its children too
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      closeSync(log);
      reject(error as Error);
      return;
    }
    const pid = child.pid;
    let timedOut = false;
    let aborted = false;
    let exited = false;
    let hardKill: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals): void => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, signal);
      } catch {
        // the group is gone already
      }
    };
    const stop = (): void => {
      killGroup("SIGTERM");
      hardKill ??= setTimeout(() => killGroup("SIGKILL"), (req.graceSeconds ?? 2) * 1000);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, req.timeoutSeconds * 1000);
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    let exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
    child.on("exit", (code, signal) => {
      exited = true;
      exit = { code, signal };
      // Children it left behind (still holding its output open) go with it.
      killGroup("SIGKILL");
    });
    child.on("error", (error) => {
      if (exited) return;
      clearTimeout(timer);
      clearTimeout(hardKill);
      closeSync(log);
      reject(error);
    });
    child.on("close", () => {
      clearTimeout(timer);
      clearTimeout(hardKill);
      req.signal?.removeEventListener("abort", onAbort);
      if (outputBytes > logged)
        writeSync(log, `\n[modelgate: ${outputBytes - logged} more bytes of output were not kept]\n`);
      closeSync(log);
      resolve({
        exitCode: exit.code,
        signal: exit.signal,
        timedOut,
        aborted,
        durationMs: Math.round(performance.now() - started),
        tail: lastLines(tailText, req.tailLines),
        outputBytes,
      });
    });
  });
}

/** The last `n` lines of a text (a final line break ends the last line, it does not add one). */
export function lastLines(text: string, n: number): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines.slice(-n);
}
