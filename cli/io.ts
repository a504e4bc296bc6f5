/** Where the CLI writes: injected so tests capture it instead of mocking process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress redraws in place) or not (a plain line now and then). */
  isTty: boolean;
  cwd: string;
}

export function processIo(): Io {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTty: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
  };
}

/** An Io that records everything, for tests. */
export function memoryIo(cwd = process.cwd()): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    isTty: false,
    cwd,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}
