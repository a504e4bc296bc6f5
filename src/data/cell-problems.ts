/**
 * What a problem with one cell says: a value of the wrong type, or one outside the column's
 * bounds. Kept apart from the batch builder so that the wording lives in one place.
 */
import { showValue } from "./collect-problems.js";
import { T_BOOLEAN, T_DATE, T_INTEGER, T_NUMBER, type ColumnState } from "./column-states.js";

/** One cell's problem: its kind, how a group of them is named, the message and the fix. */
export interface CellProblem {
  kind: string;
  what: string;
  message: string;
  hint: string;
}

/** The problem of `text`, which does not read as a value of the column type `t` (a type code). */
export function typeProblem(t: number, text: string): CellProblem {
  const v = showValue(text);
  switch (t) {
    case T_NUMBER:
      return {
        kind: "type",
        what: "values that are not numbers",
        message: `${v} is not a number`,
        hint: "write a decimal number such as 12, -3.5 or 1e-3; leave the cell empty for a missing value",
      };
    case T_INTEGER:
      return {
        kind: "type",
        what: "values that are not integers",
        message: `${v} is not an integer`,
        hint: "write a whole number such as 12 or -3 (at most 2^53 in size)",
      };
    case T_BOOLEAN:
      return {
        kind: "type",
        what: "values that are not booleans",
        message: `${v} is not a boolean`,
        hint: "write true/false, yes/no or 1/0 (any letter case)",
      };
    default:
      return {
        kind: "type",
        what: "values that are not ISO 8601 dates",
        message: `${v} is not an ISO 8601 date`,
        hint: "write YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with an optional zone (Z or +01:00)",
      };
  }
}

/** The problem of `v`, which lies outside the column's `min` to `max`. */
export function rangeProblem(col: ColumnState, v: number): CellProblem {
  const date = col.t === T_DATE;
  const show = (x: number) => (date ? new Date(x).toISOString() : String(x));
  const below = v < col.min;
  const limit = below ? col.min : col.max;
  return {
    kind: below ? "below-min" : "above-max",
    what: below ? "values below the minimum" : "values above the maximum",
    message: `${show(v)} is ${below ? "below the minimum" : "above the maximum"} ${show(limit)}`,
    hint: `the data spec allows ${
      col.min === -Infinity
        ? `at most ${show(col.max)}`
        : col.max === Infinity
          ? `at least ${show(col.min)}`
          : `${show(col.min)} to ${show(col.max)}`
    }`,
  };
}
