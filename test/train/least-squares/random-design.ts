import { mulberry32 } from "../../../src/random.js";
/** Seeded, well-conditioned regression data for the least-squares tests. */

/** A small deterministic generator (mulberry32), so the data is the same on every run. */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** Approximately standard normal, by Box-Muller. */
export function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface Design {
  /** Rows of [1, x_1 .. x_{p-1}] (intercept first). */
  x: number[][];
  y: number[];
  names: string[];
  /** The coefficients y was generated from. */
  truth: number[];
}

/** n rows, an intercept and `features` independent normal features of varied scale, y linear plus noise. */
export function makeDesign(n: number, features: number, seed: number, noise = 1): Design {
  const random = seededRandom(seed);
  const truth = Array.from({ length: features + 1 }, (_, j) => (j === 0 ? 3 : ((j % 5) - 2) * 0.7 + 0.1));
  const scales = Array.from({ length: features }, (_, j) => 10 ** ((j % 3) - 1)); // 0.1, 1, 10
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [1, ...scales.map((s) => s * (normal(random) + 0.5))];
    x.push(row);
    y.push(row.reduce((s, v, j) => s + v * truth[j]!, 0) + noise * normal(random));
  }
  const names = ["(Intercept)", ...Array.from({ length: features }, (_, j) => `x${j + 1}`)];
  return { x, y, names, truth };
}

/** Largest |a_i - b_i| / max(|b_i|, floor). */
export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-300): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number)) / Math.max(Math.abs(b[i] as number), floor);
    if (!(d <= worst)) worst = d; // NaN propagates as a failure
  }
  return worst;
}

/** Solves A x = b by Gauss-Jordan elimination with partial pivoting (independent of the code under test). */
export function solveDense(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k] = m[r]![k]! - f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/** A⁻¹ by solving for each unit vector. */
export function invertDense(a: number[][]): number[][] {
  const n = a.length;
  const columns = Array.from({ length: n }, (_, j) =>
    solveDense(
      a,
      Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)),
    ),
  );
  return Array.from({ length: n }, (_, i) => columns.map((col) => col[i]!));
}

export function multiplyDense(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

export function transpose(a: number[][]): number[][] {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}
