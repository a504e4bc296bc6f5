/**
 * A training command's runs in the HTML report: the command, a chart of each value the final
 * fit logged (MODELGATE_METRICS) against its step, and the table of every run, collapsed.
 */
import { formatNumber } from "./format-number.js";
import { count, h } from "./html-format.js";
import type { CommandJson } from "./report-schema.js";

const WIDTH = 420;
const HEIGHT = 180;
const PAD = { left: 56, right: 12, top: 14, bottom: 28 };

/** The section; `id` keeps the charts' element ids unique in the page. */
export function commandDetails(c: CommandJson, id: string): string {
  const final = c.runs.find((r) => r.fold === null);
  const charts = final ? curveCharts(final.curve, id) : [];
  const rows = c.runs.map(
    (r) =>
      `<tr><td><code>${h(r.run, 40)}</code></td><td>${Object.entries(r.params)
        .slice(0, 10)
        .map(([k, v]) => `<code>${h(`${k}: ${String(v)}`, 80)}</code>`)
        .join(
          ", ",
        )}</td><td class="num">${r.rows}</td><td class="num">${r.exitCode ?? "signal"}</td><td class="num">${formatNumber(r.durationMs / 1000)}</td><td class="num">${formatNumber(r.score)}</td><td><code>${h(r.modelSha256.slice(0, 12), 12)}</code></td></tr>`,
  );
  return `<h3>Training command</h3><p><code>${h(c.command, 300)}</code>, protocol ${c.protocol}, timeout ${formatNumber(c.timeoutSeconds)} s, ${count(c.runs.length + c.omittedRuns, "run")}, ${c.parallel} at once.</p>${charts.length > 0 ? `<div class="charts">${charts.join("")}</div>` : ""}<details><summary>Runs</summary><div class="table-wrap"><table><thead><tr><th scope="col">Run</th><th scope="col">Parameters</th><th scope="col" class="num">Rows</th><th scope="col" class="num">Exit</th><th scope="col" class="num">Seconds</th><th scope="col" class="num">Held-out score</th><th scope="col">ONNX sha256</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>${c.omittedRuns > 0 ? `<p class="muted">${count(c.omittedRuns, "more run")} not in the report.</p>` : ""}</details>`;
}

/** One line chart per logged value (at most 4) against the step (or the point's order). */
function curveCharts(curve: CommandJson["runs"][number]["curve"], id: string): string[] {
  if (curve.length < 2) return [];
  const stepKey = ["step", "epoch", "iteration"].find((k) => curve.every((p) => p[k] !== undefined));
  const keys = [...new Set(curve.flatMap((p) => Object.keys(p)))].filter((k) => k !== stepKey).slice(0, 4);
  return keys.flatMap((key, n) => {
    const points = curve
      .map((p, i) => ({ x: stepKey ? p[stepKey]! : i + 1, y: p[key] }))
      .filter((p): p is { x: number; y: number } => p.y !== undefined);
    if (points.length < 2) return [];
    const [x0, x1] = range(points.map((p) => p.x));
    const [y0, y1] = range(points.map((p) => p.y));
    const sx = (v: number) => PAD.left + ((v - x0) / (x1 - x0 || 1)) * (WIDTH - PAD.left - PAD.right);
    const sy = (v: number) =>
      HEIGHT - PAD.bottom - ((v - y0) / (y1 - y0 || 1)) * (HEIGHT - PAD.top - PAD.bottom);
    const d = points
      .map((p, i) => `${i === 0 ? "M" : "L"}${sx(p.x).toFixed(1)} ${sy(p.y).toFixed(1)}`)
      .join("");
    const label = h(key, 40);
    const title = `${label} logged by the final fit`;
    const chartId = `${id}-curve-${n}`;
    return [
      `<figure class="chart" data-chart="curve"><svg role="img" viewBox="0 0 ${WIDTH} ${HEIGHT}" aria-labelledby="${chartId}-t ${chartId}-d"><title id="${chartId}-t">${title}</title><desc id="${chartId}-d">${label} from ${h(formatNumber(points[0]!.y))} to ${h(formatNumber(points.at(-1)!.y))} over ${points.length} points.</desc>` +
        `<text class="tick" x="${PAD.left - 6}" y="${sy(y1).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${h(formatNumber(y1, 3))}</text>` +
        `<text class="tick" x="${PAD.left - 6}" y="${sy(y0).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${h(formatNumber(y0, 3))}</text>` +
        `<text class="tick" x="${PAD.left}" y="${HEIGHT - 8}">${h(formatNumber(x0))}</text>` +
        `<text class="tick" x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end">${h(stepKey ?? "point", 20)} ${h(formatNumber(x1))}</text>` +
        `<path class="curve challenger" d="${d}"/></svg><figcaption>${title}.</figcaption></figure>`,
    ];
  });
}

function range(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
