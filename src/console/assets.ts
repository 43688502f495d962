/**
 * The console's client assets, written here and served from the console itself (no CDN, works
 * offline). The script never turns event data into markup: rows are built with createElement
 * and textContent.
 */

export const CONSOLE_CSS = `
:root { --fg:#1b1f24; --muted:#5c6670; --bg:#f6f7f9; --card:#fff; --line:#d9dee3; --accent:#2459c7; --alert:#c77700; --block:#c4263b; --allow:#2e7d4f; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header.top { display:flex; gap:18px; align-items:center; padding:10px 20px; background:#14213d; color:#fff; }
header.top a { color:#dbe4ff; text-decoration:none; }
header.top a.here { color:#fff; font-weight:600; border-bottom:2px solid #fff; }
header.top .brand { font-weight:700; color:#fff; margin-right:12px; }
header.top .who { margin-left:auto; color:#c9d3ea; }
header.top form { display:inline; margin:0; }
header.top button { background:none; border:1px solid #6b7aa6; color:#dbe4ff; border-radius:4px; cursor:pointer; }
main { padding:16px 20px 40px; max-width:1280px; }
h1 { font-size:20px; margin:4px 0 12px; word-break:break-all; }
h2 { font-size:16px; margin:22px 0 8px; }
section.card { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:12px 16px; margin-bottom:14px; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top; word-break:break-word; }
th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; }
td.time { white-space:nowrap; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td > a { white-space:nowrap; }
.verdict { display:inline-block; white-space:nowrap; padding:0 6px; border-radius:3px; font-size:12px; font-weight:700; text-transform:uppercase; color:#fff; }
.verdict-allow { background:var(--allow); } .verdict-alert { background:var(--alert); } .verdict-block { background:var(--block); }
.muted { color:var(--muted); }
.code { font-family:ui-monospace, Menlo, Consolas, monospace; font-size:12.5px; }
pre.event { background:#0f172a; color:#e2e8f0; padding:12px; border-radius:6px; overflow:auto; white-space:pre-wrap; word-break:break-all; }
form.filters { display:flex; flex-wrap:wrap; gap:8px; align-items:end; }
form.filters label, form.action label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
input, select, textarea { font:inherit; padding:4px 6px; border:1px solid var(--line); border-radius:4px; }
button { font:inherit; padding:4px 12px; border-radius:4px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
button.danger { background:var(--block); border-color:var(--block); }
form.action { display:flex; flex-wrap:wrap; gap:8px; align-items:end; margin:6px 0; }
.counters { display:flex; gap:18px; flex-wrap:wrap; }
.counters div { min-width:90px; }
.counters b { display:block; font-size:20px; font-variant-numeric:tabular-nums; }
.grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(280px, 1fr)); gap:14px; }
.flash { background:#e7f5ec; border:1px solid #9bd3ae; padding:8px 12px; border-radius:6px; margin-bottom:12px; }
.error { background:#fdecee; border:1px solid #f0a3ad; padding:8px 12px; border-radius:6px; margin-bottom:12px; }
.tag { display:inline-block; border:1px solid var(--line); border-radius:10px; padding:0 7px; margin:1px 2px; font-size:12px; background:#f1f3f6; }
.tag.new { border-color:var(--alert); }
svg.plot { max-width:100%; height:auto; display:block; }
svg .heat { fill:#c4263b; }
svg .bar { fill:#4d7bd6; }
svg .mark-alert { fill:#c77700; }
svg .mark-block { fill:#c4263b; }
svg .axis { font-size:10px; fill:#5c6670; }
svg .axis-line { stroke:#d9dee3; }
svg .spark-line { stroke:#2459c7; stroke-width:1.5; }
.login { max-width:380px; margin:80px auto; }
.login input { width:100%; margin:6px 0 12px; }
`;

export const CONSOLE_JS = `
'use strict';
(function () {
  var table = document.getElementById('live-rows');
  if (!table) return;
  var maxRows = Number(table.getAttribute('data-max-rows') || '200');
  var status = document.getElementById('live-status');
  var counterIds = ['total', 'allow', 'alert', 'block', 'matched', 'sent', 'sampledOut', 'perSecond'];
  function cell(row, text, cls) {
    var td = document.createElement('td');
    if (cls) td.className = cls;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }
  function addRow(d) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-decision-id', d.decisionId);
    cell(tr, d.eventTime, 'muted code');
    var v = cell(tr, '', '');
    var badge = document.createElement('span');
    badge.className = 'verdict verdict-' + (d.verdict === 'block' || d.verdict === 'alert' ? d.verdict : 'allow');
    badge.textContent = d.verdict;
    v.appendChild(badge);
    cell(tr, String(d.score), 'num');
    var idCell = cell(tr, '', '');
    var idLink = document.createElement('a');
    idLink.href = '/identities/' + encodeURIComponent(d.identity);
    idLink.textContent = d.identity;
    idCell.appendChild(idLink);
    cell(tr, d.owner === null ? '(none)' : d.owner, d.owner === null ? 'muted' : '');
    cell(tr, d.action, 'code');
    cell(tr, d.reasons.join(', ') + (d.degraded ? ' (degraded)' : ''), 'code');
    var open = cell(tr, '', '');
    var link = document.createElement('a');
    link.href = '/decisions/' + encodeURIComponent(d.decisionId);
    link.textContent = 'details';
    open.appendChild(link);
    table.insertBefore(tr, table.firstChild);
    while (table.childNodes.length > maxRows) table.removeChild(table.lastChild);
  }
  var source = new EventSource('/live/stream' + window.location.search);
  source.addEventListener('decision', function (e) {
    try { addRow(JSON.parse(e.data)); } catch (err) { /* a malformed message is dropped */ }
  });
  source.addEventListener('counts', function (e) {
    var c = JSON.parse(e.data);
    counterIds.forEach(function (k) {
      var el = document.getElementById('count-' + k);
      if (el && c[k] !== undefined) el.textContent = String(c[k]);
    });
  });
  source.addEventListener('open', function () { if (status) status.textContent = 'live'; });
  source.addEventListener('error', function () { if (status) status.textContent = 'reconnecting…'; });
})();
`;
