/** Structured logs: one JSON object per line, requests sampled at a settable rate. */

/** Writes log lines; `sample` in [0, 1] is the share of successful requests logged. */
export interface JsonLog {
  /** An event of the server (start, model loaded, load failed, drain): always written. */
  event(fields: Record<string, unknown>): void;
  /** One request: written at the sample rate, every failed request (status >= 400) always. */
  request(fields: Record<string, unknown> & { status: number }): void;
}

/** A JsonLog writing to `write` (standard output by default). */
export function createJsonLog(
  sample: number,
  write: (line: string) => void = (line) => process.stdout.write(line),
  random: () => number = Math.random,
): JsonLog {
  const line = (level: string, fields: Record<string, unknown>) =>
    write(`${JSON.stringify({ time: new Date().toISOString(), level, ...fields })}\n`);
  return {
    event(fields) {
      line(fields.error ? "error" : "info", fields);
    },
    request(fields) {
      if (fields.status >= 500) line("error", fields);
      else if (fields.status >= 400) line("warn", fields);
      else if (sample > 0 && random() < sample) line("info", fields);
    },
  };
}
