/**
 * A training command's runs (`algorithm: { type: command }`), compact, for the comment and the
 * job summary: the command, the final run (parameters, exit status, duration, the sha256 of its
 * ONNX), and the final run's logged curve summed up. Everything a pull request controls (the
 * command, parameter names and values, curve keys) goes through the escapes.
 */
import { codeSpan } from "./escape-markdown.js";
import { formatNumber } from "./format-number.js";
import { plural } from "./markdown-format.js";
import type { CommandJson } from "./report-schema.js";

/** The summary line of the section. */
export function commandTitle(c: CommandJson): string {
  return `Training command: ${plural(c.runs.length + c.omittedRuns, "run")}`;
}

/** The section's body. */
export function commandSection(c: CommandJson): string {
  const final = c.runs.find((r) => r.fold === null);
  const lines = [
    `${codeSpan(c.command, { max: 200 })}, protocol ${c.protocol}, timeout ${formatNumber(c.timeoutSeconds)} s, ${plural(c.runs.length + c.omittedRuns, "run")} (${c.parallel} at once).`,
  ];
  if (final) {
    const params = Object.entries(final.params)
      .slice(0, 10)
      .map(([k, v]) => codeSpan(`${k}: ${String(v)}`, { max: 60 }))
      .join(", ");
    lines.push(
      `Final fit on ${plural(final.rows, "row")}${params ? ` with ${params}` : ""}, seed ${final.seed}: exit ${final.exitCode ?? "signal"}, ${formatNumber(final.durationMs / 1000)} s, ONNX sha256 ${codeSpan(final.modelSha256.slice(0, 12))}.`,
    );
    const curve = curveSummary(final.curve);
    if (curve) lines.push(curve);
  }
  return lines.join("\n\n");
}

/** `loss 0.93 → 0.12 over 200 points`, for each logged value but the step counter. */
function curveSummary(curve: CommandJson["runs"][number]["curve"]): string | null {
  if (curve.length < 2) return null;
  const keys = [...new Set(curve.flatMap((p) => Object.keys(p)))].filter(
    (k) => !/^(step|epoch|iteration)$/.test(k),
  );
  const parts = keys.slice(0, 4).flatMap((k) => {
    const values = curve.map((p) => p[k]).filter((v): v is number => v !== undefined);
    return values.length < 2
      ? []
      : [`${codeSpan(k, { max: 40 })} ${formatNumber(values[0]!)} → ${formatNumber(values.at(-1)!)}`];
  });
  return parts.length > 0
    ? `Logged by the final fit (${plural(curve.length, "point")}): ${parts.join(", ")}.`
    : null;
}
