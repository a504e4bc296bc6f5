/**
 * When the reconciliation pass runs in a server: once at start-up (a replica that restarts after
 * dying mid-delivery finishes that delivery's work itself) and then every `everyMs`. Passes never
 * overlap; a failed pass is logged and the next one tries again.
 */
import type { InstallationsPassOutcome } from "./reconcile-installations.js";

/** When to reconcile. */
export interface ReconcileSchedule {
  /** Run a pass as soon as the server listens. */
  atStart: boolean;
  /** Milliseconds between passes; 0 for none but the first. */
  everyMs: number;
}

/** Where the schedule reports. */
export interface PassLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A running schedule. */
export interface ReconcileScheduler {
  /** Runs a pass now (or waits for the one running) and returns its outcome. */
  runNow(): Promise<InstallationsPassOutcome>;
  /** Passes finished so far. */
  readonly passes: number;
  /** Stops the schedule and waits for a pass in progress. */
  stop(): Promise<void>;
}

/** Starts running `pass` on `schedule`; the timer does not keep the process alive. */
export function scheduleReconcile(
  pass: () => Promise<InstallationsPassOutcome>,
  schedule: ReconcileSchedule,
  log: PassLog,
): ReconcileScheduler {
  let running: Promise<InstallationsPassOutcome> | undefined;
  let passes = 0;
  let stopped = false;
  const runNow = (): Promise<InstallationsPassOutcome> => {
    running ??= (async () => {
      const started = performance.now();
      try {
        const outcome = await pass();
        log.info(
          { ...outcome, ms: Math.round(performance.now() - started) },
          outcome.failures.length > 0 ? "reconciliation pass finished with failures" : "reconciliation pass",
        );
        return outcome;
      } finally {
        passes += 1;
        running = undefined;
      }
    })();
    return running;
  };
  const background = () => {
    if (stopped) return;
    runNow().catch((error: unknown) =>
      log.error(
        { message: error instanceof Error ? error.message : String(error) },
        "reconciliation pass failed",
      ),
    );
  };
  const timer = schedule.everyMs > 0 ? setInterval(background, schedule.everyMs) : undefined;
  timer?.unref();
  if (schedule.atStart) setImmediate(background);
  return {
    runNow,
    get passes() {
      return passes;
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
