/**
 * Reports for the renderer tests. The base is a real report.json that `modelgate run` wrote
 * for examples/cars (no champion); the champion cases change it the way a registry version
 * would, with values written out by hand, and every result goes through `reportSchema.parse`
 * so a fixture can never be a report the App would refuse.
 */
import { readFileSync } from "node:fs";
import { reportSchema, type ModelReport, type Report } from "../../src/report/report-schema.js";

const carsJson = readFileSync(new URL("./fixtures/cars-report.json", import.meta.url), "utf8");

/** The cars report as `modelgate run` wrote it: one model, no champion, gate passed. */
export function carsReport(): Report {
  return reportSchema.parse(JSON.parse(carsJson));
}

const CHAMPION_SHA = "3c1f0e9d8b7a69584736251403f2e1d0c9b8a79685746352413f2e1d0c9b8a7a";
const CHAMPION_SPEC = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0";

/** Champion slice values by group (rmse), for the champion cases. */
const CHAMPION_SLICE_RMSE: Record<string, number> = {
  USA: 2.41,
  Japan: 2.95,
  Europe: 4.62,
  "≥ 7": 2.37,
  "< 5": 3.18,
  "5 to < 7": 4.4,
};

/** The champion's coefficients: no squared weight term, the rest close to the challenger's. */
const CHAMPION_TERMS = [
  { term: "Weight_in_lbs", coefficient: -0.0071, standardError: 0.0008 },
  { term: "Horsepower", coefficient: -0.031, standardError: 0.016 },
  { term: "Displacement", coefficient: 0.019, standardError: 0.0085 },
  { term: "Acceleration", coefficient: 0.083, standardError: 0.11 },
  { term: "Cylinders", coefficient: -0.52, standardError: 0.35 },
  { term: "Year", coefficient: 0.77, standardError: 0.055 },
  { term: "Origin=Japan", coefficient: 2.31, standardError: 0.6 },
  { term: "Origin=Europe", coefficient: 2.05, standardError: 0.61 },
];

function withChampionSlices(m: ModelReport, scale = 1): void {
  for (const s of m.slices)
    for (const g of s.groups) {
      const rmse = CHAMPION_SLICE_RMSE[g.group]! * scale;
      g.champion = Object.fromEntries(Object.keys(g.metrics).map((k) => [k, k === "rmse" ? rmse : null]));
    }
}

function championBase(m: ModelReport) {
  return {
    alias: "production",
    version: 3,
    modelSha256: CHAMPION_SHA,
    specHash: CHAMPION_SPEC,
    dataHash: m.data.sha256,
    comparable: true,
    metrics: {
      rmse: { value: 3.12, ci: { lower: 2.49, upper: 3.71 } },
      mae: { value: 2.41, ci: { lower: 1.98, upper: 2.83 } },
      mape: { value: 0.1131, ci: { lower: 0.092, upper: 0.134 } },
      max_error: { value: 11.2, ci: { lower: 7.4, upper: 11.2 } },
      r2: { value: 0.8307, ci: { lower: 0.77, upper: 0.88 } },
    },
    coefficients: CHAMPION_TERMS,
    intercept: 52.6,
  };
}

/** The champion (version 3) is beaten: RMSE, MAE and R² significantly better, the rest not significant. */
export function improvedReport(): Report {
  const r = carsReport();
  const m = r.models[0]!;
  m.champion = championBase(m);
  m.differences = {
    rmse: diff(3.12, 2.8617, { lower: -0.41, upper: -0.11 }, { lower: -0.13, upper: -0.035 }, true),
    mae: diff(2.41, 2.1363, { lower: -0.43, upper: -0.12 }, { lower: -0.18, upper: -0.05 }, true),
    mape: diff(0.1131, 0.0996, { lower: -0.031, upper: 0.004 }, { lower: -0.27, upper: 0.035 }, false),
    max_error: diff(11.2, 10.486, { lower: -2.1, upper: 0.9 }, { lower: -0.19, upper: 0.08 }, false),
    r2: diff(0.8307, 0.8576, { lower: 0.008, upper: 0.046 }, { lower: 0.01, upper: 0.055 }, true),
  };
  const check = m.gate.checks.find((c) => c.rule === "maxRelativeWorsening")!;
  Object.assign(check, {
    status: "pass",
    champion: 3.12,
    change: -0.2583,
    relativeChange: -0.0828,
    worsening: -0.0828,
    reason: "RMSE fell by 8.28% against the champion's 3.12, an improvement",
  });
  m.gate.summary = "passed: 3 passed";
  withChampionSlices(m);
  return reportSchema.parse(r);
}

/** The challenger is worse than champion version 3 and breaks two rules. */
export function failedGateReport(): Report {
  const r = carsReport();
  const m = r.models[0]!;
  m.champion = championBase(m);
  m.challenger.metrics.rmse = { value: 4.93, ci: { lower: 4.1, upper: 5.7 } };
  m.differences = {
    rmse: diff(3.12, 4.93, { lower: 1.12, upper: 2.41 }, { lower: 0.36, upper: 0.77 }, true),
    mae: diff(2.41, 2.1363, { lower: -0.43, upper: -0.12 }, { lower: -0.18, upper: -0.05 }, true),
    mape: diff(0.1131, 0.0996, { lower: -0.031, upper: 0.004 }, { lower: -0.27, upper: 0.035 }, false),
    max_error: diff(11.2, 10.486, { lower: -2.1, upper: 0.9 }, { lower: -0.19, upper: 0.08 }, false),
    r2: diff(0.8307, 0.8576, { lower: -0.01, upper: 0.06 }, { lower: -0.012, upper: 0.07 }, false),
  };
  const [max, relative] = m.gate.checks;
  Object.assign(max!, {
    status: "fail",
    value: 4.93,
    reason: "RMSE 4.93 is above the maximum 4.5",
  });
  Object.assign(relative!, {
    status: "fail",
    value: 4.93,
    champion: 3.12,
    change: 1.81,
    relativeChange: 0.5801,
    worsening: 0.5801,
    reason: "RMSE rose by 58.01% against the champion's 3.12, more than the 2% allowed",
  });
  m.gate.passed = false;
  m.gate.summary = "failed: RMSE 4.93 is above the maximum 4.5 (and 1 more); 2 failed, 1 passed";
  m.passed = false;
  r.passed = false;
  m.warnings = ["3 test values were categories unseen in training; they were scored as missing (imputed)"];
  withChampionSlices(m, 0.8);
  return reportSchema.parse(r);
}

/** Champion version 3 needs a column today's data lacks, so it cannot be scored. */
export function notComparableReport(): Report {
  const r = carsReport();
  const m = r.models[0]!;
  const reason = 'it needs column "Horsepower_kw", which today\'s data does not have';
  m.champion = {
    ...championBase(m),
    comparable: false,
    reason,
    metrics: {},
    coefficients: [...CHAMPION_TERMS, { term: "Horsepower_kw", coefficient: -0.04, standardError: 0.02 }],
  };
  m.differences = {};
  const relative = m.gate.checks.find((c) => c.rule === "maxRelativeWorsening")!;
  relative.reason = `the champion is not comparable: ${reason}, so the change in RMSE is not checked`;
  return reportSchema.parse(r);
}

function diff(
  champion: number,
  challenger: number,
  ci: { lower: number; upper: number },
  relativeCi: { lower: number; upper: number },
  significant: boolean,
) {
  const difference = challenger - champion;
  return {
    champion,
    challenger,
    difference,
    relativeChange: difference / Math.abs(champion),
    ci,
    relativeCi,
    significant,
  };
}

/** A report of `models` copies of the cars model, each with `slices` slices of `groups` groups. */
export function largeReport(models: number, slices: number, groups: number): Report {
  const base = improvedReport();
  const template = base.models[0]!;
  const out: ModelReport[] = [];
  for (let k = 0; k < models; k++) {
    const m = structuredClone(template);
    m.name = `model-${String(k).padStart(2, "0")}`;
    m.slices = Array.from({ length: slices }, (_, s) => ({
      column: `column_${s}`,
      omittedGroups: 0,
      groups: Array.from({ length: groups }, (_, g) => ({
        group: `group ${g} of column ${s}`,
        rows: 10 + ((g * 7919) % 500),
        tooSmall: false,
        worst: g === groups - 1,
        metrics: { rmse: 2 + g / groups },
        champion: { rmse: 2.1 + g / groups },
      })),
    }));
    m.warnings = Array.from({ length: 30 }, (_, w) => `warning ${w}: ${"a long explanation ".repeat(10)}`);
    out.push(m);
  }
  base.models = out;
  return reportSchema.parse(base);
}

/** Injection attempts: HTML, links, images, mentions, references, table and mermaid syntax. */
export const EVIL = [
  "<img src=x onerror=alert(1)>",
  "@everyone",
  "](http://evil)",
  "[x](http://evil)",
  "![i](http://evil/i.png)",
  "`code` ``double`` ```",
  "a|b||c\\|d\\",
  "-->",
  "<!--",
  "line\nbreak\r\n# heading\n\n- item",
  '"] --> B["pwn"]\n%%{init: {"theme":"dark"}}%%\nA: b',
  "#1 GH-2 owner/repo#3 @org/team",
  "www.evil.com https://evil.com mailto:x@evil.com",
  "&#64;everyone &lt;script&gt; &commat;x",
  "<script>alert(1)</script>",
  "[^1] and [^1]: http://evil",
  "<https://evil.com> <x@evil.com>",
  "[ref]\n\n[ref]: http://evil",
  "*emph* _u_ ~~s~~ **b**",
  "| col | col |\n| --- | --- |",
  "1. list\n---\n===",
  "</details><details open><summary>x",
  "\u202eevil\u202c bidi",
];

/** Every string of a report, wherever the schema allows one, set to an injection attempt. */
export function evilReport(comparable: boolean): Report {
  const r = comparable ? improvedReport() : notComparableReport();
  const m = r.models[0]!;
  const pick = (k: number) => EVIL[k % EVIL.length]!;
  r.head = { sha: "0123456789abcdef0123456789abcdef01234567", ref: pick(0) };
  r.base = { sha: null, ref: pick(1) };
  r.tool.version = "@everyone <b>";
  m.description = EVIL.join(" ");
  m.data.file = pick(2);
  m.data.split.salt = pick(3);
  m.data.columns = EVIL.map((name, k) => ({ name, type: "number", missing: k, mean: k }));
  m.challenger.algorithm.type = pick(4);
  m.slices = [
    {
      column: pick(5),
      omittedGroups: 0,
      groups: EVIL.map((group, k) => ({
        group,
        rows: 100 + k,
        tooSmall: false,
        worst: k === 3,
        metrics: { rmse: 2 + k / 10 },
        champion: comparable ? { rmse: 2.5 } : null,
      })),
    },
  ];
  m.threshold = 0.5;
  m.fairness = [
    {
      column: pick(15),
      groups: EVIL.map((group, k) => ({
        group,
        rows: 50 + k,
        positives: k,
        tooSmall: k % 5 === 0,
        positiveRate: 0.5,
        truePositiveRate: 0.8,
        metrics: { [pick(k + 2)]: 1 },
      })),
      parityDifference: { value: 0.1, ci: null, reason: pick(16) },
      equalOpportunityDifference: { value: null, ci: null, reason: pick(17) },
    },
  ];
  m.calibration = [
    { bin: 0, rows: 10, minPredicted: 0, maxPredicted: 0.1, meanPredicted: 0.05, observedRate: 0.1 },
  ];
  m.explanations = EVIL.map((feature, k) => ({
    feature,
    meanAbsContribution: k,
    terms: [{ term: `${feature}^2`, coefficient: k, standardError: null }],
  }));
  m.challenger.coefficients = EVIL.map((term, k) => ({ term, coefficient: k, standardError: 0.1 }));
  if (m.champion) {
    m.champion.alias = pick(6);
    m.champion.coefficients = EVIL.map((term, k) => ({
      term: `${term}!`,
      coefficient: k,
      standardError: null,
    }));
    if (!comparable) m.champion.reason = EVIL.join(" ");
  }
  m.warnings = [...EVIL];
  m.gate.checks = m.gate.checks.map((c, k) => ({
    ...c,
    label: pick(k + 7),
    reason: pick(k + 8),
    status: "fail",
  }));
  m.gate.summary = pick(9);
  m.passed = false;
  r.passed = false;
  // Metric names outside the catalogue are rendered too (the schema bounds only their length).
  const evilMetric = pick(10);
  m.challenger.metrics[evilMetric] = { value: 1, ci: null, reason: pick(11) };
  m.challenger.metrics[pick(12)] = { value: null, ci: null, reason: pick(13) };
  if (comparable)
    m.differences[evilMetric] = {
      champion: 1,
      challenger: 1,
      difference: 0,
      relativeChange: 0,
      ci: null,
      relativeCi: null,
      significant: null,
    };
  m.search = {
    method: "grid",
    metric: pick(14),
    folds: 5,
    omittedTrials: 0,
    chosen: 1,
    trials: EVIL.map((f, k) => ({
      params: { alpha: k, features: k % 2 ? [f] : EVIL, degree: { [pick(k + 1)]: 2 } },
      score: k,
      foldScores: [k],
    })),
  };
  return reportSchema.parse(r);
}

/**
 * A report at the schema's limits, model by model: 50 slices of 200 groups, 500 search trials of
 * 500 features, 500 coefficients (the champion's too), 500 data columns, 500 explanations, 20
 * fairness columns of 200 groups, 200 gate rules and 200 long warnings; `models` such models.
 */
export function extremeReport(models: number): Report {
  const base = improvedReport();
  const template = base.models[0]!;
  const features = Array.from({ length: 500 }, (_, f) => `feature_${f}`);
  const terms = features.map((f, k) => ({
    term: f,
    coefficient: (k % 17) - 8.5 + k / 1000,
    standardError: 0.01 * (k % 9),
  }));
  const out: ModelReport[] = [];
  for (let k = 0; k < models; k++) {
    const m = structuredClone(template);
    m.name = `model-${String(k).padStart(3, "0")}`;
    m.slices = Array.from({ length: 50 }, (_, s) => ({
      column: `column_${s}`,
      omittedGroups: 1000,
      groups: Array.from({ length: 200 }, (_, g) => ({
        group: `level ${g} of column ${s}`,
        rows: 10 + ((g * 7919) % 500),
        tooSmall: g % 50 === 7,
        worst: g === 199,
        metrics: { rmse: 2 + g / 200 },
        champion: { rmse: 2.1 + g / 200 },
      })),
    }));
    m.search = {
      method: "random",
      metric: "rmse",
      folds: 5,
      omittedTrials: 9500,
      chosen: 3,
      trials: Array.from({ length: 500 }, (_, t) => ({
        params: {
          alpha: 0.001 * (t + 1),
          features: features.filter((_, f) => (f + t) % 50 !== 0),
          degree: Object.fromEntries(features.slice(0, 20).map((f, d) => [f, 1 + ((d + t) % 6)])),
        },
        score: 3 + ((t * 7) % 100) / 100,
        foldScores: Array.from({ length: 5 }, (_, i) => 3 + i / 10),
      })),
    };
    m.challenger.coefficients = terms;
    if (m.champion) m.champion.coefficients = terms.map((t) => ({ ...t, coefficient: t.coefficient * 1.01 }));
    m.explanations = features.map((f, e) => ({
      feature: f,
      meanAbsContribution: 500 - e,
      terms: [terms[e]!],
    }));
    m.data.columns = features.map((f, c) => ({
      name: f,
      type: "number" as const,
      missing: c,
      mean: c / 3,
      std: 1 + c / 100,
      min: 0,
      max: c,
    }));
    m.fairness = Array.from({ length: 20 }, (_, s) => ({
      column: `column_${s}`,
      groups: Array.from({ length: 200 }, (_, g) => ({
        group: `level ${g}`,
        rows: 100 + g,
        positives: 40 + (g % 30),
        tooSmall: false,
        positiveRate: 0.3 + (g % 40) / 100,
        truePositiveRate: 0.6 + (g % 30) / 100,
        metrics: {},
      })),
      parityDifference: { value: 0.15, ci: { lower: 0.02, upper: 0.3 } },
      equalOpportunityDifference: { value: 0.05, ci: null },
    }));
    const rule = m.gate.checks[0]!;
    m.gate.checks = Array.from({ length: 200 }, (_, c) => ({ ...rule, reason: `rule ${c}: ${rule.reason}` }));
    m.warnings = Array.from({ length: 200 }, (_, w) =>
      `warning ${w}: ${"a long explanation ".repeat(100)}`.slice(0, 2000),
    );
    out.push(m);
  }
  base.models = out;
  return reportSchema.parse(base);
}
