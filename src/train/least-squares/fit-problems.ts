/**
 * What can be wrong with a fit, named by column. Solvers return warnings in their result and
 * throw errors that are `InputError`s, so adapters report them like any other bad input.
 */
import { InputError } from "../../errors.js";
import type { Problem } from "../../errors.js";

export type FitProblemKind =
  | "collinear"
  | "constant"
  | "all-zero"
  | "ill-conditioned"
  | "no-residual-df"
  | "separable"
  | "separating-column"
  | "extreme-probabilities"
  | "not-converged";

/** One finding about a fit. `columns` names every column involved, the dropped one last. */
export interface FitProblem {
  kind: FitProblemKind;
  severity: "error" | "warning";
  columns: string[];
  message: string;
  hint?: string;
}

/** Where problems are reported when the caller does not say which file the rows came from. */
export const DEFAULT_SOURCE = "training data";

/** A FitProblem as an engine `Problem`, located in `file` and at its (last) column. */
export function toProblem(p: FitProblem, file: string): Problem {
  const field = p.columns[p.columns.length - 1];
  return {
    file,
    ...(field !== undefined ? { field } : {}),
    message: p.message,
    ...(p.hint !== undefined ? { hint: p.hint } : {}),
  };
}

/**
 * Some columns are (near) linear combinations of others, constant, or all zero, and the caller
 * asked not to drop them. `dropped` holds their indices in the caller's x columns.
 */
export class RankDeficiencyError extends InputError {
  constructor(
    readonly findings: FitProblem[],
    readonly dropped: number[],
    file: string = DEFAULT_SOURCE,
  ) {
    super(findings.map((f) => toProblem(f, file)));
    this.name = "RankDeficiencyError";
  }
}

/**
 * Logistic regression without a penalty on the separating columns has no finite solution:
 * the classes are perfectly ("complete") or perfectly but for ties on the boundary ("quasi")
 * separated by a combination of the named columns.
 */
export class SeparationError extends InputError {
  constructor(
    readonly finding: FitProblem,
    readonly separation: "complete" | "quasi",
    /** Rows whose fitted probability goes to exactly 0 or 1 along the separating direction. */
    readonly separatedRows: number,
    file: string = DEFAULT_SOURCE,
  ) {
    super(toProblem(finding, file));
    this.name = "SeparationError";
  }
}

/** "a", "a and b", "a, b and c". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** 3e12 rather than 3.0e+12: short, the way the messages quote it. */
export function formatMagnitude(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toExponential(0).replace("e+", "e");
}
