// Two timelines of a real cluster's run on one time axis (ms since the
// workload started, the clock of both the nemesis and the clients): what the
// nemesis did to each server and each link, and each client's operations from
// invoke to completion. Drawn here as inline SVG, so the page shows them
// without its script; each bar's <title> says what it was.
import type { Operation } from '../history/linearizability.js';
import { describeOperation } from '../history/linearizability.js';
import type { AppliedFault } from '../nemesis/nemesis.js';
import type { ServerId } from '../raft/types.js';
import { esc } from './page.js';

export interface Bar {
  readonly row: string;
  readonly from: number;
  /** Equal to `from` for a mark at one moment (a disk damage, an outcome). */
  readonly to: number;
  readonly kind: string;
  readonly label: string;
}

const link = ([a, b]: readonly [ServerId, ServerId]) => `${a}→${b}`;

/** Where each fault held: a server down (killed) or paused, a link cut or flaky; and the moments of disk faults and their outcomes. */
export function faultBars(applied: readonly AppliedFault[], servers: readonly ServerId[], endMs: number): Bar[] {
  const bars: Bar[] = [];
  const open = new Map<string, { from: number; kind: string; label: string }>();
  const close = (row: string, at: number) => {
    const o = open.get(row);
    if (o) bars.push({ row, from: o.from, to: Math.max(at, o.from), kind: o.kind, label: o.label });
    open.delete(row);
  };
  const closeLinks = (at: number) => {
    for (const row of [...open.keys()]) if (row.includes('→')) close(row, at);
  };
  for (const a of applied) {
    const s = a.server;
    if (a.kind === 'kill' && s) open.set(s, { from: a.at, kind: 'down', label: a.what });
    else if (a.kind === 'pause' && s) open.set(s, { from: a.at, kind: 'paused', label: a.what });
    else if ((a.kind === 'restart' || a.kind === 'resume') && s) close(s, a.at);
    else if (a.kind === 'outcome' && s && /^restarted /.test(a.what)) {
      close(s, a.at);
      bars.push({ row: s, from: a.at, to: a.at, kind: 'outcome', label: a.what });
    } else if (['disk', 'outcome', 'repair', 'failed', 'skipped'].includes(a.kind) && s)
      bars.push({ row: s, from: a.at, to: a.at, kind: a.kind === 'disk' ? 'disk' : a.kind, label: a.what });
    else if (a.kind === 'partition' || a.kind === 'flaky') {
      // Each undoes what the links had before (the proxy heals every link first).
      closeLinks(a.at);
      for (const l of a.links ?? [])
        open.set(link(l), { from: a.at, kind: a.kind === 'partition' ? 'cut' : 'flaky', label: a.what });
    } else if (a.kind === 'heal') closeLinks(a.at);
  }
  for (const row of [...open.keys()]) close(row, endMs);
  const rows = faultRows(servers);
  // Moments after spans, so that a disk fault's mark is drawn over the down time it starts.
  const moment = (b: Bar) => (b.from === b.to ? 1 : 0);
  return bars.filter((b) => rows.includes(b.row)).sort((a, b) => moment(a) - moment(b) || a.from - b.from);
}

/** The timeline's rows: each server, then each directed link. */
export function faultRows(servers: readonly ServerId[]): string[] {
  const links = servers.flatMap((a) => servers.filter((b) => b !== a).map((b) => link([a, b])));
  return [...servers, ...links];
}

/** Each client's operations as bars: answered (put or get) or without an answer (to the end of the run); the witness's are marked. */
export function operationBars(
  history: readonly Operation[],
  witness: ReadonlySet<Operation>,
  endMs: number,
): Array<Bar & { readonly witness: boolean }> {
  return history.map((op) => ({
    row: op.client,
    from: op.invoke,
    to: op.complete ?? endMs,
    kind: op.complete === null ? 'unknown' : op.kind,
    label: describeOperation(op),
    witness: witness.has(op),
  }));
}

const ROW = 16;
const LABEL = 70;
const WIDTH = 1100;

/** An SVG of rows of bars over [0, endMs], with a second-by-second axis. */
export function timelineSvg(
  id: string,
  rows: readonly string[],
  bars: ReadonlyArray<Bar & { readonly witness?: boolean }>,
  endMs: number,
): string {
  const span = Math.max(endMs, 1);
  const px = (ms: number) => LABEL + (Math.min(Math.max(ms, 0), span) / span) * (WIDTH - LABEL - 10);
  const height = 20 + rows.length * ROW;
  const y = (row: string) => 18 + rows.indexOf(row) * ROW;
  const step = span > 60_000 ? 10_000 : span > 20_000 ? 5000 : 1000;
  const parts: string[] = [];
  for (let t = 0; t <= span; t += step)
    parts.push(
      `<line class="tick" x1="${px(t)}" x2="${px(t)}" y1="14" y2="${height}"/><text class="tick-label" x="${px(t)}" y="10">${t / 1000} s</text>`,
    );
  rows.forEach((r, k) => {
    parts.push(
      `<text class="row-label" x="${LABEL - 6}" y="${y(r) + 11}">${esc(r)}</text>${k % 2 ? '' : `<rect class="row-band" x="${LABEL}" y="${y(r)}" width="${WIDTH - LABEL}" height="${ROW}"/>`}`,
    );
  });
  for (const b of bars) {
    const x = px(b.from);
    const classes = `bar ${b.kind}${b.witness ? ' witness' : ''}`;
    const shape =
      b.to === b.from
        ? `<path class="${classes} mark" d="M ${x} ${y(b.row) + 2} l 4 6 l -4 6 l -4 -6 z"`
        : `<rect class="${classes}" x="${x}" y="${y(b.row) + 3}" width="${Math.max(px(b.to) - x, 2)}" height="${ROW - 6}"`;
    parts.push(
      `${shape} data-row="${esc(b.row)}" data-from="${b.from}" data-to="${b.to}"><title>${esc(`${(b.from / 1000).toFixed(3)} s: ${b.label}`)}</title>${b.to === b.from ? '</path>' : '</rect>'}`,
    );
  }
  return `<svg class="timeline" id="${esc(id)}" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${esc(id)}">${parts.join('')}</svg>`;
}
