/** The style sheet of the HTML reports (light and dark). */

/** The page's style sheet (light and dark), shared with the monitor report's page. */
export const REPORT_CSS = `
:root{color-scheme:light dark;--bg:#fbfbfa;--fg:#1d2430;--muted:#5b6472;--card:#fff;--line:#e3e6ea;--grid:#eef0f3;
--challenger:#2563eb;--champion:#c2710c;--candidate:#2563eb;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;
--pass-bg:#dafbe1;--fail-bg:#ffebe9;--warn-bg:#fff8c5;--neutral-bg:#eef0f3}
@media (prefers-color-scheme:dark){:root{--bg:#0f1419;--fg:#e6e9ee;--muted:#9aa4b2;--card:#161c24;--line:#2a323d;--grid:#222a34;
--challenger:#6ea8fe;--champion:#f0a04b;--candidate:#6ea8fe;--pass:#4ac26b;--fail:#ff7b72;--warn:#d29922;
--pass-bg:#12361f;--fail-bg:#3d1618;--warn-bg:#3a2e0a;--neutral-bg:#232b36}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-variant-numeric:tabular-nums}
header.page,main,footer{max-width:1120px;margin:0 auto;padding:0 24px}
header.page{padding-top:28px}
h1{font-size:1.6rem;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:1.3rem;margin:0 0 4px;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
h3{font-size:1.05rem;margin:28px 0 6px}
code{font:0.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--neutral-bg);padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.verdict{font-size:1.1rem;font-weight:600;margin:6px 0}
.verdict.pass{color:var(--pass)}.verdict.fail{color:var(--fail)}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:6px 16px}
nav a{color:inherit}
.badge{display:inline-flex;align-items:center;justify-content:center;width:1.4em;height:1.4em;border-radius:50%;font-size:.8em;color:#fff;font-weight:700}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}
.status{font-size:.72rem;font-weight:700;text-transform:uppercase;letter-spacing:.05em;padding:2px 8px;border-radius:999px;background:var(--neutral-bg);color:var(--muted)}
.status.pass{background:var(--pass-bg);color:var(--pass)}.status.fail{background:var(--fail-bg);color:var(--fail)}
section.model{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:22px 24px;margin:22px 0}
section.model>header p{margin:4px 0}
.callout{border-radius:8px;padding:10px 14px;margin:14px 0}
.callout ul{margin:4px 0 0;padding-left:20px}
.callout.fail{background:var(--fail-bg)}.callout.fail strong{color:var(--fail)}
.callout.warn{background:var(--warn-bg)}.callout.warn strong{color:var(--warn)}
.warn{color:var(--warn)}
.table-wrap{overflow-x:auto;margin:12px 0}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-weight:600;color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
.num{text-align:right;white-space:nowrap}
tr.chosen td{font-weight:600}
.mark{display:inline-block;padding:1px 8px;border-radius:999px;font-size:.8rem;font-weight:600}
.mark.better{background:var(--pass-bg);color:var(--pass)}.mark.worse{background:var(--fail-bg);color:var(--fail)}.mark.neutral{background:var(--neutral-bg);color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:18px;margin:14px 0}
figure.chart{margin:0;border:1px solid var(--line);border-radius:10px;padding:12px 12px 8px}
figure.chart svg{width:100%;height:auto;display:block;font-size:11px}
figcaption{font-size:.85rem;color:var(--muted);margin-top:4px}
figcaption strong{color:var(--fg);display:block;font-size:.92rem}
svg text{fill:var(--muted)}
svg .label{fill:var(--fg);font-size:12px}
svg .group{fill:var(--fg);font-size:12px}
svg .flagged .group{font-weight:700;fill:var(--fail)}
svg .value{fill:var(--fg);font-size:11px}svg .value.champion{fill:var(--muted)}
svg .grid{stroke:var(--grid);stroke-width:1}
svg .frame{fill:none;stroke:var(--line)}
svg .reference{stroke:var(--muted);stroke-dasharray:5 4;stroke-width:1.2}
svg .challenger .pt,svg .pt.challenger,svg .key.challenger{fill:var(--challenger);fill-opacity:.72}
svg .champion .pt,svg .key.champion{fill:none;stroke:var(--champion);stroke-width:1.3}
svg .key.champion,svg .pt.champion{fill:var(--champion);stroke:none}
svg .key.champion.ring{fill:none;stroke:var(--champion);stroke-width:1.5}
svg .series.champion .pt{fill:none;stroke:var(--champion);stroke-width:1.2}
svg .pt.candidate{fill:var(--candidate);stroke:var(--card);stroke-width:2}
svg .bar.challenger{fill:var(--challenger)}svg .bar.champion{fill:var(--champion);fill-opacity:.8}
svg .curve{fill:none;stroke-width:2}svg .curve.champion{stroke:var(--champion)}svg .curve.challenger{stroke:var(--challenger)}
svg .curve.candidate{stroke:var(--candidate)}svg .dashed{stroke-dasharray:4 4}
svg .whisker{stroke-width:2.5;stroke-linecap:round}svg .whisker.challenger{stroke:var(--challenger);stroke-opacity:.55}svg .whisker.champion{stroke:var(--champion);stroke-opacity:.55}
svg .legend text{fill:var(--fg);font-size:11px}
details{margin:10px 0;border-top:1px solid var(--line);padding-top:8px}
summary{cursor:pointer;font-weight:600}
footer{padding-bottom:40px;font-size:.88rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:560px){.charts{grid-template-columns:1fr}section.model{padding:16px}}
`;
