// What the reports are built from, without a browser: messages paired from
// send to receipt (copies, drops and messages still in flight included), the
// window a long trace is drawn in, pages that cannot be broken by what a trace
// holds, and the ITF export, checked against the ITF schema and the state the
// trace implies.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/verdict/diagnosis.js';
import { itfPieces, ITF_VARS } from '../../src/trace/itf.js';
import { renderPage } from '../../src/report/page.js';
import { checkReportHtml } from '../../src/report/check-report.js';
import { diagramOf, pairMessages, windowOf } from '../../src/report/space-time.js';
import type { TraceEvent } from '../../src/raft/events.js';
import { applyEvent, CONSUMING_ACTIONS, messageKey, startReplay } from '../../src/trace/replay.js';
import { validateTraceFile } from '../../src/trace/validate.js';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';

const fixtures = (JSON.parse(readFileSync('traces/fixtures/manifest.json', 'utf8')) as Array<{ file: string }>).map(
  (m) => `traces/fixtures/${m.file}`,
);
const uniqueFixtures = [...new Set(fixtures)];

/** Simulated runs with drops, duplicates and restarts: the schedules' seeds picked for all three. */
function faultyRuns() {
  const runs = [];
  for (let seed = 1; runs.length < 6 && seed < 200; seed++) {
    const r = runSchedule(generateSchedule(seed));
    const actions = new Set(r.recorded.map((e) => e.action));
    if (actions.has('DropMessage') && actions.has('DuplicateMessage') && actions.has('Restart')) runs.push(r);
  }
  return runs;
}

describe('messages from send to receipt', () => {
  const rv = {
    type: 'RequestVoteRequest',
    source: 'n1',
    dest: 'n2',
    term: 1,
    lastLogTerm: 0,
    lastLogIndex: 0,
  } as const;
  const other = { ...rv, dest: 'n3' } as const;
  const ev = (i: number, e: object) => ({ i, ...e }) as unknown as TraceEvent;

  it('gives a sent message, its copy, a drop and one still in flight each their arrow', () => {
    const events = [
      ev(1, { action: 'RequestVote', node: 'n1', send: rv }),
      ev(2, { action: 'RequestVote', node: 'n1', send: other }),
      ev(3, { action: 'DuplicateMessage', msg: rv }),
      ev(4, { action: 'HandleRequestVoteRequest', node: 'n2', msg: rv }),
      ev(5, { action: 'DropMessage', msg: rv }),
      ev(6, { action: 'RequestVote', node: 'n1', send: rv }),
    ];
    const arrows = pairMessages(events);
    expect(arrows).toEqual([
      { from: 0, to: 3, source: 'n1', dest: 'n2', type: 'RequestVoteRequest', fate: 'delivered' },
      { from: 0, to: 4, source: 'n1', dest: 'n2', type: 'RequestVoteRequest', fate: 'dropped', via: 2 },
      { from: 1, to: -1, source: 'n1', dest: 'n3', type: 'RequestVoteRequest', fate: 'in-flight' },
      { from: 5, to: -1, source: 'n1', dest: 'n2', type: 'RequestVoteRequest', fate: 'in-flight' },
    ]);
  });

  it('pairs by message id where the trace has ids (a real cluster), whatever the fields', () => {
    const events = [
      ev(1, { action: 'RequestVote', node: 'n1', send: rv, sendId: 'n1:1:1' }),
      ev(2, { action: 'RequestVote', node: 'n1', send: rv, sendId: 'n1:1:2' }),
      ev(3, { action: 'HandleRequestVoteRequest', node: 'n2', msg: rv, msgId: 'n1:1:2' }),
    ];
    expect(pairMessages(events).map((a) => [a.from, a.to, a.fate])).toEqual([
      [1, 2, 'delivered'],
      [0, -1, 'in-flight'],
    ]);
  });

  it('on simulated runs with faults: every message taken has one arrow from a send of the same message, and the ones left are the bag at the end', () => {
    const runs = faultyRuns();
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const fates = new Set<string>();
    for (const r of runs) {
      const arrows = pairMessages(r.recorded);
      const taken = r.recorded.flatMap((e, k) => (e.msg && CONSUMING_ACTIONS.has(e.action) ? [k] : []));
      expect(arrows.filter((a) => a.to >= 0).map((a) => a.to)).toEqual(taken);
      for (const a of arrows) {
        if (a.to < 0 || a.from < 0) continue;
        const sent =
          a.fate === 'duplicate' || (a.fate === 'dropped' && a.via !== undefined)
            ? r.recorded[a.via!]!.msg!
            : (r.recorded[a.from] as unknown as { send: never }).send;
        expect(messageKey(sent)).toBe(messageKey(r.recorded[a.to]!.msg!));
        expect(a.from).toBeLessThan(a.to);
      }
      const replay = startReplay(r.header.nodes);
      for (const e of r.recorded) applyEvent(replay, e);
      const inFlight = [...replay.state.bag.values()].reduce((n, s) => n + s.copies, 0);
      expect(arrows.filter((a) => a.fate === 'in-flight').length).toBe(inFlight);
      for (const a of arrows) fates.add(a.fate);
    }
    expect([...fates].sort()).toEqual(['delivered', 'dropped', 'duplicate', 'in-flight']);
  });
});

describe('the window of a long trace', () => {
  it('is the whole trace when it fits, else ends a tenth of the window after the failing event', () => {
    expect(windowOf(50, 100, 10)).toEqual({ first: 0, end: 50 });
    expect(windowOf(10_000, 1000, 5000)).toEqual({ first: 4101, end: 5101 });
    expect(windowOf(10_000, 1000, 9_995)).toEqual({ first: 9000, end: 10_000 });
    expect(windowOf(10_000, 1000, 3)).toEqual({ first: 0, end: 104 });
    expect(windowOf(10_000, 1000, undefined)).toEqual({ first: 9000, end: 10_000 });
  });

  it('starts from the state the events before it imply', () => {
    const r = faultyRuns()[0]!;
    const failingPosition = r.recorded.length - 5;
    const d = diagramOf(r.header, r.recorded, r.recorded.length, {
      id: 'x',
      title: 't',
      failingPosition,
      failing: { title: 'f', lines: [] },
      window: 40,
    });
    expect(d.events.length).toBe(40);
    expect(d.failing!.index).toBe(failingPosition - (r.recorded.length - 40));
    const first = r.recorded.indexOf(d.events[0]!);
    const replay = startReplay(r.header.nodes);
    for (const e of r.recorded.slice(0, first)) applyEvent(replay, e);
    for (const id of r.header.nodes) {
      expect(d.start[id]!.state).toEqual(replay.state.servers[id]!.state);
      expect(d.start[id]!.log.length).toBe(replay.state.servers[id]!.log.length);
    }
    expect(d.startMessages.reduce((n, m) => n + m.copies, 0)).toBe(
      [...replay.state.bag.values()].reduce((n, s) => n + s.copies, 0),
    );
    expect(d.windowNote).toBe(
      `Showing events ${first + 1} to ${first + 40} of ${r.recorded.length}: the diagram starts from the state rebuilt after event ${first}.`,
    );
  });
});

describe('a page', () => {
  it('stays one page whatever a trace holds: a client value cannot close its script or inject markup', () => {
    const evil = '</script><script>alert(1)</script><b>';
    const events = [
      {
        i: 1,
        action: 'Timeout',
        node: 'n1',
        state: {
          term: 1,
          role: 'Candidate',
          votedFor: 'n1',
          logLength: 0,
          commitIndex: 0,
          votesResponded: ['n1'],
          votesGranted: ['n1'],
          nextIndex: { n2: 1, n3: 1 },
          matchIndex: { n2: 0, n3: 0 },
        },
      },
      {
        i: 2,
        action: 'ClientRequest',
        node: 'n1',
        value: evil,
        logChange: { keep: 0, append: [{ term: 1, value: evil }] },
        state: {
          term: 1,
          role: 'Candidate',
          votedFor: 'n1',
          logLength: 1,
          commitIndex: 0,
          votesResponded: ['n1'],
          votesGranted: ['n1'],
          nextIndex: { n2: 1, n3: 1 },
          matchIndex: { n2: 0, n3: 0 },
        },
      },
    ] as unknown as TraceEvent[];
    const header = { format: 'raft-tla-trace', version: 2, nodes: ['n1', 'n2', 'n3'], seed: 1, params: {} } as const;
    const d = diagramOf(header, events, 2, {
      id: 'd',
      title: evil,
      failingPosition: 1,
      failing: { title: evil, lines: [evil] },
    });
    const html = renderPage({ title: evil, body: `<p>${'safe'}</p>`, diagrams: [d] });
    expect(html.split('</script>').length - 1).toBe(2);
    expect(html).not.toContain('<b>');
    const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!;
    expect(JSON.parse(json).diagrams.d.events[1].value).toBe(evil);
  });
});

describe('the check page', () => {
  it('lists a trace that could not be checked with its message, and says which rejected traces it could not draw', () => {
    const v = validateTraceFile('traces/fixtures/rejected-two-votes-one-term.ndjson');
    if (!v.ok) throw new Error('fixture invalid');
    const events = [...v.trace.events];
    const event = events[8]!;
    const diagnosis = {
      line: 10,
      event,
      kind: 'diverged' as const,
      differences: [{ path: 'votedFor[n3]', logged: 'n2', spec: 'n1' }],
      falseConditions: [],
      brokenProperties: [],
    };
    const html = checkReportHtml({
      summary: {
        tool: 'TLC',
        traces: 3,
        events: 44,
        accepted: 0,
        rejected: 2,
        errors: 1,
        tlcRuns: 1,
        seconds: 1,
        jsonReport: 'r.json',
      },
      verdicts: [
        { file: 'a.ndjson', events: 22, status: 'rejected', diagnosis },
        { file: 'gone.ndjson', events: 22, status: 'rejected', diagnosis },
        { file: 'bad.ndjson', events: 0, status: 'error', message: 'bad.ndjson:3: state.term: must be integer <here>' },
      ],
      seconds: [0.5, 0.5, 0],
      kept: [],
      readTrace: (file) => (file === 'a.ndjson' ? { header: v.trace.header, events } : null),
    });
    expect(html).toContain('2 rejected, 1 not checked, 0 accepted, of 3 trace(s).');
    expect(html).toContain('bad.ndjson:3: state.term: must be integer &lt;here&gt;');
    expect(html).toContain('No diagram for 1 more rejected trace(s)');
    expect(html).toContain('<code>gone.ndjson</code>');
    expect((html.match(/<details class="trace-diagram"/g) ?? []).length).toBe(1);
    expect(html).toContain('<a href="#trace-1">a.ndjson</a>');
  });
});

describe('ITF export', () => {
  const schema = JSON.parse(readFileSync('src/trace/itf.schema.json', 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const itfOf = (file: string, header: Parameters<typeof itfPieces>[0]['header'], events: Iterable<TraceEvent>) =>
    [...itfPieces({ file, header, events }, describeEvent)].join('');

  const traces = () => {
    const out: Array<{ file: string; header: Parameters<typeof itfPieces>[0]['header']; events: TraceEvent[] }> = [];
    for (const file of uniqueFixtures) {
      const v = validateTraceFile(file);
      if (!v.ok) throw new Error(`${file} is invalid`);
      out.push({ file, header: v.trace.header, events: [...v.trace.events] });
    }
    for (const r of faultyRuns().slice(0, 2))
      out.push({ file: `seed-${r.header.seed}`, header: r.header, events: [...r.recorded] });
    const five = runSchedule(generateSchedule(3, { clusterSizes: [5] }));
    out.push({ file: 'five-servers', header: five.header, events: [...five.recorded] });
    return out;
  };

  it('writes traces the ITF schema accepts, one state per event after Init, whose variables are the state the trace implies', () => {
    for (const t of traces()) {
      const text = itfOf(t.file, t.header, t.events);
      const itf = JSON.parse(text);
      expect(validate(itf), `${t.file}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
      expect(itf.vars).toEqual(ITF_VARS);
      expect(itf.states.length).toBe(t.events.length + 1);
      expect(itf.states[0]['#meta']).toEqual({ index: 0, action: 'Init' });
      const replay = startReplay(t.header.nodes);
      const int = (v: unknown) => Number((v as { '#bigint': string })['#bigint']);
      const byServer = (m: unknown): Record<string, unknown> =>
        Object.fromEntries((m as { '#map': Array<[string, unknown]> })['#map']);
      t.events.forEach((e, k) => {
        applyEvent(replay, e);
        const s = itf.states[k + 1];
        expect(s['#meta']).toEqual({ index: k + 1, action: describeEvent(e), origin: `${t.file}:${k + 2}` });
        if (k % 7 !== 0 && k !== t.events.length - 1) return;
        for (const id of t.header.nodes) {
          const mine = replay.state.servers[id]!;
          expect(int(byServer(s.currentTerm)[id]), `${t.file} event ${e.i} ${id}`).toBe(mine.state.term);
          expect(byServer(s.votedFor)[id]).toBe(mine.state.votedFor ?? 'Nil');
          expect(byServer(s.role)[id]).toBe(mine.state.role);
          expect(
            (byServer(s.log)[id] as Array<{ term: { '#bigint': string }; value: string }>).map((x) => [
              int(x.term),
              x.value,
            ]),
          ).toEqual(mine.log.entries.slice(0, mine.log.length).map((x) => [x.term, x.value]));
          expect(int(byServer(byServer(s.matchIndex)[id])[t.header.nodes.find((p) => p !== id)!])).toBe(
            mine.state.matchIndex[t.header.nodes.find((p) => p !== id)!],
          );
        }
        const copies = (s.messages['#map'] as Array<[unknown, { '#bigint': string }]>).reduce(
          (n, [, c]) => n + int(c),
          0,
        );
        expect(copies).toBe([...replay.state.bag.values()].reduce((n, x) => n + x.copies, 0));
      });
      // The histories as the spec keeps them: every election won, every commit with its term.
      const last = itf.states.at(-1);
      const leaders = new Set(
        t.events
          .filter((e) => e.action === 'BecomeLeader')
          .map((e) => `${(e as { state: { term: number } }).state.term}:${(e as { node: string }).node}`),
      );
      expect(last.elected['#set'].length).toBe(leaders.size);
      if (t.events.some((e) => e.action === 'AdvanceCommitIndex'))
        expect(last.committed['#set'].length).toBeGreaterThan(0);
      // The same trace gives the same bytes.
      expect(itfOf(t.file, t.header, t.events)).toBe(text);
    }
  });

  it('the schema has teeth: a plain number for an integer, a missing variable or a stray field is refused', () => {
    const t = traces()[0]!;
    const itf = JSON.parse(itfOf(t.file, t.header, t.events));
    const broken = (f: (x: typeof itf) => void) => {
      const copy = structuredClone(itf);
      f(copy);
      return validate(copy);
    };
    expect(broken(() => {})).toBe(true);
    expect(broken((x) => (x.states[1].currentTerm['#map'][0][1] = 1))).toBe(false);
    expect(broken((x) => delete x.states[2].messages)).toBe(false);
    expect(broken((x) => (x.states[1].role['#map'][0][1] = 'King'))).toBe(false);
    expect(broken((x) => (x.states[1].extra = true))).toBe(false);
    expect(broken((x) => (x['#meta'].format = 'JSON'))).toBe(false);
    // Readers such as the itf crate take only strings beside the fields ADR-015 names.
    expect(broken((x) => (x['#meta'].servers = ['n1', 'n2', 'n3']))).toBe(false);
    expect(broken((x) => (x.states[1]['#meta'].event = 1))).toBe(false);
  });
});
