// What a check of a trace against the spec concluded, and how it is told:
// a trace's verdict, the diagnosis of the event that decided it (the variables
// that differ, the enabling conditions that are false, the safety properties
// broken), and the lines a user reads. Both spec checkers (TLC's and the
// in-process one) report through this room, and the reports, the audit and
// the nemesis read verdicts from it, so none of them needs a checker to name
// one.
import type { Message, ServerId, ServerState } from '../raft/types.js';
import type { TraceEvent } from '../raft/events.js';
import { messageKey } from '../trace/replay.js';

export interface Difference {
  /** A spec variable path such as `votedFor[n2]`, or `sent message`. */
  readonly path: string;
  readonly logged: unknown;
  /** What the spec's action produces from the previous state. */
  readonly spec: unknown;
}

export interface FalseCondition {
  readonly condition: string;
  readonly values: ReadonlyArray<readonly [string, unknown]>;
}

export interface Diagnosis {
  /** Line of the NDJSON file holding the event (the header is line 1). */
  readonly line: number;
  readonly event: TraceEvent;
  /**
   * The action was enabled but led elsewhere, was not enabled at all, or led
   * to the logged state, which breaks a safety property of the spec.
   */
  readonly kind: 'diverged' | 'disabled' | 'unsafe';
  readonly differences: readonly Difference[];
  readonly falseConditions: readonly FalseCondition[];
  /** For `unsafe`: the properties of Raft.tla the state after the event breaks. */
  readonly brokenProperties: readonly string[];
}

export type TraceVerdict =
  | { readonly file: string; readonly events: number; readonly status: 'accepted' }
  | { readonly file: string; readonly events: number; readonly status: 'rejected'; readonly diagnosis: Diagnosis }
  /** `message` is a whole line, starting with the file. */
  | { readonly file: string; readonly events: number; readonly status: 'error'; readonly message: string };

/** An enabling condition of a spec action: its text, whether it holds, and the values it reads. */
export type Guard = readonly [string, boolean, ReadonlyArray<readonly [string, unknown]>];

/**
 * What a checker found at a rejected event, in the spec's terms: the safety
 * properties the logged state breaks; the action's enabling conditions; or
 * the acting server's post-state and the messages sent and taken by the
 * spec's step, to compare with the logged ones. Both checkers (TLC's and the
 * in-process one) report through this, so that their diagnoses read alike.
 */
export type Finding =
  | { readonly kind: 'unsafe'; readonly properties: readonly string[] }
  | { readonly kind: 'disabled'; readonly guards: readonly Guard[] }
  | {
      readonly kind: 'diverged';
      /** The acting server's whole post-state as logged, and as the spec's step makes it (null for the network's events). */
      readonly loggedPost: ServerState | null;
      readonly specPost: ServerState | null;
      readonly sent: readonly Message[];
      readonly taken: readonly Message[];
      /** Whether the spec's step restarts the election countdown, where the trace records it (format version 3 on). */
      readonly specTimer?: boolean;
    };

/** The path of the difference in whether a step restarted its server's election countdown. */
export const TIMER_PATH = 'election timer restarted';

/** Fields in the order the implementation logs them, so that both sides of a diff read alike. */
const FIELD_ORDER = [
  'type',
  'source',
  'dest',
  'term',
  'lastLogTerm',
  'lastLogIndex',
  'voteGranted',
  'prevLogIndex',
  'prevLogTerm',
  'entries',
  'commitIndex',
  'success',
  'matchIndex',
  'value',
];

function inLoggedOrder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(inLoggedOrder);
  if (v !== null && typeof v === 'object') {
    const rank = (k: string) => (FIELD_ORDER.includes(k) ? FIELD_ORDER.indexOf(k) : FIELD_ORDER.length);
    const keys = Object.keys(v).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
    return Object.fromEntries(keys.map((k) => [k, inLoggedOrder((v as Record<string, unknown>)[k])]));
  }
  return v;
}

const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

function stateDifferences(node: ServerId, logged: ServerState, spec: ServerState): Difference[] {
  const diffs: Difference[] = [];
  const scalar: Array<[keyof ServerState, string]> = [
    ['term', 'currentTerm'],
    ['role', 'role'],
    ['votedFor', 'votedFor'],
    ['log', 'log'],
    ['commitIndex', 'commitIndex'],
  ];
  for (const [field, variable] of scalar) {
    if (!same(logged[field], spec[field]))
      diffs.push({ path: `${variable}[${node}]`, logged: logged[field], spec: inLoggedOrder(spec[field]) });
  }
  for (const field of ['votesResponded', 'votesGranted'] as const) {
    const l = [...logged[field]].sort();
    if (!same(l, spec[field])) diffs.push({ path: `${field}[${node}]`, logged: l, spec: spec[field] });
  }
  for (const field of ['nextIndex', 'matchIndex'] as const) {
    const peers = [...new Set([...Object.keys(logged[field]), ...Object.keys(spec[field])])].sort();
    for (const p of peers) {
      if (logged[field][p] !== spec[field][p])
        diffs.push({ path: `${field}[${node}][${p}]`, logged: logged[field][p], spec: spec[field][p] });
    }
  }
  // The guards' variables, false and empty where a run had the guard off.
  const seen = (s: ServerState) => s.leaderSeen ?? false;
  if (seen(logged) !== seen(spec)) diffs.push({ path: `leaderSeen[${node}]`, logged: seen(logged), spec: seen(spec) });
  const active = (s: ServerState) => [...(s.activePeers ?? [])].sort();
  if (!same(active(logged), active(spec)))
    diffs.push({ path: `activePeers[${node}]`, logged: active(logged), spec: active(spec) });
  // The snapshot, index and term 0 where a run had snapshots off.
  for (const field of ['snapshotIndex', 'snapshotTerm'] as const) {
    const l = logged[field] ?? 0;
    const s = spec[field] ?? 0;
    if (l !== s) diffs.push({ path: `${field}[${node}]`, logged: l, spec: s });
  }
  return diffs;
}

export function diagnosisOf(event: TraceEvent, line: number, f: Finding): Diagnosis {
  const none = { differences: [], falseConditions: [], brokenProperties: [] };
  if (f.kind === 'unsafe') return { ...none, line, event, kind: 'unsafe', brokenProperties: [...f.properties].sort() };
  if (f.kind === 'disabled') {
    return {
      ...none,
      line,
      event,
      kind: 'disabled',
      falseConditions: f.guards
        .filter((g) => g[1] === false)
        .map((g) => ({ condition: g[0], values: g[2].map(([n, x]) => [n, x] as const) })),
    };
  }
  const differences: Difference[] = [];
  if ('state' in event && f.loggedPost && f.specPost)
    differences.push(...stateDifferences(event.node, f.loggedPost, f.specPost));
  const loggedSent: Message[] =
    event.action === 'DuplicateMessage' ? [event.msg] : 'send' in event && event.send ? [event.send] : [];
  const key = (ms: readonly Message[]) =>
    ms
      .map((m) => messageKey(canonical(m) as Message))
      .sort()
      .join('|');
  if (key(loggedSent) !== key(f.sent)) {
    const spec = f.sent.length === 1 ? f.sent[0] : f.sent.length === 0 ? null : f.sent;
    differences.push({ path: 'sent message', logged: loggedSent[0] ?? null, spec: inLoggedOrder(spec) });
  }
  const consumed = event.msg && !['UpdateTerm', 'DuplicateMessage'].includes(event.action) ? [event.msg] : [];
  if (key(consumed) !== key(f.taken)) {
    differences.push({
      path: 'consumed message',
      logged: consumed[0] ?? null,
      spec: inLoggedOrder(f.taken[0] ?? null),
    });
  }
  if (f.specTimer !== undefined && 'state' in event && f.specTimer !== (event.timer === true))
    differences.push({ path: `${TIMER_PATH} [${event.node}]`, logged: event.timer === true, spec: f.specTimer });
  return { ...none, line, event, kind: 'diverged', differences };
}

/** Why a step should (or should not) restart the countdown, in the user's terms. */
function timerCause(e: TraceEvent, restarted: boolean): string {
  const who = 'node' in e ? e.node : 'the server';
  if (restarted)
    return `  likely cause: ${who} restarted its election countdown on ${e.action}, but Raft restarts it only on starting an election (or a pre-vote round), granting a vote, hearing AppendEntries from its own term's leader, or a leader's CheckQuorum tick: restarted too often, a server may never stand for election once its leader is gone${e.action === 'HandlePreVoteRequest' ? ' (a pre-vote granted promises nothing: the voter must stay free to stand itself)' : ''}`;
  const what =
    e.action === 'Timeout'
      ? 'as its election timer fired'
      : e.action === 'StartElection'
        ? 'as it started the election its pre-votes won'
        : e.action === 'CheckQuorum'
          ? 'at its CheckQuorum tick: its next check would come early or never'
          : e.action === 'HandleRequestVoteRequest'
            ? 'when it granted its vote'
            : "on AppendEntries from its own term's leader";
  return `  likely cause: ${who} did not restart its election countdown ${what}: it will time out and start an election while a leader (or the candidate it voted for) is alive`;
}

/** A value as a diagnosis prints it. */
export const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

export function describeEvent(e: TraceEvent): string {
  const params: string[] = [];
  if ('node' in e) params.push(e.node);
  if ('peer' in e && e.peer !== undefined && !e.msg) params.push(e.peer);
  if ('value' in e && e.value !== undefined) params.push(JSON.stringify(e.value));
  if ('index' in e && e.index !== undefined) params.push(String(e.index));
  if (e.msg) params.push(`m = ${JSON.stringify(e.msg)}`);
  return `${e.action}(${params.join(', ')})`;
}

const actor = (e: TraceEvent) => ('node' in e ? e.node : 'the server');

/** What breaking each of the guards' properties means, in the user's terms. */
const GUARD_CAUSES: Readonly<Record<string, (e: TraceEvent) => string>> = {
  TermsStoodFor: (e) =>
    `${actor(e)} holds a term no server stood for election in: a pre-vote raised a term, so a server cut off from the cluster can still depose its leader when it returns`,
  PreVoteKeepsTermAndVote: (e) =>
    `${actor(e)} changed its term or its vote on a pre-vote (${e.action}): a pre-vote must change neither`,
  PreVoteOnlyWithoutLeader: (e) =>
    `${actor(e)} granted a pre-vote while it was leader or had heard from its leader since its timer fired: a server returning from a partition can depose a healthy leader`,
  LeaderKeepsQuorum: (e) =>
    `${actor(e)}'s CheckQuorum kept it leader without a majority heard since the last check, or did not count afresh`,
  SnapshotsCommitted: (e) =>
    `${actor(e)}'s snapshot covers entries it has not committed: it ends beyond its commitIndex, or at an entry no leader committed with the snapshot's term`,
  SnapshotTermsInOrder: (e) =>
    `${actor(e)}'s snapshot records a term beyond the server's own or beyond the first entry after it: terms move back through the snapshot`,
  SnapshotsOnlyAdvance: (e) =>
    `${actor(e)}'s snapshot moved back: an older snapshot replaced a newer one, undoing entries its state machine had applied`,
};

/** A snapshot step that went another way than the spec's (or was not allowed), in the user's terms. */
function snapshotCause(d: Diagnosis): string | null {
  const e = d.event;
  if (!('state' in e)) return null;
  const who = e.node;
  const differs = (variable: string) => d.differences.find((x) => x.path.startsWith(`${variable}[`));
  const snapshot = e.state.snapshotIndex ?? 0;
  if (e.action === 'TakeSnapshot') {
    if (d.falseConditions.some((c) => c.condition.startsWith('n is committed')))
      return `${who} took a snapshot of entries it had not committed (up to ${e.index}, its commitIndex ${e.state.commitIndex}): a snapshot must cover committed entries only`;
    const term = differs('snapshotTerm');
    if (term)
      return `${who}'s snapshot records term ${show(term.logged)} for its last entry ${e.index}, which has term ${show(term.spec)}`;
  }
  if (e.action === 'HandleInstallSnapshotRequest' && e.msg?.type === 'InstallSnapshotRequest') {
    const n = e.msg.lastIncludedIndex;
    const index = differs('snapshotIndex');
    if (index && index.spec !== n)
      return `${who} installed a snapshot ending at ${n}, at or below what it had committed: installing it moves its state machine back; Raft acknowledges such a snapshot and keeps its state`;
    if (differs('commitIndex'))
      return `${who} installed a snapshot up to ${n} but left its commitIndex elsewhere: a snapshot holds committed entries, so its index becomes the commitIndex`;
    if (differs('log'))
      return `${who}'s log after installing the snapshot up to ${n} is not what the thesis's Figure 5.3 leaves: keep the entries after ${n} only if the log holds entry ${n} with the snapshot's term (${e.msg.lastIncludedTerm}), and discard the whole log otherwise`;
  }
  if (e.action === 'HandleAppendEntriesRequest' && e.msg?.type === 'AppendEntriesRequest' && differs('log')) {
    if (e.msg.prevLogIndex < snapshot)
      return `${who} stored the entries of an AppendEntries whose previous entry (${e.msg.prevLogIndex}) lies inside its snapshot (up to ${snapshot}) at the wrong indexes: those up to ${snapshot} are the snapshot's, and only the rest go after it, each at its own index`;
  }
  if (e.action === 'Restart' && snapshot > 0 && differs('commitIndex'))
    return `${who} restarted with commitIndex ${e.state.commitIndex}, but its snapshot covers the entries up to ${snapshot}: a restart resumes from the snapshot, so its commits do too`;
  return null;
}

/** A guard's step that went another way than the spec's, in the user's terms. */
function guardDivergence(d: Diagnosis): string | null {
  const e = d.event;
  const who = actor(e);
  const sent = d.differences.find((x) => x.path === 'sent message');
  if (e.action === 'HandlePreVoteRequest' && sent) {
    const granted = (sent.logged as { voteGranted?: boolean } | null)?.voteGranted === true;
    return `${who} ${granted ? 'granted' : 'refused'} a pre-vote the spec ${granted ? 'refuses' : 'grants'}: a yes needs a term beyond the voter's, a log at least as up to date, a voter that is no leader and has not heard from a leader since its timer fired`;
  }
  if (e.action === 'CheckQuorum' && d.differences.some((x) => x.path.startsWith('role[')))
    return `${who}'s check ${'state' in e && e.state.role === 'Leader' ? 'kept it leader' : 'stepped it down'} against the count of peers that answered since the last check (activePeers, itself included)`;
  if (e.action === 'Timeout' && d.differences.some((x) => x.path.startsWith('currentTerm[')))
    return `${who}'s election timer changed its term: with PreVote a timeout only asks for pre-votes, and only StartElection raises the term`;
  return null;
}

/** The diagnosis as lines a user can act on without reading TLC output. */
export function formatDiagnosis(file: string, d: Diagnosis): string[] {
  if (d.kind === 'unsafe') {
    return [
      `${file}:${d.line}: event ${d.event.i} breaks ${d.brokenProperties.join(', ')}: ${describeEvent(d.event)}`,
      '  the spec allows the step and the state the implementation logged, but that state violates the safety',
      `  propert${d.brokenProperties.length === 1 ? 'y' : 'ies'} ${d.brokenProperties.join(', ')} of spec/Raft.tla (checked with the elections and commits of the whole run)`,
      ...d.brokenProperties.flatMap((p) => (GUARD_CAUSES[p] ? [`  likely cause: ${GUARD_CAUSES[p](d.event)}`] : [])),
      ...(d.event.origin ? [`  the event came from ${d.event.origin}`] : []),
    ];
  }
  const lines = [`${file}:${d.line}: event ${d.event.i} is not a step of the spec: ${describeEvent(d.event)}`];
  if (d.kind === 'disabled') {
    lines.push(`  the spec does not allow ${d.event.action} here:`);
    for (const c of d.falseConditions) {
      const values = c.values.map(([n, x]) => `${n} = ${show(x)}`).join(', ');
      lines.push(`    false: ${c.condition}${values ? ` (${values})` : ''}`);
    }
    if (d.falseConditions.length === 0)
      lines.push('    (every listed condition holds; the action itself has no successor)');
    const snapshot = snapshotCause(d);
    if (snapshot) lines.push(`  likely cause: ${snapshot}`);
  } else {
    lines.push('  the spec allows the step, but not the state the implementation logged:');
    for (const x of d.differences) lines.push(`    ${x.path}: implementation ${show(x.logged)}, spec ${show(x.spec)}`);
    if (d.differences.length === 0) lines.push('    (no difference found in the logged variables)');
    const timer = d.differences.find((x) => x.path.startsWith(TIMER_PATH));
    if (timer) lines.push(timerCause(d.event, timer.logged === true));
    const guard = guardDivergence(d) ?? snapshotCause(d);
    if (guard) lines.push(`  likely cause: ${guard}`);
  }
  if ('send' in d.event && d.event.send && d.kind === 'disabled')
    lines.push(`  the implementation also sent ${JSON.stringify(d.event.send)}`);
  if (d.event.origin) lines.push(`  the event came from ${d.event.origin}`);
  return lines;
}
