// Decides, in this process, whether a trace is a behaviour of spec/Raft.tla,
// as spec/RaftTrace.tla does under TLC: each event performs the spec action
// it names with its parameters (raft-spec.ts), the acting server's logged
// post-state and the messages it sent and consumed must be the spec's, and
// the state after it must satisfy the spec's safety properties. The verdict
// and the diagnosis have the same shape as TLC's (trace-checker.ts), so that
// the two can be compared event for event.
//
// TLC stays the judge: `make check` uses TLC only, and the audit uses this
// checker to screen schedules and to shrink, and confirms with TLC. It walks
// a trace once, from Init, with no chunks: RaftTrace's chunk starts are
// states rebuilt from the events before them, which are this walk's states
// whenever those events were accepted.
import type { Entry, Message, ServerId, ServerState } from '../raft/types.js';
import { recordsTimers, traceGuards, type TracedState, type TraceEvent } from '../raft/events.js';
import { CONSUMING_ACTIONS, messageKey } from '../trace/replay.js';
import { TraceReadError } from '../trace/validate.js';
import {
  applyStep,
  guards,
  initialSpecState,
  lastIndex,
  logAfter,
  brokenBy,
  restartsElectionTimer,
  sameLog,
  stepKind,
  sameMessage,
  SpecEvalError,
  specStep,
  type LogDelta,
  type SpecPost,
  type SpecServer,
  type SpecState,
  type SpecStepResult,
} from './raft-spec.js';
import { clusterProblem, DEFAULT_CLUSTER_SIZES, type TraceInput } from './trace-checker.js';
import { describeEvent, diagnosisOf, type Finding, type TraceVerdict } from '../verdict/diagnosis.js';

export interface InProcessOptions {
  /** Cluster sizes the checker accepts (as TLC's checker: its configured models). */
  readonly clusterSizes?: readonly number[];
}

/** A server's variables as a trace records them (the whole log), for a diagnosis. */
function asServerState(s: SpecServer | SpecPost, log: readonly Entry[]): ServerState {
  return {
    term: s.term,
    role: s.role,
    votedFor: s.votedFor,
    log,
    commitIndex: s.commitIndex,
    votesResponded: [...s.votesResponded].sort(),
    votesGranted: [...s.votesGranted].sort(),
    nextIndex: { ...s.nextIndex },
    matchIndex: { ...s.matchIndex },
    ...(s.leaderSeen ? { leaderSeen: true } : {}),
    ...(s.activePeers.size > 0 ? { activePeers: [...s.activePeers].sort() } : {}),
    ...(s.snapshotIndex > 0 ? { snapshotIndex: s.snapshotIndex } : {}),
    ...(s.snapshotTerm > 0 ? { snapshotTerm: s.snapshotTerm } : {}),
  };
}

function loggedState(s: TracedState, log: readonly Entry[]): ServerState {
  const { logLength: _, ...rest } = s;
  return { ...rest, log };
}

/** A set equals a logged array taken as a set (RaftTrace compares the sets TLC makes of them). */
function sameSet(a: ReadonlySet<string>, b: readonly string[]): boolean {
  for (const x of b) if (!a.has(x)) return false;
  for (const x of a) if (!b.includes(x)) return false;
  return true;
}

function sameMap(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  let n = 0;
  for (const k in a) {
    if (!(k in b) || a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** PostState(i) = LoggedPost(e): the spec's post-state of the acting server is the logged one. */
function samePost(
  pre: SpecServer,
  spec: SpecPost,
  logged: Extract<TraceEvent, { state: unknown }>,
  loggedLog: LogDelta,
): boolean {
  const l = logged.state;
  return (
    spec.term === l.term &&
    spec.role === l.role &&
    spec.votedFor === l.votedFor &&
    spec.commitIndex === l.commitIndex &&
    sameSet(spec.votesResponded, l.votesResponded) &&
    sameSet(spec.votesGranted, l.votesGranted) &&
    sameMap(spec.nextIndex, l.nextIndex) &&
    sameMap(spec.matchIndex, l.matchIndex) &&
    // The guards' variables: absent from a run without the guard, as false and empty.
    spec.leaderSeen === (l.leaderSeen ?? false) &&
    sameSet(spec.activePeers, l.activePeers ?? []) &&
    // The snapshot: absent from a run without snapshots, as index and term 0.
    spec.snapshotIndex === (l.snapshotIndex ?? 0) &&
    spec.snapshotTerm === (l.snapshotTerm ?? 0) &&
    sameLog(pre, spec.log, spec.snapshotIndex, loggedLog, l.snapshotIndex ?? 0)
  );
}

/**
 * messages' = LoggedMessages(e): the bag changes as the implementation
 * logged it. Both start from the same bag, so the bags after are equal
 * exactly when the same messages were added and the same removed. (Each
 * side adds at most one message and removes at most one; a step that would
 * add and remove the same one leaves the bag as it was.)
 */
function sameBagChange(e: TraceEvent, sent: readonly Message[], taken: readonly Message[]): boolean {
  let loggedSent = e.action === 'DuplicateMessage' ? e.msg : 'send' in e ? e.send : undefined;
  let loggedTaken = e.action !== 'DuplicateMessage' && e.msg && CONSUMING_ACTIONS.has(e.action) ? e.msg : undefined;
  if (loggedSent && loggedTaken && sameMessage(loggedSent, loggedTaken)) loggedSent = loggedTaken = undefined;
  let specSent = sent[0];
  let specTaken = taken[0];
  if (specSent && specTaken && sameMessage(specSent, specTaken)) specSent = specTaken = undefined;
  return sameOptional(loggedSent, specSent) && sameOptional(loggedTaken, specTaken);
}

function sameOptional(a: Message | undefined, b: Message | undefined): boolean {
  return a === undefined || b === undefined ? a === b : sameMessage(a, b);
}

/**
 * What is wrong with the step `r` the spec takes for event e (RaftTrace's
 * Advance failing), or null when it matches: a post-state or messages other
 * than the logged ones, a logged state that breaks a safety property, or an
 * election-timer restart (where the trace records them) against the rule.
 */
function judgeStep(state: SpecState, e: TraceEvent, r: SpecStepResult, timers: boolean): Finding | null {
  const server = 'node' in e ? state.server.get(e.node) : undefined;
  const logged = 'state' in e ? e : null;
  const loggedLog: LogDelta | null =
    logged && server ? (logged.logChange ?? { keep: lastIndex(server), append: [] }) : null;
  const specTimer = () => (timers && logged ? { specTimer: restartsElectionTimer(state, e, logged.send) } : {});
  const postMatches = !logged || !server || !r.post || samePost(server, r.post, logged, loggedLog!);
  if (!postMatches || !sameBagChange(e, r.sent, r.taken)) {
    return {
      kind: 'diverged',
      loggedPost:
        logged && server
          ? loggedState(logged.state, logAfter(server, loggedLog!, logged.state.snapshotIndex ?? 0))
          : null,
      specPost:
        logged && server && r.post ? asServerState(r.post, logAfter(server, r.post.log, r.post.snapshotIndex)) : null,
      sent: r.sent,
      taken: r.taken,
      ...specTimer(),
    };
  }
  if (server && r.post && loggedLog) {
    const after: SpecServer = { ...r.post, log: server.log };
    const broken = brokenBy(state, (e as { node: ServerId }).node, after, loggedLog, r, r.restart, stepKind(e));
    if (broken.length > 0) return { kind: 'unsafe', properties: broken };
  }
  const timer = specTimer();
  if (timer.specTimer !== undefined && timer.specTimer !== (logged!.timer === true))
    return { kind: 'diverged', loggedPost: null, specPost: null, sent: r.sent, taken: r.taken, ...timer };
  return null;
}

/** The verdict on one trace; never throws for a trace's content. */
export function checkTraceInProcess(trace: TraceInput, options: InProcessOptions = {}): TraceVerdict {
  const file = trace.file;
  const sizes = options.clusterSizes ?? DEFAULT_CLUSTER_SIZES;
  const problem = clusterProblem(trace.header, sizes);
  const maxEntries = trace.header.params.maxEntriesPerMessage as number;
  const state: SpecState = initialSpecState(trace.header.nodes, traceGuards(trace.header));
  const timers = recordsTimers(trace.header);
  let events = 0;
  const count = () => trace.eventCount ?? (Array.isArray(trace.events) ? trace.events.length : events);
  if (Array.isArray(trace.events) && trace.events.length === 0)
    return { file, events: 0, status: 'error', message: `${file}: the trace has no events` };
  if (problem) return { file, events: count(), status: 'error', message: `${file}: ${problem}` };
  const rejected = (e: TraceEvent, line: number, f: Finding): TraceVerdict => ({
    file,
    events: count(),
    status: 'rejected',
    diagnosis: diagnosisOf(e, line, f),
  });
  try {
    for (const e of trace.events) {
      events++;
      const line = events + 1;
      try {
        // (Keyed through the cache: a simulated run's receive reads the very
        // object its send logged, and the run's own replay keyed it already.)
        const msgKey = e.msg ? messageKey(e.msg) : undefined;
        const r = specStep(state, e, maxEntries, msgKey);
        if (!r) return rejected(e, line, { kind: 'disabled', guards: guards(state, e) });
        const finding = judgeStep(state, e, r, timers);
        if (finding) return rejected(e, line, finding);
        // The messages matched: the one taken is e.msg, the one sent is the logged one.
        const loggedSend = 'send' in e ? e.send : undefined;
        const sentKey =
          r.sent.length === 0
            ? undefined
            : e.action === 'DuplicateMessage'
              ? msgKey
              : messageKey(loggedSend ?? r.sent[0]!);
        applyStep(state, 'node' in e ? e.node : undefined, r.post, r, msgKey, sentKey);
      } catch (err) {
        if (err instanceof SpecEvalError) {
          return {
            file,
            events: count(),
            status: 'error',
            message: `${file}:${line}: the spec could not be evaluated on ${describeEvent(e)}: ${err.message}`,
          };
        }
        throw err;
      }
    }
  } catch (err) {
    if (err instanceof TraceReadError) return { file, events: count(), status: 'error', message: err.message };
    throw err;
  }
  if (events === 0) return { file, events: 0, status: 'error', message: `${file}: the trace has no events` };
  return { file, events: count(), status: 'accepted' };
}
