// The HTML page of `make check`: the summary, every trace's verdict in a
// sortable table, and a space-time diagram of each rejected trace with the
// diagnosis beside its failing event.
import type { KeptCase } from '../check/trace-checker.js';
import type { Diagnosis, TraceVerdict } from '../verdict/diagnosis.js';
import { formatDiagnosis, show } from '../verdict/diagnosis.js';
import type { TraceEvent, TraceHeader } from '../raft/events.js';
import { cell, diagramSection, esc, renderPage, sortableTable } from './page.js';
import { DEFAULT_WINDOW, diagramOf, type DiagramData, type FailingEvent } from './space-time.js';

/** Events the diagrams of one page hold at most, all together: the page must still open quickly. */
export const MAX_PAGE_EVENTS = 100_000;

export interface CheckSummary {
  readonly tool: string;
  readonly traces: number;
  readonly events: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly errors: number;
  readonly tlcRuns: number;
  readonly seconds: number;
  readonly jsonReport: string;
}

export interface CheckPageInput {
  readonly summary: CheckSummary;
  readonly verdicts: readonly TraceVerdict[];
  /** Per verdict: seconds spent on the trace (schema check, and its share of TLC). */
  readonly seconds: readonly number[];
  readonly kept: readonly KeptCase[];
  /** Reads a rejected trace again for its diagram; null if it can no longer be read. */
  readonly readTrace: (file: string) => { header: TraceHeader; events: Iterable<TraceEvent> } | null;
  /** Events per diagram at most. */
  readonly window?: number;
}

/** What a diagnosis says at the top of its panel. */
export function failingTitle(d: Diagnosis): string {
  if (d.kind === 'unsafe') return `breaks ${d.brokenProperties.join(', ')}`;
  if (d.kind === 'disabled') return `${d.event.action} is not enabled in the spec here`;
  return `the spec allows ${d.event.action}, but not the state logged`;
}

/** The first thing a diagnosis names, short enough for a label on the diagram. */
export function calloutOf(d: Diagnosis): string {
  const more = (n: number) => (n > 1 ? ` (+${n - 1} more)` : '');
  if (d.kind === 'unsafe') return failingTitle(d);
  if (d.kind === 'disabled') {
    const c = d.falseConditions[0];
    return c ? `not enabled: ${c.condition}${more(d.falseConditions.length)}` : `${d.event.action} not enabled`;
  }
  const x = d.differences[0];
  return x ? `${x.path}: logged ${show(x.logged)}, spec ${show(x.spec)}${more(d.differences.length)}` : 'diverged';
}

export function failingOf(file: string, d: Diagnosis, rerun?: string): Omit<FailingEvent, 'index'> {
  return {
    title: failingTitle(d),
    callout: calloutOf(d),
    lines: formatDiagnosis(file, d),
    differences: d.differences,
    falseConditions: d.falseConditions,
    brokenProperties: d.brokenProperties,
    ...(rerun ? { rerun } : {}),
  };
}

function where(v: TraceVerdict): string {
  if (v.status === 'rejected') return `line ${v.diagnosis.line}: ${v.diagnosis.event.action} (${v.diagnosis.kind})`;
  if (v.status === 'error') return v.message.split('\n')[0]!;
  return '';
}

/** Who judged, in a few words: TLC, the in-process checker, or both. */
function judgeOf(tool: string): string {
  const tlc = tool.includes('TLC');
  const inProcess = tool.includes('in-process');
  return tlc && inProcess ? 'TLC and the in-process checker' : inProcess ? 'the in-process checker' : 'TLC';
}

export function checkReportHtml(input: CheckPageInput): string {
  const s = input.summary;
  const diagrams: DiagramData[] = [];
  /** The rejected verdict each diagram draws, by diagram id. */
  const drawn = new Map<string, Extract<TraceVerdict, { status: 'rejected' }>>();
  const omitted: string[] = [];
  let budget = MAX_PAGE_EVENTS;
  input.verdicts.forEach((v, k) => {
    if (v.status !== 'rejected') return;
    const trace = input.readTrace(v.file);
    const window = Math.min(input.window ?? DEFAULT_WINDOW, v.events);
    if (!trace || window > budget) {
      omitted.push(v.file);
      return;
    }
    const rerun = input.kept.find((c) => c.file === v.file)?.command;
    const d = diagramOf(trace.header, trace.events, v.events, {
      id: `trace-${k + 1}`,
      title: v.file,
      failingPosition: v.diagnosis.event.i - 1,
      failing: failingOf(v.file, v.diagnosis, rerun),
      window: input.window,
    });
    budget -= d.events.length;
    diagrams.push(d);
    drawn.set(d.id, v);
  });

  const allAccepted = s.accepted === s.traces;
  const verdictLine = allAccepted
    ? `<p class="verdict-line pass">All ${s.traces} trace(s) accepted by ${esc(judgeOf(s.tool))}.</p>`
    : `<p class="verdict-line fail">${s.rejected} rejected, ${s.errors} not checked, ${s.accepted} accepted, of ${s.traces} trace(s).</p>`;
  const rows = input.verdicts.map((v, k) => [
    cell(k + 1, k + 1, 'num'),
    { html: drawn.has(`trace-${k + 1}`) ? `<a href="#trace-${k + 1}">${esc(v.file)}</a>` : esc(v.file), sort: v.file },
    cell(v.status, v.status, v.status),
    cell(v.events.toLocaleString('en-US'), v.events, 'num'),
    cell((input.seconds[k] ?? 0).toFixed(2), input.seconds[k] ?? 0, 'num'),
    cell(where(v), where(v)),
  ]);
  const body = [
    `<h1>Trace validation by ${esc(judgeOf(s.tool))}</h1>`,
    verdictLine,
    `<dl class="summary">`,
    `<dt>checker</dt><dd>${esc(s.tool)}</dd>`,
    `<dt>traces</dt><dd>${s.traces}</dd>`,
    `<dt>events</dt><dd>${s.events.toLocaleString('en-US')}</dd>`,
    `<dt>accepted</dt><dd>${s.accepted}</dd>`,
    `<dt>rejected</dt><dd>${s.rejected}</dd>`,
    `<dt>not checked (errors)</dt><dd>${s.errors}</dd>`,
    `<dt>TLC runs</dt><dd>${s.tlcRuns}</dd>`,
    `<dt>time</dt><dd>${s.seconds.toFixed(1)} s</dd>`,
    `<dt>JSON report</dt><dd><code>${esc(s.jsonReport)}</code></dd>`,
    `</dl>`,
    `<h2>Traces</h2>`,
    `<p>Click a column's heading to sort. Time is the schema check plus the trace's share of the TLC runs that checked it (TLC runs in parallel, so the times can add up to more than the run's).</p>`,
    sortableTable('traces', ['#', 'trace', 'verdict', 'events', 'time (s)', 'where it left the spec'], rows),
  ];
  if (diagrams.length > 0 || omitted.length > 0) {
    body.push(`<h2>Rejected traces</h2>`);
    body.push(
      `<p>One lane per server; time runs to the right. The failing event is ringed in red, with the diagnosis below the diagram.</p>`,
    );
    diagrams.forEach((d, n) => {
      const v = drawn.get(d.id)!;
      body.push(
        diagramSection(
          d,
          `${esc(d.title)}: rejected at line ${v.diagnosis.line}, event ${v.diagnosis.event.i} (${esc(v.diagnosis.event.action)})`,
          n < 3,
        ),
      );
    });
    if (omitted.length > 0) {
      body.push(
        `<p class="warn">No diagram for ${omitted.length} more rejected trace(s), to keep this page small (${MAX_PAGE_EVENTS.toLocaleString('en-US')} events at most): their diagnoses are in the JSON report and the table above. Check them on their own to draw them: ${omitted
          .slice(0, 10)
          .map((f) => `<code>${esc(f)}</code>`)
          .join(', ')}${omitted.length > 10 ? ', …' : ''}</p>`,
      );
    }
  }
  const errors = input.verdicts.filter((v) => v.status === 'error');
  if (errors.length > 0) {
    body.push(
      `<h2>Traces not checked</h2>`,
      `<pre>${esc(errors.map((v) => (v as { message: string }).message).join('\n'))}</pre>`,
    );
  }
  return renderPage({
    title: `Trace validation: ${allAccepted ? 'all accepted' : `${s.rejected + s.errors} of ${s.traces} not accepted`}`,
    body: body.join('\n'),
    diagrams,
  });
}
