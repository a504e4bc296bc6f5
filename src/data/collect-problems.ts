/**
 * Problems found while a data file is read, grouped by kind and column so that a file with a
 * thousand bad cells reads as a few examples and a count, not a thousand lines.
 */
import type { Problem } from "../errors.js";
import { InputError } from "../errors.js";

interface Group {
  examples: Problem[];
  count: number;
  rows: number[];
  field: string | undefined;
  what: string;
}

/** A collector's content as plain data, to carry it from a worker thread to the main thread. */
export interface CollectedProblems {
  groups: [string, Group][];
  total: number;
  stoppedAt: Place | undefined;
}

/** Where a reader is, so that problems can name it. */
export interface Place {
  row?: number;
  line?: number;
}

/**
 * Collects problems of one read. `add` keeps the first `examplesPerKind` of each kind in full and
 * counts the rest; once `maxProblems` have been added, `full` turns true and the reader stops.
 */
export class ProblemCollector {
  private readonly groups = new Map<string, Group>();
  private total = 0;
  private stoppedAt: Place | undefined;

  constructor(
    readonly file: string,
    readonly maxProblems = 1000,
    readonly examplesPerKind = 5,
  ) {}

  /** Whether enough problems were seen to stop reading. */
  get full(): boolean {
    return this.total >= this.maxProblems;
  }

  get empty(): boolean {
    return this.total === 0;
  }

  /**
   * Records one problem. `kind` groups it with others of the same sort in the same column;
   * `what` names that sort in the count line ("values that are not numbers").
   */
  add(kind: string, what: string, p: Omit<Problem, "file">): void {
    this.total++;
    const key = `${kind}\u0000${p.field ?? ""}`;
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { examples: [], count: 0, rows: [], field: p.field, what };
      this.groups.set(key, g);
    }
    g.count++;
    if (g.examples.length < this.examplesPerKind) g.examples.push({ file: this.file, ...p });
    else if (g.rows.length < 10 && p.row !== undefined) g.rows.push(p.row);
  }

  /** Everything collected so far, as plain data (see {@link ProblemCollector.restore}). */
  snapshot(): CollectedProblems {
    return { groups: [...this.groups], total: this.total, stoppedAt: this.stoppedAt };
  }

  /** Replaces what this collector holds with a {@link ProblemCollector.snapshot} of another. */
  restore(state: CollectedProblems): void {
    this.groups.clear();
    for (const [key, group] of state.groups) this.groups.set(key, group);
    this.total = state.total;
    this.stoppedAt = state.stoppedAt;
  }

  /** Notes that reading stopped early because there were too many problems. */
  stop(place: Place): void {
    this.stoppedAt = place;
  }

  /** Every example, then per kind a line with the count of the rest, in order of first sight. */
  problems(): Problem[] {
    const out: Problem[] = [];
    for (const g of this.groups.values()) {
      out.push(...g.examples);
      const rest = g.count - g.examples.length;
      if (rest > 0) {
        const more =
          g.rows.length > 0 ? `; rows ${g.rows.join(", ")}${rest > g.rows.length ? ", …" : ""}` : "";
        out.push({
          file: this.file,
          ...(g.field === undefined ? {} : { field: g.field }),
          message: `${rest} more ${g.what} (${g.count} in all${more})`,
        });
      }
    }
    if (this.stoppedAt !== undefined) {
      out.push({
        file: this.file,
        ...this.stoppedAt,
        message: `stopped reading after ${this.total} problems; the counts above cover the rows before this one`,
        hint: "fix these and run again to see what follows",
      });
    }
    return out;
  }

  /** Throws an InputError holding every problem, if there is any. */
  throwIfAny(): void {
    if (this.total > 0) throw new InputError(this.problems());
  }
}

/** A cell's text for a message: quoted, escaped, and cut to a readable length. */
export function showValue(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(cut);
}
