// The HTML page of a real cluster's run (make cluster-check, and each run of
// the cluster audit), report.html beside its report.json: the verdict and
// every oracle's, a timeline of what the nemesis did to each server and link,
// the merged trace as a space-time diagram (opened at the failing event when
// TLC or the merge rejected it), and each client's operations on the same
// time axis, with the operations no order explains marked.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkLinearizability, type Operation } from '../history/linearizability.js';
import type { ClusterCheckReport } from '../nemesis/run.js';
import { describeAvailability } from '../nemesis/availability.js';
import type { TraceEvent, TraceHeader } from '../raft/events.js';
import { validateTraceFile, validateTraceText } from '../trace/validate.js';
import { writeFileAtomic } from '../files/writes.js';
import { ORACLES, oracleName, type ClusterOracle, type OracleId } from '../verdict/oracles.js';
import { failingOf } from './check-report.js';
import { cell, diagramSection, esc, renderPage, sortableTable } from './page.js';
import { diagramOf, type DiagramData } from './space-time.js';
import { faultBars, faultRows, operationBars, timelineSvg } from './timelines.js';

interface ReadTrace {
  readonly file: string;
  readonly header: TraceHeader;
  readonly events: Iterable<TraceEvent>;
  readonly total: number;
}

/** Where the merge stopped in one file: the event it could not place, or the line that is not a valid event. */
interface MergeStop {
  /** Line of the file (the header is line 1). */
  readonly line: number;
  /** Position (from 0) of the event to ring: the one at `line`, or, when that line is invalid, the last valid one before it. */
  readonly position: number;
  /** The line at fault is not a valid event: the trace drawn is the valid part before it. */
  readonly invalid: boolean;
  readonly message: string;
}

export interface ClusterPageInput {
  readonly report: ClusterCheckReport;
  readonly history: readonly Operation[];
  /** The merged trace; null when the merge failed. */
  readonly merged: ReadTrace | null;
  /** When the merge stopped at an event of one file: that file, and the event's position (from 0) in it. */
  readonly mergeStop: (ReadTrace & MergeStop) | null;
  /** Events per diagram at most. */
  readonly window?: number;
}

/** The oracles that judge a real cluster's run, from the one table of oracles. */
const CLUSTER_ORACLES = (Object.keys(ORACLES) as OracleId[]).filter((id): id is ClusterOracle =>
  (ORACLES[id].by as readonly string[]).includes('cluster'),
);

/** What an oracle that found nothing saw, in a few words. */
function passedDetail(o: ClusterOracle, r: ClusterCheckReport): string {
  const m = r.messages;
  const diskFaults = r.faults.applied.filter((a) => a.kind === 'disk').length;
  const detail: Record<ClusterOracle, string> = {
    server: 'every server ran until the run stopped it',
    disk: `${diskFaults} disk fault(s); every restart recovered what the log promised, or refused to start`,
    nemesis: `${r.faults.applied.length} fault actions, as scheduled`,
    messages: `${m.delivered} delivered to live servers, ${m.consumed} consumed, ${m.excused} excused, none lost`,
    merge: `${r.traces.events} events from ${r.traces.files.length} traces, ${r.traces.unreceived} messages never received`,
    tlc:
      r.tlc.verdict === 'accepted'
        ? `accepted the merged trace (${r.traces.events} events)`
        : r.traces.merged
          ? `not run`
          : 'not run: there is no merged trace to check',
    linearizability: `${r.linearizability.operations} operations on ${r.linearizability.keys.length} key(s): linearizable`,
  };
  return detail[o];
}

function oracleTable(r: ClusterCheckReport): string {
  const rows = CLUSTER_ORACLES.map((o) => {
    const found = r.findings.filter((f) => f.oracle === o);
    const verdict = found.length ? 'failed' : o === 'tlc' && r.tlc.verdict === 'not run' ? 'not run' : 'passed';
    const detail = found.length ? found.map((f) => f.what).join('\n') : passedDetail(o, r);
    return [
      { ...cell(oracleName(o), o), html: `<span data-oracle="${o}">${esc(oracleName(o))}</span>` },
      cell(verdict, verdict, verdict === 'failed' ? 'failed' : verdict === 'passed' ? 'clean' : ''),
      cell(detail, detail),
    ];
  });
  return sortableTable('oracles', ['oracle', 'verdict', 'what it saw'], rows);
}

function summary(r: ClusterCheckReport): string {
  const row = (k: string, v: string) => `<dt>${esc(k)}</dt><dd>${v}</dd>`;
  const w = r.workload;
  return [
    '<dl class="summary">',
    row('servers', `${r.servers}, seed ${r.seed}, ${r.seconds} s of faults and client load`),
    row(
      'storage',
      `${r.storage.fsync ? 'fsync on' : 'fsync OFF'}; ${r.storage.loseUnsynced ? 'a SIGKILL loses unsynced writes' : 'the real file system'}`,
    ),
    row(
      'faults',
      `${r.faults.planned} planned, ${r.faults.applied.length} actions (<code>${esc(r.faults.file)}</code>)`,
    ),
    row(
      'clients',
      `${w.clients} clients on ${w.keys} keys: ${w.ok} answered, ${w.indefinite} without an answer, ${w.failed} failed`,
    ),
    row(
      'network proxy',
      `${r.proxy.forwarded} forwarded, ${r.proxy.dropped} dropped by faults, ${r.proxy.duplicated} duplicated, ${r.proxy.undeliverable} undeliverable`,
    ),
    ...describeAvailability(r.availability).map((line, k) => row(k === 0 ? 'availability' : '', esc(line))),
    row('merged trace', r.traces.merged ? `<code>${esc(r.traces.merged)}</code>, ${r.traces.events} events` : 'none'),
    row('time', `${(r.wallMs / 1000).toFixed(1)} s`),
    row('rerun', `<code>${esc(r.rerun)}</code>`),
    '</dl>',
  ].join('\n');
}

function verdictLine(r: ClusterCheckReport): string {
  if (r.verdict === 'passed') return '<p class="verdict-line pass">PASSED: no oracle found anything.</p>';
  if (r.verdict === 'inconclusive') return `<p class="verdict-line warn">INCONCLUSIVE: ${esc(r.inconclusive)}</p>`;
  const by = [...new Set(r.findings.map((f) => oracleName(f.oracle)))].join(', ');
  return `<p class="verdict-line fail">FAILED: ${r.findings.length} finding(s), by ${esc(by)}.</p>`;
}

function findingsHtml(r: ClusterCheckReport): string {
  if (r.findings.length === 0) return '';
  const text = r.findings.map((f) =>
    [`[${oracleName(f.oracle)}] ${f.what}`, ...f.lines.map((l) => `  ${l}`)].join('\n'),
  );
  return `<h2>Findings</h2><pre class="findings">${esc(text.join('\n\n'))}</pre>`;
}

/** The space-time diagram: the merged trace, or the trace the merge stopped in. */
function diagramOfRun(input: ClusterPageInput): { data: DiagramData; heading: string } | null {
  const { merged, mergeStop, report } = input;
  if (merged) {
    const d = report.tlc.diagnosis;
    const data = diagramOf(merged.header, merged.events, merged.total, {
      id: 'merged',
      title: merged.file,
      ...(d ? { failingPosition: d.event.i - 1, failing: failingOf(merged.file, d) } : {}),
      ...(input.window ? { window: input.window } : {}),
    });
    const heading = d
      ? `${esc(merged.file)}: TLC rejected event ${d.event.i} (${esc(d.event.action)})`
      : `${esc(merged.file)}: ${merged.total} events, ${report.tlc.verdict === 'accepted' ? 'accepted by TLC' : `TLC ${esc(report.tlc.verdict)}`}`;
    return { data, heading };
  }
  if (!mergeStop) return null;
  const data = diagramOf(mergeStop.header, mergeStop.events, mergeStop.total, {
    id: 'merge-stop',
    title: mergeStop.file,
    failingPosition: mergeStop.position,
    failing: {
      title: mergeStop.invalid
        ? `the merge stopped at line ${mergeStop.line}, the next line, which is not a valid event`
        : 'the merge cannot place this event',
      callout: mergeStop.invalid
        ? `line ${mergeStop.line} after this is not a valid event`
        : 'its message was sent in no trace, or the order is a cycle',
      lines: [mergeStop.message],
    },
    ...(input.window ? { window: input.window } : {}),
  });
  return {
    data,
    heading: `${esc(mergeStop.file)}: the merge stopped at line ${mergeStop.line} (this one process's trace${mergeStop.invalid ? `, up to the line before` : ''}: the other lanes show only what it received)`,
  };
}

function witnessOf(history: readonly Operation[], linearizable: boolean): Set<Operation> {
  if (linearizable) return new Set();
  return new Set(checkLinearizability(history).keys.flatMap((k) => k.witness ?? []));
}

const FAULT_LEGEND = `<div class="legend timeline-legend"><span><i class="swatch down"></i>killed (down)</span><span><i class="swatch paused"></i>paused (SIGSTOP)</span><span><i class="swatch cut"></i>link cut</span><span><i class="swatch flaky"></i>link flaky (drops, duplicates, delays)</span><span><i class="swatch disk"></i>disk fault</span><span><i class="swatch outcome"></i>restart or its outcome</span><span>hover a bar for what it was</span></div>`;
const CLIENT_LEGEND = `<div class="legend timeline-legend"><span><i class="swatch put"></i>put, answered</span><span><i class="swatch get"></i>get, answered</span><span><i class="swatch unknown"></i>no answer (may or may not have taken effect)</span><span><i class="swatch witness"></i>in the non-linearizable witness</span><span><i class="swatch unavailable"></i>no client got an answer for 1 s or more</span></div>`;

const NO_ANSWER = 'no answer';

/** The stretches in which the clients asked and got no answer, as bars on a row of their own. */
function unavailableBars(r: ClusterCheckReport) {
  return r.availability.unavailable.windows.map((w) => ({
    row: NO_ANSWER,
    from: w.from,
    to: w.to,
    kind: 'unavailable',
    label: `no client got an answer for ${((w.to - w.from) / 1000).toFixed(1)} s`,
  }));
}

export function clusterReportHtml(input: ClusterPageInput): string {
  const r = input.report;
  const endMs = r.seconds * 1000;
  const servers = Array.from({ length: r.servers }, (_, k) => `n${k + 1}`);
  const witness = witnessOf(input.history, r.linearizability.verdict === 'linearizable');
  const clients = [...new Set(input.history.map((o) => o.client))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const diagram = diagramOfRun(input);
  const body = [
    `<h1>Cluster check: ${r.servers} servers, seed ${r.seed}</h1>`,
    verdictLine(r),
    summary(r),
    '<h2>Oracles</h2>',
    oracleTable(r),
    findingsHtml(r),
    '<h2>Faults</h2>',
    '<p>What the nemesis did, per server and per directed link, in seconds since the client load began.</p>',
    FAULT_LEGEND,
    timelineSvg('fault-timeline', faultRows(servers), faultBars(r.faults.applied, servers, endMs), endMs),
    '<h2>Merged trace</h2>',
    diagram ? diagramSection(diagram.data, diagram.heading, true) : '<p>No trace to draw: the servers wrote none.</p>',
    '<h2>Clients</h2>',
    `<p>Each client's operations from invoke to completion, on the same time axis. ${r.linearizability.verdict === 'linearizable' ? 'The history is linearizable.' : `The history is <span class="fail">not linearizable</span>: the ${witness.size} operations marked below cannot be put in any order.`}</p>`,
    CLIENT_LEGEND,
    timelineSvg(
      'client-timeline',
      [...clients, NO_ANSWER],
      [...operationBars(input.history, witness, endMs), ...unavailableBars(r)],
      endMs,
    ),
    witness.size ? `<pre class="witness">${esc(r.linearizability.witness.join('\n'))}</pre>` : '',
    '<h2>Fault log</h2>',
    sortableTable(
      'fault-log',
      ['at (s)', 'action', 'what'],
      r.faults.applied.map((a) => [
        cell((a.at / 1000).toFixed(3), a.at, 'num'),
        cell(a.kind, a.kind),
        cell(a.what, a.what),
      ]),
    ),
  ];
  return renderPage({
    title: `Cluster check: ${r.verdict}`,
    body: body.join('\n'),
    diagrams: diagram ? [diagram.data] : [],
  });
}

/** A trace file as the page reads it, or null when it cannot be read. */
function readTrace(file: string, headerOnlyOk = false): ReadTrace | null {
  if (!existsSync(file)) return null;
  const v = validateTraceFile(file, undefined, headerOnlyOk);
  return v.ok ? { file, header: v.trace.header, events: v.trace.events, total: v.trace.eventCount } : null;
}

/**
 * Where the merge stopped, with that file's trace: the first FILE:LINE its
 * finding names ("FILE:LINE: event 35 ... receives message ..., whose send is
 * in none of the files", or for a cycle "...: FILE:LINE waits for ...").
 */
function mergeStopOf(r: ClusterCheckReport): ClusterPageInput['mergeStop'] {
  const finding = r.findings.find((f) => f.oracle === 'merge');
  const at = finding && /(\S+\.ndjson):(\d+)/.exec(finding.what);
  if (!finding || !at) return null;
  const [file, line] = [at[1]!, Number(at[2])];
  const whole = readTrace(file, true);
  if (whole) return { ...whole, line, position: line - 2, invalid: false, message: finding.what };
  // The file itself is at fault at that line (a restart that recovered entries its events never wrote): its valid part.
  const before = validPart(file, line);
  return before && before.total > 0
    ? { ...before, line, position: before.total - 1, invalid: true, message: finding.what }
    : null;
}

/** The trace of the lines of `file` before `line`, or null if even those are not a valid trace. */
function validPart(file: string, line: number): ReadTrace | null {
  if (!existsSync(file) || line < 2) return null;
  const text =
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(0, line - 1)
      .join('\n') + '\n';
  const v = validateTraceText(file, text);
  return v.ok ? { file, header: v.trace.header, events: v.trace.events, total: v.trace.eventCount } : null;
}

/** The page of the run in `dir`, from the files the run wrote there and its report. */
export function clusterReportPage(dir: string, report: ClusterCheckReport, window?: number): string {
  const historyFile = join(dir, 'history.json');
  const history = existsSync(historyFile) ? (JSON.parse(readFileSync(historyFile, 'utf8')) as Operation[]) : [];
  const merged = report.traces.merged ? readTrace(report.traces.merged) : null;
  return clusterReportHtml({
    report,
    history,
    merged,
    mergeStop: merged ? null : mergeStopOf(report),
    ...(window ? { window } : {}),
  });
}

/** Writes the run's page, report.html, beside its report.json; returns its path. */
export function writeClusterReportPage(report: ClusterCheckReport): string {
  const file = join(report.dir, 'report.html');
  writeFileAtomic(file, clusterReportPage(report.dir, report));
  return file;
}

/** One row of the cluster audit's page: a mutant (or the correct servers) and what its runs showed. */
export interface ClusterAuditRow {
  readonly label: string;
  /** Whether a mutant's row; the correct servers' otherwise. */
  readonly isMutant: boolean;
  readonly ok: boolean;
  readonly caughtBy: readonly ClusterOracle[];
  readonly caughtIn: number;
  readonly runs: number;
  readonly seconds: number;
  readonly first: string | null;
  /** The run folder whose page tells the catch (or the last run), if any. */
  readonly dir: string | null;
}

/** The cluster audit's page (DIR/cluster-audit.html): each mutant's verdict, with a link to the page of the run that caught it. */
export function clusterAuditHtml(out: string, rows: readonly ClusterAuditRow[], repeats: number): string {
  const caught = rows.filter((r) => r.isMutant && r.ok).length;
  const mutants = rows.filter((r) => r.isMutant).length;
  const correct = rows.find((r) => !r.isMutant);
  const table = rows.map((r) => {
    const verdict = r.isMutant ? (r.ok ? 'caught' : 'escaped') : r.ok ? 'clean' : 'failed';
    const by = r.caughtBy.map((o) => oracleName(o)).join(' + ');
    const page = r.dir ? relative(out, join(r.dir, 'report.html')) : null;
    return [
      cell(r.label, r.label),
      cell(verdict, verdict, verdict),
      cell(r.isMutant && r.ok ? `${by} (${r.caughtIn}/${repeats})` : '', by),
      cell(r.runs, r.runs, 'num'),
      cell(r.seconds, r.seconds, 'num'),
      {
        html: page ? `<a href="${esc(page)}">${esc(r.first ?? 'the run')}</a>` : esc(r.first ?? ''),
        sort: r.first ?? '',
      },
    ];
  });
  const ok = caught === mutants && (correct?.ok ?? true);
  const body = [
    '<h1>Audit on real clusters</h1>',
    `<p class="verdict-line ${ok ? 'pass' : 'fail'}">${caught} of ${mutants} mutant(s) caught; the correct servers ${correct ? (correct.ok ? `passed ${correct.runs} run(s)` : 'FAILED') : 'were not run'}.</p>`,
    '<p>Each row links to the page of the run that caught the mutant (or of its last run): its faults, merged trace and clients.</p>',
    sortableTable(
      'cluster-audit',
      ['mutant', 'verdict', 'caught by (runs of its seed)', 'runs', 'time (s)', 'first finding'],
      table,
    ),
  ];
  return renderPage({
    title: `Audit on real clusters: ${caught} of ${mutants} caught`,
    body: body.join('\n'),
    diagrams: [],
  });
}
