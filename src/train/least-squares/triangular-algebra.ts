/**
 * Small dense algebra on upper-triangular matrices (row-major n × n), the size of the feature
 * count: back substitution, inverse, and a 2-norm condition-number estimate.
 */

/** Solves T x = b for upper-triangular T (row-major n × n); returns x. */
export function solveUpper(t: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let j = i + 1; j < n; j++) s -= t[i * n + j]! * x[j]!;
    x[i] = s / t[i * n + i]!;
  }
  return x;
}

/** Solves Tᵀ x = b for upper-triangular T (row-major n × n); returns x. */
export function solveUpperTransposed(t: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let j = 0; j < i; j++) s -= t[j * n + i]! * x[j]!;
    x[i] = s / t[i * n + i]!;
  }
  return x;
}

/** T⁻¹ of an upper-triangular T (row-major n × n), itself upper triangular. */
export function invertUpper(t: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    // Column c of T⁻¹ solves T x = e_c; only rows 0..c are non-zero.
    inv[c * n + c] = 1 / t[c * n + c]!;
    for (let i = c - 1; i >= 0; i--) {
      let s = 0;
      for (let j = i + 1; j <= c; j++) s -= t[i * n + j]! * inv[j * n + c]!;
      inv[i * n + c] = s / t[i * n + i]!;
    }
  }
  return inv;
}

/** Euclidean norm of each row of a row-major rows × cols matrix. */
export function rowNorms(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += m[i * cols + j]! * m[i * cols + j]!;
    out[i] = Math.sqrt(s);
  }
  return out;
}

/** Euclidean norm of a vector. */
export function euclidean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  return Math.sqrt(s);
}

const POWER_ITERATIONS = 200;
const POWER_TOLERANCE = 1e-6;

/**
 * Largest eigenvalue of a symmetric positive semi-definite operator by power iteration, from a
 * fixed start so results are deterministic. Converges from below: an estimate, not a bound.
 */
function largestEigenvalue(n: number, apply: (v: Float64Array) => Float64Array): number {
  let v: Float64Array = new Float64Array(n);
  // A start with no special structure, so it is unlikely to be orthogonal to the top vector.
  for (let i = 0; i < n; i++) v[i] = 1 + 0.5 * Math.sin(i + 1);
  let norm = euclidean(v);
  for (let i = 0; i < n; i++) v[i] = v[i]! / norm;
  let lambda = 0;
  for (let it = 0; it < POWER_ITERATIONS; it++) {
    const w = apply(v);
    norm = euclidean(w);
    if (!(norm > 0) || !Number.isFinite(norm)) return norm;
    const converged = Math.abs(norm - lambda) <= POWER_TOLERANCE * norm;
    lambda = norm;
    for (let i = 0; i < n; i++) w[i] = w[i]! / norm;
    v = w;
    if (converged) break;
  }
  return lambda;
}

/**
 * 2-norm condition number σ_max / σ_min of an upper-triangular T (row-major n × n), estimated
 * by power iteration on TᵀT and on (TᵀT)⁻¹ (two triangular solves per step, O(n²)).
 * Infinity when T is singular.
 */
export function estimateConditionNumber(t: Float64Array, n: number): number {
  if (n === 0) return 1;
  for (let i = 0; i < n; i++) if (t[i * n + i] === 0) return Infinity;
  const multiply = (v: Float64Array): Float64Array => {
    const tv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = i; j < n; j++) s += t[i * n + j]! * v[j]!;
      tv[i] = s;
    }
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i <= j; i++) s += t[i * n + j]! * tv[i]!;
      out[j] = s;
    }
    return out;
  };
  const divide = (v: Float64Array): Float64Array => solveUpper(t, n, solveUpperTransposed(t, n, v));
  const top = largestEigenvalue(n, multiply);
  const inverseTop = largestEigenvalue(n, divide);
  return Math.sqrt(top) * Math.sqrt(inverseTop);
}
