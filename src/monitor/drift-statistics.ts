/**
 * The statistics behind drift monitoring, as small pure functions: the population stability
 * index, the two-sample Kolmogorov–Smirnov test (exact or asymptotic p-value), the chi-square
 * test of homogeneity with small cells merged, and Holm's correction for many features.
 * README.md beside this file says why each was chosen and what its thresholds promise.
 */

/**
 * Floor of a bin's share in the PSI. A bin that one side leaves empty would make ln(q/p)
 * infinite; 1e-4 (one in ten thousand) is the usual floor, small enough that a bin holding a
 * few percent of the new rows and none of the training rows still scores as drift
 * (0.05 * ln(0.05 / 1e-4) = 0.31), large enough that a handful of stray rows do not.
 */
export const PSI_EPSILON = 1e-4;

/** The PSI of one feature, with each bin's term. */
export interface PsiResult {
  value: number;
  /** Per bin: (q - p) ln(q / p) with both shares floored at epsilon. */
  terms: number[];
}

/**
 * Population stability index of `actual` counts against `expected` counts over the same bins:
 * sum over bins of (q - p) ln(q / p), p and q the shares of each side, each floored at
 * `epsilon` (not renormalised: the floor moves the total by at most bins * epsilon). Null when
 * either side has no values.
 */
export function populationStabilityIndex(
  expected: readonly number[],
  actual: readonly number[],
  epsilon = PSI_EPSILON,
): PsiResult | null {
  if (expected.length !== actual.length) throw new Error("PSI needs the same bins on both sides");
  const e = sum(expected);
  const a = sum(actual);
  if (e <= 0 || a <= 0) return null;
  const terms = expected.map((n, i) => {
    const p = Math.max(n / e, epsilon);
    const q = Math.max(actual[i]! / a, epsilon);
    return (q - p) * Math.log(q / p);
  });
  return { value: sum(terms), terms };
}

/**
 * What PSI reaches from sampling alone when both sides come from one distribution: to second
 * order PSI is sum (q - p)^2 / p, which for counts n and m over `bins` occupied bins is about
 * (1/n + 1/m) chi-square with bins - 1 degrees of freedom, whose mean is this.
 */
export function psiNoiseLevel(bins: number, n: number, m: number): number | null {
  if (n <= 0 || m <= 0 || bins < 2) return null;
  return (bins - 1) * (1 / n + 1 / m);
}

/** A test of "same distribution" between the training and the new values of one feature. */
export interface TestResult {
  test: "ks" | "chi2";
  statistic: number;
  pValue: number;
  /** How the p-value was found. */
  method: "exact" | "asymptotic";
  /** chi2: degrees of freedom after merging. */
  df?: number;
}

/** Sample sizes up to this product get the exact KS p-value (about a tenth of a second at the top). */
export const KS_EXACT_LIMIT = 10_000_000;

/**
 * Two-sample Kolmogorov–Smirnov test: D = max |F1(x) - F2(x)| over the pooled values (ties
 * handled by stepping past all equal values at once), and P(D >= observed) under "both samples
 * come from one continuous distribution". Exact for n * m <= {@link KS_EXACT_LIMIT}, else
 * asymptotic. With ties the continuous-case p-value is conservative (too large), which keeps
 * the false-alarm promise.
 */
export function ksTwoSample(
  first: readonly number[] | Float64Array,
  second: readonly number[] | Float64Array,
  options: { method?: "auto" | "exact" | "asymptotic" } = {},
): TestResult | null {
  const a = Float64Array.from(first).sort();
  const b = Float64Array.from(second).sort();
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return null;
  let i = 0;
  let j = 0;
  let dnm = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n && a[i] === x) i++;
    while (j < m && b[j] === x) j++;
    dnm = Math.max(dnm, Math.abs(i * m - j * n));
  }
  const statistic = dnm / (n * m);
  const method = options.method ?? "auto";
  const exact = method === "exact" || (method === "auto" && n * m <= KS_EXACT_LIMIT);
  return exact
    ? { test: "ks", statistic, pValue: ksExactPValue(n, m, dnm), method: "exact" }
    : { test: "ks", statistic, pValue: ksAsymptoticPValue(n, m, statistic), method: "asymptotic" };
}

/**
 * P(n m D >= dnm) for two samples of sizes n and m from one continuous distribution. Every
 * interleaving of the two sorted samples is equally likely: a lattice path from (0, 0) to
 * (n, m) with n steps right and m up, where at (i, j) the next step is right with probability
 * (n - i) / (n - i + m - j). The mass of paths that first reach |i m - j n| >= dnm is summed as
 * it leaves, so small p-values keep their relative accuracy (no 1 - P(inside) cancellation).
 * O(n m) time, O(m) memory; integer arithmetic decides the boundary exactly.
 */
export function ksExactPValue(n: number, m: number, dnm: number): number {
  if (dnm <= 0) return 1;
  let row = new Float64Array(m + 1);
  let next = new Float64Array(m + 1);
  row[0] = 1;
  let outside = 0;
  for (let i = 0; i <= n; i++) {
    next.fill(0);
    for (let j = 0; j <= m; j++) {
      const p = row[j]!;
      if (p === 0) continue;
      const left = n - i + (m - j);
      if (left === 0) continue;
      if (i < n) {
        const q = (p * (n - i)) / left;
        if (Math.abs((i + 1) * m - j * n) >= dnm) outside += q;
        else next[j]! += q;
      }
      if (j < m) {
        const q = (p * (m - j)) / left;
        if (Math.abs(i * m - (j + 1) * n) >= dnm) outside += q;
        else row[j + 1]! += q;
      }
    }
    [row, next] = [next, row];
  }
  return Math.min(1, outside);
}

/**
 * Kolmogorov's limiting distribution with Stephens' small-sample correction: with
 * en = sqrt(n m / (n + m)), P(D >= d) ~ Q((en + 0.12 + 0.11 / en) d).
 */
export function ksAsymptoticPValue(n: number, m: number, d: number): number {
  const en = Math.sqrt((n * m) / (n + m));
  return kolmogorovSurvival((en + 0.12 + 0.11 / en) * d);
}

/**
 * Q(x) = P(K > x) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2) for Kolmogorov's K. Below x = 1.18
 * the alternating series converges slowly, so the theta-function form is used there:
 * 1 - sqrt(2 pi) / x * sum_{k>=1} exp(-(2k - 1)^2 pi^2 / (8 x^2)).
 */
export function kolmogorovSurvival(x: number): number {
  if (!(x > 0)) return 1;
  if (x < 1.18) {
    const t = (Math.PI * Math.PI) / (8 * x * x);
    let s = 0;
    for (let k = 1; k <= 20; k++) s += Math.exp(-(2 * k - 1) * (2 * k - 1) * t);
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / x) * s));
  }
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    s += k % 2 === 1 ? term : -term;
    if (term < 1e-300) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

/** Smallest expected count a cell may have in the chi-square test (Cochran's rule). */
export const CHI2_MIN_EXPECTED = 5;

/**
 * Chi-square test of homogeneity of two count vectors over the same categories (a 2 x K table),
 * with expected counts from the pooled shares. Categories whose smallest expected count is below
 * `minExpected` are merged, smallest first, into one cell until every cell meets it (Cochran's
 * rule, so the chi-square approximation holds). Null when fewer than two cells remain: there is
 * nothing to compare.
 *
 * Why homogeneity rather than goodness of fit against the training shares: the training counts
 * are a sample too. Treating them as exact inflates the statistic by about 1 + m/n under no
 * drift, so with as many new rows as training rows a goodness-of-fit test would raise false
 * alarms at several times its nominal rate. When n >> m both tests agree.
 */
export function chiSquareHomogeneity(
  expected: readonly number[],
  actual: readonly number[],
  minExpected = CHI2_MIN_EXPECTED,
): (TestResult & { df: number; merged: number }) | null {
  if (expected.length !== actual.length)
    throw new Error("chi-square needs the same categories on both sides");
  const n = sum(expected);
  const m = sum(actual);
  if (n <= 0 || m <= 0) return null;
  const total = n + m;
  const minShare = Math.min(n, m) / total;
  const cells = expected
    .map((e, k) => ({ e, a: actual[k]! }))
    .filter((c) => c.e + c.a > 0)
    .sort((x, y) => x.e + x.a - (y.e + y.a));
  // A cell's smallest expected count is its total times the smaller side's share. Cells come
  // smallest first, so rare categories pool together until the pool is large enough.
  const big = (c: { e: number; a: number }) => (c.e + c.a) * minShare >= minExpected;
  const merged: { e: number; a: number }[] = [];
  let pool = { e: 0, a: 0 };
  let pooled = false;
  for (const c of cells) {
    pool = { e: pool.e + c.e, a: pool.a + c.a };
    pooled = true;
    if (big(pool)) {
      merged.push(pool);
      pool = { e: 0, a: 0 };
      pooled = false;
    }
  }
  if (pooled) {
    // The rest is too small on its own: it joins the smallest cell that stands.
    if (merged.length === 0) merged.push(pool);
    else merged[0] = { e: merged[0]!.e + pool.e, a: merged[0]!.a + pool.a };
  }
  if (merged.length < 2) return null;
  let statistic = 0;
  for (const c of merged) {
    const col = c.e + c.a;
    const ee = (col * n) / total;
    const ea = (col * m) / total;
    statistic += ((c.e - ee) * (c.e - ee)) / ee + ((c.a - ea) * (c.a - ea)) / ea;
  }
  const df = merged.length - 1;
  return {
    test: "chi2",
    statistic,
    pValue: chiSquareSurvival(statistic, df),
    method: "asymptotic",
    df,
    merged: cells.length - merged.length,
  };
}

/** P(X >= x) for X chi-square with `df` degrees of freedom: the regularized upper gamma Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(x > 0)) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; about 15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let s = c[0]!;
  for (let k = 1; k < 9; k++) s += c[k]! / (z + k);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/**
 * Q(a, x) = Gamma(a, x) / Gamma(a): the series for P when x < a + 1, else Lentz's continued
 * fraction for Q (Numerical Recipes 6.2), each to full double precision.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lead = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let s = term;
    for (let k = 1; k < 10000; k++) {
      term *= x / (a + k);
      s += term;
      if (Math.abs(term) < Math.abs(s) * 1e-16) break;
    }
    return Math.max(0, 1 - s * Math.exp(lead));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let k = 1; k < 10000; k++) {
    const an = -k * (k - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.min(1, Math.exp(lead) * h);
}

/**
 * Holm's step-down adjustment: with p-values sorted ascending p(1) <= ... <= p(k), the adjusted
 * p(i) is max over j <= i of min(1, (k - j + 1) p(j)). Rejecting where the adjusted value is
 * below alpha keeps the chance of any false rejection among the k tests at most alpha, whatever
 * their dependence, and never rejects less than Bonferroni. Null entries (no test) stay null.
 */
export function holmAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const order = pValues
    .map((p, i) => ({ p, i }))
    .filter((x): x is { p: number; i: number } => x.p !== null)
    .sort((x, y) => x.p - y.p || x.i - y.i);
  const k = order.length;
  const out: (number | null)[] = pValues.map(() => null);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (k - rank) * p));
    out[i] = running;
  });
  return out;
}

/** Bonferroni's adjustment: min(1, k p). */
export function bonferroniAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const k = pValues.filter((p) => p !== null).length;
  return pValues.map((p) => (p === null ? null : Math.min(1, k * p)));
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
