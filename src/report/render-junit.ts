/**
 * report.json as JUnit XML, the test report format Jenkins, GitLab CI and most CI systems show:
 * one test suite per model, one test case for the model itself (evaluated, or an error with its
 * problems) and one per gate rule (a failure with the numbers when the rule fails, skipped when
 * it could not apply).
 */
import { formatProblem, type Problem } from "../errors.js";
import type { GateCheckJson, ModelReport, Report } from "./report-schema.js";

/** A model that could not be evaluated, with why. */
export interface InvalidModel {
  model: string;
  problems: Problem[];
}

interface Case {
  name: string;
  classname: string;
  outcome?: { kind: "failure" | "error" | "skipped"; message: string; type?: string; text?: string };
}

/** The JUnit XML of a run: its evaluated models and those that could not be. */
export function renderJunit(report: Pick<Report, "models">, invalid: readonly InvalidModel[] = []): string {
  const suites = [
    ...report.models.map((m) => ({ name: m.name, cases: modelCases(m) })),
    ...invalid.map((i) => ({ name: i.model, cases: [invalidCase(i)] })),
  ];
  const count = (cases: Case[], kind?: string) =>
    kind === undefined ? cases.length : cases.filter((c) => c.outcome?.kind === kind).length;
  const all = suites.flatMap((s) => s.cases);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="modelgate" tests="${count(all)}" failures="${count(all, "failure")}" errors="${count(all, "error")}" skipped="${count(all, "skipped")}">`,
  ];
  suites.forEach((s, id) => {
    lines.push(
      `  <testsuite name="${attr(`modelgate ${s.name}`)}" id="${id}" tests="${count(s.cases)}" failures="${count(s.cases, "failure")}" errors="${count(s.cases, "error")}" skipped="${count(s.cases, "skipped")}" time="0">`,
    );
    for (const c of s.cases) lines.push(...caseXml(c));
    lines.push("  </testsuite>");
  });
  lines.push("</testsuites>", "");
  return lines.join("\n");
}

function modelCases(m: ModelReport): Case[] {
  const classname = `modelgate.${m.name}`;
  const metrics = Object.entries(m.challenger.metrics)
    .map(([name, e]) => `${name} ${e.value ?? "undefined"}${e.ci ? ` [${e.ci.lower}, ${e.ci.upper}]` : ""}`)
    .join(", ");
  const evaluated: Case = {
    name: `${m.name}: evaluated (${m.data.testRows} test rows)`,
    classname,
    ...(m.passed
      ? {}
      : { outcome: { kind: "failure", message: m.gate.summary, type: "GateFailed", text: metrics } }),
  };
  return [evaluated, ...m.gate.checks.map((check) => ruleCase(m.name, classname, check))];
}

function ruleCase(model: string, classname: string, check: GateCheckJson): Case {
  const name = `${model}: ${check.metric} ${check.rule} ${check.bound}`;
  if (check.status === "pass") return { name, classname };
  if (check.status === "not_applicable")
    return { name, classname, outcome: { kind: "skipped", message: check.reason } };
  const numbers = [
    `value ${check.value ?? "undefined"}`,
    `bound ${check.bound}`,
    ...(check.champion === null ? [] : [`champion ${check.champion}`]),
    ...(check.change === null ? [] : [`change ${check.change}`]),
    ...(check.relativeChange === null ? [] : [`relative change ${check.relativeChange}`]),
  ].join(", ");
  return {
    name,
    classname,
    outcome: { kind: "failure", message: check.reason, type: "GateRule", text: numbers },
  };
}

function invalidCase(i: InvalidModel): Case {
  return {
    name: `${i.model}: evaluated`,
    classname: `modelgate.${i.model}`,
    outcome: {
      kind: "error",
      message: i.problems[0]?.message.split("\n")[0] ?? "invalid input",
      type: "InvalidInput",
      text: i.problems.map(formatProblem).join("\n"),
    },
  };
}

function caseXml(c: Case): string[] {
  const open = `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="0"`;
  const o = c.outcome;
  if (o === undefined) return [`${open}/>`];
  if (o.kind === "skipped")
    return [`${open}>`, `      <skipped message="${attr(o.message)}"/>`, "    </testcase>"];
  return [
    `${open}>`,
    `      <${o.kind} message="${attr(o.message)}" type="${attr(o.type ?? o.kind)}">${text(o.text ?? "")}</${o.kind}>`,
    "    </testcase>",
  ];
}

/** Characters XML 1.0 cannot hold at all, even escaped. */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function text(s: string): string {
  return s
    .replace(INVALID_XML, "\ufffd")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}

function attr(s: string): string {
  return text(s)
    .replaceAll('"', "&quot;")
    .replaceAll("\n", "&#10;")
    .replaceAll("\r", "&#13;")
    .replaceAll("\t", "&#9;");
}
