// The one style sheet: the pages are served it from /static/ (web/static.ts),
// and a report's standalone document (reports/html/document.ts) carries it
// inline, so a report looks the same on the portal, in a mail and in a zip.

export const CSS = `
:root { --ink: #1e293b; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --accent: #2563eb; }
* { box-sizing: border-box; }
html { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { font-size: 18px; margin: 0 0 12px; font-weight: 600; }
h2 { font-size: 14px; margin: 0 0 8px; font-weight: 600; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
.muted { color: var(--muted); }
.small { font-size: 11px; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
.wrap { overflow-wrap: anywhere; }

header.top { display: flex; align-items: center; gap: 24px; padding: 0 16px; height: 44px; background: #0f172a; color: #e2e8f0; }
header.top .brand { font-weight: 700; letter-spacing: .02em; color: #fff; }
header.top nav { display: flex; gap: 4px; }
header.top nav a { color: #cbd5e1; padding: 6px 10px; border-radius: 4px; }
header.top nav a:hover { background: #1e293b; text-decoration: none; }
header.top nav a[aria-current="page"] { background: #334155; color: #fff; }
header.top .who { margin-left: auto; display: flex; align-items: center; gap: 12px; }
header.top .who .muted { color: #94a3b8; }
form.inline { display: inline; margin: 0; }
button.link { background: none; border: 0; padding: 0; color: #93c5fd; cursor: pointer; font: inherit; }
button.link:hover { text-decoration: underline; }

main { padding: 16px; max-width: 1600px; margin: 0 auto; }
section.card, .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin-bottom: 14px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; margin-bottom: 14px; }
.grid > .card { margin-bottom: 0; }
.head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; margin-bottom: 12px; }
.head h1 { margin: 0; }

table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { padding: 5px 7px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
th { font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: #f1f5f9; white-space: nowrap; }
tbody tr:hover { background: #f8fafc; }
.table { border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; margin-bottom: 14px; }
.table table { border: 0; }
td.id { white-space: nowrap; font-weight: 600; }
td.id .sub { font-weight: 400; }
td.host { white-space: nowrap; }
td.threat { max-width: 300px; overflow-wrap: anywhere; }
td.spark { width: 124px; padding-top: 2px; padding-bottom: 2px; }
td.num .sub { text-align: right; }
td.spark svg { display: block; }
.sub { display: block; color: var(--muted); font-size: 11px; }
.empty { padding: 16px; color: var(--muted); text-align: center; background: #fff; }

dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }

.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11px; font-weight: 600; line-height: 18px; white-space: nowrap; border: 1px solid transparent; }
.state-online { background: #dcfce7; color: #166534; border-color: #bbf7d0; }
.state-late { background: #fef3c7; color: #92400e; border-color: #fde68a; }
.state-silent { background: #fee2e2; color: #991b1b; border-color: #fecaca; }
.state-offline { background: #e5e7eb; color: #374151; border-color: #d1d5db; }
.state-never-seen { background: #e0e7ef; color: #3b4a63; border-color: #cbd5e1; }
.state-retired { background: transparent; color: #94a3b8; border: 1px dashed #cbd5e1; }
tr.retired td { color: #94a3b8; }
.sev { font-variant-numeric: tabular-nums; min-width: 26px; text-align: center; }
.sev-low { background: #e0f2fe; color: #075985; }
.sev-medium { background: #fef3c7; color: #92400e; }
.sev-high { background: #ffedd5; color: #9a3412; border-color: #fed7aa; }
.sev-very-high { background: #fee2e2; color: #991b1b; border-color: #fecaca; }
.warn { color: #b91c1c; font-weight: 600; }
.cnc { color: #991b1b; font-weight: 600; }

.summary { display: flex; gap: 10px; flex-wrap: wrap; margin-bottom: 14px; }
.summary a { display: block; min-width: 110px; padding: 8px 12px; background: #fff; border: 1px solid var(--line); border-left-width: 4px; border-radius: 6px; color: var(--ink); }
.summary a:hover { text-decoration: none; background: #f1f5f9; }
.summary a[aria-current="true"] { outline: 2px solid var(--accent); }
.summary .n { display: block; font-size: 20px; font-weight: 700; line-height: 1.1; }
.summary .l { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.summary .s-all { border-left-color: #334155; }
.summary .s-online { border-left-color: #22c55e; }
.summary .s-late { border-left-color: #f59e0b; }
.summary .s-silent { border-left-color: #ef4444; }
.summary .s-offline { border-left-color: #9ca3af; }
.summary .s-never-seen { border-left-color: #94a3b8; }
.summary .s-retired { border-left-color: #e2e8f0; }

.alert-box { border: 1px solid #fecaca; background: #fef2f2; border-radius: 6px; padding: 10px 14px; margin-bottom: 14px; }
.alert-box h2 { color: #991b1b; }
.error { border: 1px solid #fecaca; background: #fef2f2; color: #991b1b; border-radius: 6px; padding: 8px 12px; margin-bottom: 12px; }
.error ul { margin: 0; padding-left: 18px; }
.notice { border: 1px solid #fde68a; background: #fffbeb; color: #92400e; border-radius: 6px; padding: 8px 12px; margin-bottom: 12px; }

form.search { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: flex-end; }
form.search label { display: flex; flex-direction: column; gap: 3px; font-size: 11px; color: var(--muted); font-weight: 600; }
form.search select[name="appliance"] { max-width: 200px; }
form.search input[name="host"], form.search input[name="threat"] { width: 150px; }
input, select { font: inherit; font-weight: 400; padding: 5px 7px; border: 1px solid #cbd5e1; border-radius: 4px; background: #fff; color: var(--ink); }
input[aria-invalid="true"], select[aria-invalid="true"] { border-color: #dc2626; background: #fef2f2; }
button.primary { font: inherit; font-weight: 600; padding: 6px 14px; border-radius: 4px; border: 1px solid #1d4ed8; background: var(--accent); color: #fff; cursor: pointer; }
button.primary:hover { background: #1d4ed8; }
.actions { display: flex; gap: 12px; align-items: center; }
.pager { display: flex; gap: 16px; align-items: center; margin: 8px 0 14px; }

svg.timeline { display: block; width: 100%; height: auto; }
.legend { display: flex; gap: 14px; font-size: 11px; color: var(--muted); margin-top: 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.legend .l-beat { background: #2563eb; }
.legend .l-gap { background: #fecaca; border: 1px solid #dc2626; }
.legend .l-before { background: #e2e8f0; }

.login { max-width: 340px; margin: 72px auto; }
.login form { display: flex; flex-direction: column; gap: 12px; }
.login label { display: flex; flex-direction: column; gap: 4px; font-weight: 600; font-size: 12px; }
.login input { padding: 7px 9px; }
details.about summary { cursor: pointer; color: var(--muted); }
details.about dl { margin-top: 10px; }

a.button { display: inline-block; font-weight: 600; padding: 5px 12px; border-radius: 4px; border: 1px solid #1d4ed8; background: var(--accent); color: #fff; }
a.button:hover { background: #1d4ed8; text-decoration: none; }

.month-nav { display: flex; gap: 16px; align-items: baseline; margin-left: auto; }
.scopes { display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; margin-bottom: 10px; font-size: 12px; }
.scopes a { padding: 2px 8px; border-radius: 999px; border: 1px solid var(--line); background: #fff; }
.scopes a[aria-current="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
table.calendar { table-layout: fixed; }
table.calendar th { text-align: center; }
table.calendar abbr { text-decoration: none; }
table.calendar td { vertical-align: top; height: 92px; padding: 4px 6px; border-right: 1px solid var(--line); }
table.calendar td:last-child { border-right: 0; }
table.calendar tbody tr:hover { background: transparent; }
.cal-num { display: block; font-weight: 600; color: var(--muted); margin-bottom: 3px; }
td.cal-out { background: #f8fafc; }
td.cal-out .cal-num { color: #cbd5e1; }
td.cal-today .cal-num { color: #fff; background: var(--accent); border-radius: 999px; display: inline-block; min-width: 22px; text-align: center; padding: 0 5px; }
.cal-reports { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 3px; }
.cal-reports li { font-size: 11px; line-height: 1.3; overflow-wrap: anywhere; }
.cal-reports a, .cal-reports .being-made { display: block; padding: 2px 6px; border-radius: 3px; border-left: 3px solid; }
.cal-reports a:hover { text-decoration: none; filter: brightness(0.96); }
.cal-reports .t { font-weight: 700; margin-right: 4px; }
.r-daily { background: #eff6ff; border-color: #2563eb; }
.r-weekly { background: #f0fdf4; border-color: #16a34a; color: #166534; }
.r-monthly { background: #faf5ff; border-color: #9333ea; color: #6b21a8; }
.cal-reports .being-made { color: var(--muted); background: #f1f5f9; border-color: #cbd5e1; font-style: italic; }
.cal-legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 11px; color: var(--muted); margin: -6px 0 14px; }
.cal-legend span { padding: 1px 6px; border-left-width: 3px; border-left-style: solid; border-radius: 3px; }

.report-tools { display: flex; gap: 14px; align-items: center; justify-content: space-between; max-width: 1180px; margin: 0 auto 12px; }
.report { max-width: 1180px; margin: 0 auto; }
.report-head { margin-bottom: 14px; }
.report-head .kicker { margin: 0; font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .06em; color: var(--accent); }
.report-head h1 { font-size: 24px; margin: 2px 0 4px; }
.report-head .period { margin: 0; font-size: 14px; }
.report-section { margin-bottom: 18px; }
.report-section > h2 { font-size: 15px; padding-bottom: 4px; border-bottom: 2px solid var(--line); margin-bottom: 10px; }
.report h3 { font-size: 13px; margin: 0 0 6px; font-weight: 600; }
.report .card .table { margin-bottom: 0; }
.report-foot { border-top: 1px solid var(--line); padding-top: 8px; margin-top: 20px; font-size: 11px; }
.pair { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 14px; align-items: start; }
.pair.even { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.pair > .card { margin-bottom: 0; }
@media (max-width: 900px) { .pair, .pair.even { grid-template-columns: minmax(0, 1fr); } }

.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-bottom: 18px; }
.tile { background: #fff; border: 1px solid var(--line); border-top: 4px solid #94a3b8; border-radius: 6px; padding: 8px 12px; }
.tile .l { display: block; font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; font-weight: 600; }
.tile .n { display: block; font-size: 24px; font-weight: 700; line-height: 1.2; font-variant-numeric: tabular-nums; }
.tile .s { display: block; font-size: 12px; }
.tile-bad { border-top-color: #dc2626; }
.tile-bad .n { color: #b91c1c; }
.tile-warn { border-top-color: #f59e0b; }
.tile-warn .n { color: #b45309; }
.tile-good { border-top-color: #22c55e; }
.delta { font-weight: 600; white-space: nowrap; font-variant-numeric: tabular-nums; }
.delta-bad { color: #b91c1c; }
.delta-good { color: #15803d; }
.delta-same { color: var(--muted); }

.level { min-width: 58px; text-align: center; }
.level-high { background: #fee2e2; color: #991b1b; border-color: #fca5a5; }
.level-medium { background: #ffedd5; color: #9a3412; border-color: #fdba74; }
.level-low { background: #fef9c3; color: #854d0e; border-color: #fde047; }
.level-info { background: #e2e8f0; color: #334155; border-color: #cbd5e1; }
.more { margin: -8px 0 14px; padding: 4px 8px; font-size: 12px; color: var(--muted); font-style: italic; }

.complete { display: flex; gap: 16px; align-items: center; border-radius: 6px; padding: 10px 14px; margin-bottom: 12px; border: 1px solid; }
.complete .big { font-size: 26px; font-weight: 700; font-variant-numeric: tabular-nums; white-space: nowrap; }
.complete ul { margin: 4px 0 0; padding-left: 18px; }
.complete-ok { background: #f0fdf4; border-color: #bbf7d0; color: #166534; }
.complete-loss { background: #fff7ed; border-color: #fdba74; color: #7c2d12; border-left-width: 6px; }
.complete-loss .big { color: #c2410c; }

figure.chart { margin: 0 0 10px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; }
.appliances tfoot th, .appliances tfoot td { font-weight: 700; background: #f1f5f9; border-top: 2px solid #cbd5e1; text-transform: none; letter-spacing: 0; font-size: 12px; color: var(--ink); }
.appliances tfoot tr.loss th, .appliances tfoot tr.loss td { background: #fff7ed; border-top-color: #f97316; }
.appliances tfoot .warn { color: #b91c1c; }
tr.attention td:first-child { box-shadow: inset 3px 0 #f59e0b; }
td.gaps .gap { display: block; white-space: nowrap; font-variant-numeric: tabular-nums; color: #b91c1c; }
td.finding { min-width: 240px; }
td.todo { min-width: 280px; }
.priority { display: inline-block; min-width: 22px; height: 22px; line-height: 22px; border-radius: 999px; background: #1e293b; color: #fff; text-align: center; font-weight: 700; font-size: 12px; }
tr.action-high .priority { background: #dc2626; }
tr.action-medium .priority { background: #ea580c; }
tr.action-low .priority { background: #ca8a04; }

.lead { display: grid; grid-template-columns: 240px minmax(0, 1fr); gap: 14px; margin-bottom: 14px; align-items: stretch; }
@media (max-width: 700px) { .lead { grid-template-columns: minmax(0, 1fr); } }
.posture { display: flex; flex-direction: column; gap: 2px; border-radius: 6px; padding: 12px 16px; border: 1px solid; border-left-width: 6px; background: #fff; }
.posture .l { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; font-weight: 600; }
.posture .level { font-size: 28px; font-weight: 800; line-height: 1.15; text-align: left; min-width: 0; }
.posture .score { font-size: 13px; color: var(--muted); }
.posture .score strong { font-size: 18px; color: var(--ink); }
.posture .trend { font-weight: 600; margin-top: 4px; }
.posture-good { border-color: #86efac; background: #f0fdf4; }
.posture-good .level { color: #15803d; }
.posture-fair { border-color: #fcd34d; background: #fffbeb; }
.posture-fair .level { color: #b45309; }
.posture-poor { border-color: #fdba74; background: #fff7ed; }
.posture-poor .level { color: #c2410c; }
.posture-critical { border-color: #fca5a5; background: #fef2f2; }
.posture-critical .level { color: #b91c1c; }
.trend-better { color: #15803d; }
.trend-same { color: var(--muted); }
.trend-worse { color: #b91c1c; }
.bottom-line { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--accent); border-radius: 6px; padding: 12px 18px; }
.bottom-line h2 { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--accent); margin-bottom: 4px; }
.bottom-line p { margin: 0; font-size: 16px; line-height: 1.55; }
.fleet-uptime { margin: 0 0 10px; font-size: 14px; }

body.report-document { background: #fff; }
body.report-document main { max-width: 1180px; }

@media print {
  html { background: #fff; font-size: 11px; }
  header.top, .report-tools, .no-print { display: none; }
  main { padding: 0; max-width: none; }
  .card, .tile, .posture, .bottom-line, .complete, figure.chart, tr { break-inside: avoid; }
  .report-section > h2, .report h3 { break-after: avoid; }
  .table { overflow: visible; border: 0; }
  thead { display: table-header-group; }
  tfoot { display: table-row-group; }
  tbody tr:hover { background: transparent; }
  .pair, .pair.even { grid-template-columns: minmax(0, 1fr); }
  .tiles { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  a { color: inherit; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
