// The HTML page of `make audit`: the kill table, each shrunk counterexample
// drawn as a space-time diagram with the event its oracle flagged, and the
// correct implementation's spec-action and branch coverage as a chart.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BRANCHES, CLIENT_ROWS, WINDOW_ROWS, unexercised, type Coverage } from '../audit/coverage.js';
import type { CampaignResult } from '../audit/campaign.js';
import { auditOutcome } from '../audit/outcome.js';
import { oracleName, oracleSays } from '../verdict/oracles.js';
import type { Mutant } from '../audit/mutants.js';
import type { TraceEvent, TraceHeader } from '../raft/events.js';
import { validateTraceText } from '../trace/validate.js';
import { failingOf } from './check-report.js';
import { cell, diagramSection, esc, renderPage, sortableTable } from './page.js';
import { diagramOf, type DiagramData, type FailingEvent } from './space-time.js';

export interface AuditRow extends CampaignResult {
  readonly mutant: Mutant | null;
  readonly ok: boolean;
}

export interface AuditPageInput {
  readonly rows: readonly AuditRow[];
  readonly seconds: number;
  readonly budget: string;
  readonly caught: number;
  readonly mutants: number;
  /** Where the JSON and Markdown reports are, for the page's header. */
  readonly reports: readonly string[];
}

/** The trace of a counterexample, read leniently: a trace the schema refused is still drawn, as far as its events have a shape to draw. */
function readCounterexample(file: string): { header: TraceHeader; events: TraceEvent[]; valid: boolean } | null {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const checked = validateTraceText(file, text);
  if (checked.ok) return { header: checked.trace.header, events: [...checked.trace.events], valid: true };
  try {
    const [first, ...rest] = text.split('\n').filter((l) => l.trim() !== '');
    const header = JSON.parse(first!) as TraceHeader;
    const events = rest.map((l) => JSON.parse(l) as TraceEvent);
    const drawable =
      Array.isArray(header.nodes) &&
      events.every(
        (e) =>
          typeof e.action === 'string' &&
          (!('node' in e) || (header.nodes.includes(e.node) && typeof e.state === 'object' && e.state !== null)),
      );
    return drawable ? { header, events, valid: false } : null;
  } catch {
    return null;
  }
}

/** The event an oracle's message points at: "…:LINE: …" (a trace line) or "after event N". */
function flaggedPosition(texts: readonly string[]): number | undefined {
  for (const t of texts) {
    const after = /after event (\d+)/.exec(t);
    if (after) return Number(after[1]) - 1;
    const line = /\.ndjson:(\d+):|schedule-\d+:(\d+):/.exec(t);
    if (line) return Number(line[1] ?? line[2]) - 2;
  }
  return undefined;
}

function counterexampleDiagram(row: AuditRow, id: string): DiagramData | null {
  const f = row.failure!;
  const trace = readCounterexample(join(f.dir, 'trace.ndjson'));
  if (!trace || trace.events.length === 0) return null;
  let position: number | undefined;
  let failing: Omit<FailingEvent, 'index'>;
  if (f.spec) {
    position = f.spec.event.i - 1;
    failing = failingOf('trace.ndjson', f.spec);
  } else {
    position = flaggedPosition([f.what, ...f.diagnosis]);
    failing = {
      title: `${oracleSays(f.oracle)}${f.oracle === 'progress' ? ' (the liveness check fired after this event)' : ''}`,
      callout: `${oracleName(f.oracle)}: ${f.what}`,
      lines: [
        ...f.diagnosis,
        ...(f.shrunk.scheduleEvents < f.shrunk.events
          ? [
              `The schedule's own steps wrote events 1 to ${f.shrunk.scheduleEvents}; the events after them are the fair progress phase, which is the evidence.`,
            ]
          : []),
      ],
    };
  }
  // An oracle that names no event (or one past the trace) flags the last; one that fired before any event, the first.
  if (position === undefined || position >= trace.events.length) position = trace.events.length - 1;
  position = Math.max(0, position);
  return diagramOf(trace.header, trace.events, trace.events.length, {
    id,
    title: row.label,
    failingPosition: position,
    failing,
  });
}

function coverageChart(c: Coverage): string {
  const rows = [...BRANCHES, ...CLIENT_ROWS, ...WINDOW_ROWS];
  const max = Math.max(1, ...rows.map((r) => c[r] ?? 0));
  // A log scale: counts run from a handful of duplicated messages to a hundred thousand timeouts.
  const width = (n: number) => (n === 0 ? 0 : Math.max(0.5, (100 * Math.log10(n + 1)) / Math.log10(max + 1)));
  const bar = (r: string) => {
    const n = c[r] ?? 0;
    return `<div class="bar-row${n === 0 ? ' never' : ''}" data-row="${esc(r)}"><span>${esc(r)}</span><div><div class="bar" style="width:${width(n).toFixed(1)}%"></div></div><span class="count">${n.toLocaleString('en-US')}</span></div>`;
  };
  const never = unexercised(c);
  return [
    `<div class="chart" id="coverage">`,
    `<h3>Spec actions and branches</h3>`,
    ...BRANCHES.map(bar),
    `<h3>Client requests, by the role of the server they reached</h3>`,
    ...CLIENT_ROWS.map(bar),
    `<h3>Targeted faults: traps sprung, by window</h3>`,
    ...WINDOW_ROWS.map(bar),
    `<p>Bar lengths are on a log scale. ${never.length ? `<span class="fail">Never exercised: ${esc(never.join(', '))}.</span>` : '<span class="pass">Every action, branch, client target and fault window was exercised.</span>'}</p>`,
    `</div>`,
  ].join('\n');
}

const status = (row: AuditRow): string => auditOutcome(row.mutant !== null, row);

export function auditReportHtml(input: AuditPageInput): string {
  const diagrams: DiagramData[] = [];
  const sections: string[] = [];
  const anchors = new Map<AuditRow, string>();
  input.rows.forEach((row, k) => {
    if (!row.failure) return;
    const id = `counterexample-${k + 1}`;
    const d = counterexampleDiagram(row, id);
    const f = row.failure;
    const name = row.mutant ? `${row.mutant.id}. ${row.mutant.name}` : 'correct implementation';
    const heading = `${esc(name)}: caught by ${esc(oracleName(f.oracle))}, shrunk to ${f.shrunk.events} events, ${f.shrunk.steps} steps, ${f.shrunk.nodes} servers`;
    if (d) {
      diagrams.push(d);
      anchors.set(row, id);
      sections.push(diagramSection(d, heading, diagrams.length <= 3));
    } else {
      sections.push(
        `<details class="trace-diagram"><summary>${heading} (no trace to draw)</summary><pre>${esc(f.diagnosis.join('\n'))}</pre></details>`,
      );
    }
  });

  const correct = input.rows.find((r) => !r.mutant);
  const rows = input.rows.map((row) => {
    const f = row.failure;
    const s = status(row);
    const anchor = anchors.get(row);
    return [
      cell(row.mutant?.id ?? '-', row.mutant?.id ?? 999, 'num'),
      {
        html: anchor
          ? `<a href="#${anchor}">${esc(row.mutant?.name ?? 'correct implementation')}</a>`
          : esc(row.mutant?.name ?? 'correct implementation'),
        sort: row.mutant?.name ?? '~',
      },
      cell(s, s, s),
      cell(f ? oracleName(f.oracle) : '-'),
      cell(row.schedules.toLocaleString('en-US'), row.schedules, 'num'),
      cell(f ? f.shrunk.events : '-', f ? f.shrunk.events : -1, 'num'),
      cell(f ? f.shrunk.steps : '-', f ? f.shrunk.steps : -1, 'num'),
      cell(f ? f.shrunk.nodes : '-', f ? f.shrunk.nodes : -1, 'num'),
      cell(f ? (f.shrunk.minimal ? 'yes' : 'no') : '-'),
      cell(f ? (f.oracle === 'schema' ? 'n/a' : f.confirmedByTlc ? 'yes' : 'no') : '-'),
      cell(row.seconds.toFixed(1), row.seconds, 'num'),
      cell(row.mutant?.bug ?? (row.error ? row.error.split('\n')[0] : 'no bug injected')),
    ];
  });
  const allOk = input.rows.every((r) => r.ok);
  const body = [
    `<h1>Conformance audit</h1>`,
    `<p class="verdict-line ${allOk ? 'pass' : 'fail'}">${input.caught} of ${input.mutants} injected bugs caught; correct implementation ${correct?.ok ? `clean over ${correct.schedules.toLocaleString('en-US')} schedules` : 'FAILED'}.</p>`,
    `<dl class="summary"><dt>budget per mutant</dt><dd>${esc(input.budget)}</dd><dt>whole audit</dt><dd>${input.seconds.toFixed(0)} s</dd>`,
    `<dt>other reports</dt><dd>${input.reports.map((r) => `<code>${esc(r)}</code>`).join(', ')}</dd></dl>`,
    `<h2>Kill table</h2>`,
    `<p>Click a column's heading to sort; a mutant's name links to its shrunk counterexample. Schedules: how many the campaign ran until the bug showed (for the correct implementation, all it ran).</p>`,
    sortableTable(
      'kills',
      [
        '#',
        'mutant',
        'result',
        'caught by',
        'schedules',
        'shrunk events',
        'steps',
        'servers',
        '1-minimal',
        'TLC agrees',
        'time (s)',
        'bug',
      ],
      rows,
    ),
  ];
  if (sections.length > 0) {
    body.push(
      `<h2>Shrunk counterexamples</h2>`,
      `<p>One lane per server; time runs to the right. The event the oracle flagged is ringed in red.</p>`,
      ...sections,
    );
  }
  if (correct?.coverage)
    body.push(
      `<h2>Coverage of the correct implementation's ${correct.schedules.toLocaleString('en-US')} schedules</h2>`,
      coverageChart(correct.coverage),
    );
  return renderPage({
    title: `Conformance audit: ${input.caught} of ${input.mutants} caught`,
    body: body.join('\n'),
    diagrams,
  });
}
