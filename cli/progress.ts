/** Progress of long runs: redrawn in place on a terminal, a plain line every few seconds elsewhere. */
import type { Io } from "./io.js";

export function progressReporter(io: Io, intervalMs = 5000) {
  let last = 0;
  let start = Date.now();
  let current = "";
  let drawn = false;
  return {
    update(event: { model: string; pass: string; rows: number }) {
      const key = `${event.model}/${event.pass}`;
      if (key !== current) {
        current = key;
        start = Date.now();
      }
      const now = Date.now();
      if (now - last < (io.isTty ? 200 : intervalMs)) return;
      if (now - start < 1000) return;
      last = now;
      const rate = event.rows / ((now - start) / 1000);
      const line = `${event.model}: ${event.pass} pass, ${event.rows.toLocaleString("en")} rows read, ${Math.round(rate).toLocaleString("en")} rows/s`;
      if (io.isTty) {
        io.err(`\r${line}\x1b[K`);
        drawn = true;
      } else io.err(`${line}\n`);
    },
    done() {
      if (drawn) io.err("\r\x1b[K");
      drawn = false;
    },
  };
}
