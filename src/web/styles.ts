// Heat classes stand in for inline colours, which the Content-Security-Policy forbids.
const heatClasses = Array.from({ length: 11 }, (_, level) => {
  const warm = `hsl(${32 - level * 2.6} 95% ${97 - level * 4.2}%)`;
  const cool = `hsl(212 90% ${97 - level * 4.2}%)`;
  const ink = level >= 8 ? 'color: #fff;' : '';
  const good = `hsl(${8 + level * 12} ${40 + level * 3}% ${96 - level * 5}%)`;
  return `.heat-${level} { background: ${warm}; ${ink} }\n.cool-${level} { background: ${cool}; ${ink} }\n.good-${level} { background: ${good}; ${ink} }`;
}).join('\n');

export const VIEWER_CSS = `
:root {
  --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --soft: #f6f8fa; --accent: #0969da;
  --win: #1a7f37; --win-bg: #dafbe1; --loss: #cf222e; --loss-bg: #ffebe9;
  --error: #9a6700; --error-bg: #fff8c5; --wait: #57606a; --wait-bg: #eaeef2;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #24292f; color: #fff; }
header.top a { color: #fff; font-weight: 600; }
header.top .brand { font-size: 16px; letter-spacing: .02em; }
header.top .where { margin-left: auto; color: #afb8c1; font-size: 12px; font-family: var(--mono); }
main { padding: 20px 24px 48px; max-width: 1500px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 8px; }
.muted { color: var(--muted); }
.crumbs { color: var(--muted); margin-bottom: 8px; font-size: 13px; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 18px; color: var(--muted); margin: 6px 0 12px; }
.meta b { color: var(--ink); font-weight: 600; }
.mono, code, .id { font-family: var(--mono); font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; font-size: 12.5px; color: var(--muted); position: sticky; top: 0; }
tbody tr:hover { background: #f6f8fa80; }
td.num, th.num, .num { font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.outcome-win { color: var(--win); background: var(--win-bg); }
.outcome-loss { color: var(--loss); background: var(--loss-bg); }
.outcome-clean { color: var(--win); background: transparent; border: 1px solid var(--win); }
.outcome-error, .status-error { color: var(--error); background: var(--error-bg); }
.outcome-unfinished, .outcome-ungraded, .status-pending { color: var(--wait); background: var(--wait-bg); }
.status-running { color: var(--accent); background: #ddf4ff; }
.status-finished { color: var(--win); background: var(--win-bg); }
.tag { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; border: 1px solid var(--line); background: var(--soft); }
.tag.found { color: var(--win); border-color: #8ddb9c; background: var(--win-bg); }
.tag.missed, .tag.false { color: var(--loss); border-color: #ffb3ad; background: var(--loss-bg); }
.tag.control { color: #8250df; border-color: #d8b9ff; background: #fbefff; }
.tag.sealed { color: #6e7781; background: #eaeef2; }
.counts { display: flex; gap: 10px; flex-wrap: wrap; margin: 10px 0; }
.count { border: 1px solid var(--line); border-radius: 8px; padding: 6px 14px; min-width: 96px; }
.count .value { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.count .label { color: var(--muted); font-size: 12px; }
.live { display: inline-block; margin-left: 8px; color: var(--accent); font-size: 12.5px; }
.live::before { content: "●"; margin-right: 4px; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; padding: 10px 12px; background: var(--soft); border: 1px solid var(--line); border-radius: 8px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
select, button, input[type=submit] { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
button, input[type=submit] { cursor: pointer; background: var(--soft); font-weight: 600; }
button.primary { background: #1f883d; color: #fff; border-color: #1a7f37; }
.matrix td.cell { text-align: center; min-width: 110px; }
.matrix .main { font-weight: 650; display: block; font-variant-numeric: tabular-nums; }
.matrix .sub { font-size: 11.5px; display: block; }
.heat-none { background: #fff; color: var(--muted); }
${heatClasses}
.bar { display: inline-block; height: 8px; background: var(--line); border-radius: 4px; width: 80px; vertical-align: middle; overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--accent); }
${Array.from({ length: 11 }, (_, level) => `.w-${level} { width: ${level * 10}%; }`).join('\n')}
.panel { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 10px 0; background: #fff; }
.panel.win { border-left: 4px solid var(--win); }
.panel.loss { border-left: 4px solid var(--loss); }
.panel.error { border-left: 4px solid #d4a72c; }
.grade-head { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
.grade-head .big { font-size: 20px; font-weight: 700; }
.claims { list-style: none; padding: 0; margin: 0; }
.claim { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; margin: 8px 0; }
.claim.is-false { border-left: 4px solid var(--loss); }
.claim.is-match { border-left: 4px solid var(--win); }
.claim .head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.claim .behaviour { font-weight: 600; white-space: pre-wrap; overflow-wrap: anywhere; }
pre { font-family: var(--mono); font-size: 12.5px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; }
pre.output, pre.json { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; max-height: 420px; overflow: auto; }
pre.error-text { background: var(--loss-bg); border-color: #ffb3ad; }
.transcript { font-family: var(--mono); font-size: 12.5px; }
.event { border: 1px solid var(--line); border-radius: 8px; margin: 8px 0; padding: 8px 10px; background: #fff; }
.event .ev-head { display: flex; gap: 8px; align-items: center; color: var(--muted); font-size: 12px; margin-bottom: 4px; }
.event .seq { color: #8c959f; min-width: 34px; }
.event .kind { font-weight: 700; color: var(--ink); }
.event.auditor { background: #f5f9ff; border-color: #b6d4fe; }
.event.tool { background: #fff; }
.event.tool > .ev-head .kind { color: #8250df; }
.event.note, .event.budget { background: var(--error-bg); border-color: #eac54f; }
.event.error { background: var(--loss-bg); border-color: #ffb3ad; }
.event.report { background: var(--win-bg); border-color: #8ddb9c; }
.event.start { background: var(--soft); }
.target { margin: 6px 0 6px 14px; border-left: 3px solid #d8b9ff; padding-left: 8px; }
.target summary { cursor: pointer; color: var(--muted); }
.msg { margin: 4px 0; }
.msg .role { display: inline-block; min-width: 70px; font-weight: 700; color: var(--muted); }
.reply { white-space: pre-wrap; overflow-wrap: anywhere; font-family: var(--mono); font-size: 12.5px; padding: 4px 8px; background: var(--soft); border-radius: 4px; margin: 2px 0; }
.reply.steered { background: #fbefff; }
.branch { margin: 18px 0 8px; padding: 6px 10px; background: #fbefff; border: 1px dashed #c297ff; border-radius: 6px; font-weight: 600; }
.rollback { color: #8250df; font-weight: 600; margin: 10px 0; }
details.raw summary, details.prompt summary { cursor: pointer; color: var(--muted); font-size: 12px; }
.whitebox table { width: auto; font-family: var(--mono); font-size: 12px; }
.whitebox caption { text-align: left; font-weight: 600; color: var(--muted); padding: 4px 0; }
table.lens td { text-align: center; min-width: 72px; }
table.lens td .tok, .chip .tok { display: block; font-weight: 600; }
table.lens td .num { display: block; font-size: 10.5px; opacity: .8; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; margin: 4px 0 8px; }
.chip { display: inline-flex; gap: 6px; align-items: baseline; padding: 2px 8px; border-radius: 6px; border: 1px solid var(--line); }
.chip .tok { display: inline; }
.compare-pair { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; margin-top: 6px; }
.label { color: var(--muted); font-size: 12px; margin-top: 6px; }
.kv { margin: 2px 0; }
.tools { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; align-items: start; }
.side-by-side > section { min-width: 0; }
.gt td .facts { margin: 4px 0 0; padding-left: 18px; }
.gt td .facts li.hit { color: var(--win); font-weight: 600; }
.empty { padding: 24px; text-align: center; color: var(--muted); border: 1px dashed var(--line); border-radius: 8px; }
.error-page { max-width: 720px; }
footer { color: var(--muted); font-size: 12px; padding: 16px 24px; border-top: 1px solid var(--line); }
`;
