// One self-contained HTML page: its style, its script and its data inline, so
// that a report opens offline, from a CI artifact or an e-mail, as it is.
// Pages are built from escaped fragments here; the script (assets/report.js)
// draws the diagrams and makes tables sortable.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { show } from '../verdict/diagnosis.js';
import type { DiagramData } from './space-time.js';

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');

let bundle: string | null = null;
/**
 * src/trace/replay.ts for the page's script, as the global RaftReplay
 * (browser-replay.ts): bundled by esbuild once per process, the first time a
 * page is built. esbuild comes with tsx; its output is the same for the same
 * sources, so the same run gives the same page.
 */
function replayBundle(): string {
  bundle ??= buildSync({
    entryPoints: [fileURLToPath(new URL('./browser-replay.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'RaftReplay',
    platform: 'browser',
    target: 'es2020',
    write: false,
    legalComments: 'none',
  }).outputFiles[0]!.text;
  return bundle.replace(/<\/script/gi, '<\\/script');
}

/** Text made safe to put between tags or in an attribute. */
export function esc(v: unknown): string {
  return String(v).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A value as the diagnosis prints it, escaped. */
export function showValue(v: unknown): string {
  return esc(show(v));
}

/** A cell of a sortable table: `sort` is what it sorts by when that differs from its text. */
export interface Cell {
  readonly html: string;
  readonly sort?: string | number;
  readonly className?: string;
}

export const cell = (text: unknown, sort?: string | number, className?: string): Cell => ({
  html: esc(text),
  ...(sort !== undefined ? { sort } : {}),
  ...(className ? { className } : {}),
});

export function sortableTable(id: string, headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const head = headers
    .map((h, k) => `<th data-column="${k}" tabindex="0" title="sort by ${esc(h)}">${esc(h)}</th>`)
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r
          .map(
            (c) =>
              `<td${c.sort !== undefined ? ` data-sort="${esc(c.sort)}"` : ''}${c.className ? ` class="${esc(c.className)}"` : ''}>${c.html}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table class="sortable" id="${esc(id)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The diagnosis beside a diagram: what differed, which conditions were false, which properties broke. */
export function diagnosisHtml(d: NonNullable<DiagramData['failing']>, eventNumber: number): string {
  const parts = [`<div class="diagnosis" data-event="${eventNumber}"><h4>Event ${eventNumber}: ${esc(d.title)}</h4>`];
  if (d.differences?.length) {
    parts.push(
      '<table class="differences"><thead><tr><th>variable</th><th>implementation logged</th><th>spec allows</th></tr></thead><tbody>',
    );
    for (const x of d.differences)
      parts.push(
        `<tr><td>${esc(x.path)}</td><td class="logged">${showValue(x.logged)}</td><td class="spec">${showValue(x.spec)}</td></tr>`,
      );
    parts.push('</tbody></table>');
  }
  if (d.falseConditions?.length) {
    parts.push(
      '<table class="conditions"><thead><tr><th>false enabling condition</th><th>values</th></tr></thead><tbody>',
    );
    for (const c of d.falseConditions) {
      parts.push(
        `<tr><td>${esc(c.condition)}</td><td>${c.values.map(([n, v]) => `${esc(n)} = ${showValue(v)}`).join('<br>')}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }
  if (d.brokenProperties?.length)
    parts.push(
      `<p class="broken">Breaks ${d.brokenProperties.map((p) => `<code>${esc(p)}</code>`).join(', ')} of spec/Raft.tla.</p>`,
    );
  parts.push(`<pre class="diagnosis-text">${esc(d.lines.join('\n'))}</pre>`);
  if (d.rerun) parts.push(`<p>Re-run TLC on the failing chunk by hand:</p><pre class="rerun">${esc(d.rerun)}</pre>`);
  parts.push('</div>');
  return parts.join('\n');
}

/** Whether the trace ran with PreVote (its states carry leaderSeen): only then has the legend a pre-candidate. */
const preVoted = (d: DiagramData) =>
  Object.values(d.start).some((s) => s.state.leaderSeen !== undefined) ||
  d.events.some((e) => 'state' in e && e.state.leaderSeen !== undefined);

/** A trace's diagram, its diagnosis and the state panel, as one section of a page. */
export function diagramSection(d: DiagramData, heading: string, open: boolean): string {
  const failingNumber = d.failing ? d.events[d.failing.index]?.i : undefined;
  return `<details class="trace-diagram" id="${esc(d.id)}"${open ? ' open' : ''}>
<summary>${heading}</summary>
${d.windowNote ? `<p class="window-note">${esc(d.windowNote)}</p>` : ''}
<div class="diagram" data-diagram="${esc(d.id)}"></div>
<div class="legend">
  <span><i class="dot follower"></i>follower</span>${preVoted(d) ? '<span><i class="dot precandidate"></i>pre-candidate</span>' : ''}<span><i class="dot candidate"></i>candidate</span><span><i class="dot leader"></i>leader</span>
  <span><i class="dot restart"></i>restart (crash)</span><span><i class="line delivered"></i>message received</span>
  <span><i class="line dropped"></i>dropped</span><span><i class="line duplicate"></i>duplicate copy</span><span><i class="line in-flight"></i>still in flight</span>${d.windowNote ? '<span><i class="line before-window"></i>sent before the first event drawn</span>' : ''}
  <span>click an event for every server's state; ← → step through events</span>
</div>
<div class="panels">
${d.failing && failingNumber !== undefined ? diagnosisHtml(d.failing, failingNumber) : ''}
<div class="state-panel" data-for="${esc(d.id)}"><p>Click an event to see every server's state after it.</p></div>
</div>
</details>`;
}

export interface PageInput {
  readonly title: string;
  /** HTML of the page's body, built from escaped fragments. */
  readonly body: string;
  readonly diagrams: readonly DiagramData[];
}

/** JSON that can sit inside a script element whatever strings it holds. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

export function renderPage(p: PageInput): string {
  const data = { diagrams: Object.fromEntries(p.diagrams.map((d) => [d.id, d])) };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title)}</title>
<style>
${asset('report.css')}
</style>
</head>
<body>
${p.body}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>
${replayBundle()}
${asset('report.js')}
</script>
</body>
</html>
`;
}
