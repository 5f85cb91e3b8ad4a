// Schedules: the list of choices the adversary makes (which message to
// deliver, drop or duplicate, when time passes, partitions and one-way link
// failures, crashes, traps that strike in narrow windows, client requests
// from clients that know the leader or only think they do), as plain data
// that fast-check generates and shrinks. Every
// reference is relative (a pick modulo what is in flight, a node index modulo
// the cluster size), so any schedule runs on any cluster and a shrunk schedule
// still means something.
import fc from 'fast-check';
import { Cluster, DEFAULT_TIMING, UnloggedStep, type ClientTarget, type Timing } from './cluster.js';
import { DRAWN_WINDOWS, FAULT_WINDOWS, type FaultWindow } from './fault-windows.js';
import { InvariantViolation, type InvariantName } from './invariants.js';
import { TickTally, type SimAvailability } from './availability.js';
import { NoProgress, probeLeader, requireProgress, type ProgressReport } from './progress.js';
import { GuardWatch, StrandedLeader, strandedLimit } from './guard-watch.js';
import type { TraceEvent, TraceHeader } from '../raft/events.js';
import type { Guards, ServerId } from '../raft/types.js';
import type { TraceFileWriter } from '../trace/recorder.js';
import type { SimOracle } from '../verdict/oracles.js';
import { HarnessError } from '../errors/harness-error.js';

export type Step =
  | { readonly kind: 'tick' }
  | { readonly kind: 'deliver'; readonly pick: number }
  | { readonly kind: 'drop'; readonly pick: number }
  | { readonly kind: 'duplicate'; readonly pick: number }
  /** Servers whose bit is set in `mask` on one side, the rest on the other. */
  | { readonly kind: 'partition'; readonly mask: number }
  | { readonly kind: 'heal' }
  | { readonly kind: 'crash'; readonly node: number }
  /** Restarts one of the crashed servers, `pick` modulo their number. */
  | { readonly kind: 'restart'; readonly pick: number }
  | { readonly kind: 'client'; readonly key: number }
  /** A client with stale leader information: see Cluster.staleClientRequest. */
  | { readonly kind: 'staleClient'; readonly key: number; readonly pick: number }
  /** Several client requests in a row. */
  | { readonly kind: 'burst'; readonly key: number; readonly count: number }
  /** Fires one server's election timeout early. */
  | { readonly kind: 'timeout'; readonly node: number }
  /** Fires two servers' election timeouts back to back: racing elections. */
  | { readonly kind: 'race'; readonly node: number; readonly other: number }
  /** Cuts the current leader (if any) off from everyone else. */
  | { readonly kind: 'isolateLeader' }
  /** Crashes the current leader (if any). */
  | { readonly kind: 'crashLeader' }
  /** Arms a trap: server `node` crashes right after it next opens FAULT_WINDOWS[window]. */
  | { readonly kind: 'crashOn'; readonly node: number; readonly window: number }
  /** Arms a trap: server `node` is cut off from the rest right after it next opens FAULT_WINDOWS[window]. */
  | { readonly kind: 'isolateOn'; readonly node: number; readonly window: number }
  /** A one-way link failure: `other` no longer hears `node` (node still hears other). */
  | { readonly kind: 'cutLink'; readonly node: number; readonly other: number }
  /**
   * Cuts the first server by id that does not lead off from everyone: the
   * availability attacks' own step (src/sim/attacks.ts), never drawn.
   */
  | { readonly kind: 'isolateFollower' }
  /**
   * The progress phase's own steps, never drawn: every fault
   * ended (partitions mended, crashed servers restarted, traps disarmed),
   * and its fresh client request to the sole leader. A failure inside the
   * progress phase is replayed as the schedule followed by what the phase
   * did (RunResult.progressSteps), which the audit then shrinks.
   */
  | { readonly kind: 'calm' }
  | { readonly kind: 'probe' };

export type StepKind = Step['kind'];

export interface Schedule {
  readonly nodes: number;
  readonly seed: number;
  readonly steps: readonly Step[];
  /** PreVote and CheckQuorum for the run's servers; absent, both off (a schedule without it replays as it always did). */
  readonly guards?: Guards;
  /** The schedule's own clock (the attacks' runs: src/sim/attacks.ts), over the run's; absent, the run's. */
  readonly timing?: Timing;
  /** The most entries one AppendEntries carries; absent, MAX_ENTRIES_PER_MESSAGE (as every schedule before it ran). */
  readonly maxEntriesPerMessage?: number;
  /** The snapshot policy (ClusterConfig.snapshotEvery); absent, no snapshots (as every schedule before it ran). */
  readonly snapshotEvery?: number;
}

/** The step kinds schedules are drawn from (the progress phase's own, calm and probe, and the attacks' isolateFollower never are). */
export type DrawnStepKind = Exclude<StepKind, 'calm' | 'probe' | 'isolateFollower'>;

export type StepWeights = Readonly<Record<DrawnStepKind, number>>;

/** Mostly deliveries and time, with faults sprinkled in; all tunable. */
export const DEFAULT_WEIGHTS: StepWeights = {
  tick: 20,
  deliver: 60,
  drop: 4,
  duplicate: 3,
  partition: 1,
  heal: 2,
  crash: 1,
  restart: 3,
  client: 8,
  burst: 2,
  timeout: 1,
  race: 1,
  isolateLeader: 1,
  crashLeader: 1,
  staleClient: 6,
  crashOn: 2,
  isolateOn: 1,
  cutLink: 1,
};

/**
 * A calm mix, for long runs whose entries mostly commit (a snapshot covers
 * only committed entries): deliveries, time and clients, a rare loss or
 * duplicate, no crash, restart, partition or forced election. (A leader
 * deposed every few hundred ticks, with logs thousands of entries apart,
 * never brings a follower back: nextIndex backs off one entry per round
 * trip, and a new term starts it over.)
 */
export const CALM_WEIGHTS: Partial<StepWeights> = {
  drop: 1,
  timeout: 0,
  partition: 0,
  crash: 0,
  restart: 0,
  race: 0,
  isolateLeader: 0,
  crashLeader: 0,
  crashOn: 0,
  isolateOn: 0,
  cutLink: 0,
};

export interface ScheduleOptions {
  readonly clusterSizes?: readonly number[];
  /** The guards every drawn schedule runs with (not drawn: the same for all). */
  readonly guards?: Guards;
  /** The entries per AppendEntries every drawn schedule runs with (not drawn); absent, the default. */
  readonly maxEntriesPerMessage?: number;
  /** The snapshot policy every drawn schedule runs with (not drawn); absent, no snapshots. */
  readonly snapshotEvery?: number;
  readonly minSteps?: number;
  readonly maxSteps?: number;
  readonly weights?: Partial<StepWeights>;
}

const KEYS = 4;

function stepArbitrary(kind: DrawnStepKind): fc.Arbitrary<Step> {
  const pick = fc.nat({ max: 1023 });
  const node = fc.nat({ max: 4 });
  switch (kind) {
    case 'tick':
    case 'heal':
    case 'isolateLeader':
    case 'crashLeader':
      return fc.constant({ kind });
    case 'burst':
      return fc
        .record({ key: fc.nat({ max: KEYS - 1 }), count: fc.integer({ min: 2, max: 5 }) })
        .map((r) => ({ kind, ...r }));
    case 'race':
      return fc.record({ node: node, other: node }).map((r) => ({ kind, ...r }));
    case 'deliver':
    case 'drop':
    case 'duplicate':
      return pick.map((p) => ({ kind, pick: p }));
    case 'restart':
      return pick.map((p) => ({ kind, pick: p }));
    case 'partition':
      return fc.nat({ max: 31 }).map((mask) => ({ kind, mask }));
    case 'crash':
    case 'timeout':
      return node.map((n) => ({ kind, node: n }));
    case 'client':
      return fc.nat({ max: KEYS - 1 }).map((key) => ({ kind, key }));
    case 'staleClient':
      return fc.record({ key: fc.nat({ max: KEYS - 1 }), pick: fc.nat({ max: 15 }) }).map((r) => ({ kind, ...r }));
    case 'crashOn':
    case 'isolateOn':
      return fc.record({ node, window: fc.nat({ max: DRAWN_WINDOWS - 1 }) }).map((r) => ({ kind, ...r }));
    case 'cutLink':
      return fc.record({ node, other: node }).map((r) => ({ kind, ...r }));
  }
}

export function resolvedOptions(options: ScheduleOptions = {}) {
  return {
    clusterSizes: options.clusterSizes ?? [3, 5],
    minSteps: options.minSteps ?? 150,
    maxSteps: options.maxSteps ?? 400,
    weights: { ...DEFAULT_WEIGHTS, ...options.weights },
  };
}

export function scheduleArbitrary(options: ScheduleOptions = {}): fc.Arbitrary<Schedule> {
  const o = resolvedOptions(options);
  const kinds = (Object.keys(o.weights) as DrawnStepKind[]).filter((k) => o.weights[k] > 0);
  if (kinds.length === 0) throw new Error('every step weight is zero');
  const step = fc.oneof(...kinds.map((k) => ({ arbitrary: stepArbitrary(k), weight: o.weights[k] })));
  return fc.record({
    nodes: fc.constantFrom(...o.clusterSizes),
    seed: fc.nat({ max: 0x7fffffff }),
    steps: fc.array(step, { minLength: o.minSteps, maxLength: o.maxSteps, size: 'max' }),
  });
}

/** The schedule fast-check draws for `seed`: one seed names one schedule. */
export function generateSchedule(seed: number, options: ScheduleOptions = {}): Schedule {
  const [drawn] = fc.sample(scheduleArbitrary(options), { seed, numRuns: 1 });
  const m = options.maxEntriesPerMessage;
  const every = options.snapshotEvery;
  return withGuards(
    {
      ...drawn!,
      seed,
      ...(m === undefined ? {} : { maxEntriesPerMessage: m }),
      ...(every ? { snapshotEvery: every } : {}),
    },
    options.guards,
  );
}

/** The schedule with the guards on, or as it is when none is on. */
export function withGuards(schedule: Schedule, guards: Guards | undefined): Schedule {
  const { guards: _, ...plain } = schedule;
  return guards && (guards.preVote || guards.checkQuorum) ? { ...plain, guards } : plain;
}

export interface Failure {
  readonly oracle: SimOracle;
  readonly seed: number;
  /** Index of the schedule step during which the check failed, from 0; the schedule's length for the progress phase after it. */
  readonly step: number;
  /** Number of the last trace event recorded before the check failed. */
  readonly event: number;
  /** The invariant broken; NoException when the implementation threw; UnloggedStep, NoProgress for the other oracles. */
  readonly invariant: InvariantName | 'NoException' | 'UnloggedStep' | 'NoProgress' | 'LeaderStepsDown';
  readonly detail: string;
}

export interface RunResult {
  /** The trace as NDJSON; empty when it went to `traceFile` instead. */
  readonly trace: string;
  /** The trace's header and events as recorded (no events when they went to `traceFile`). */
  readonly header: TraceHeader;
  readonly recorded: readonly TraceEvent[];
  readonly events: number;
  readonly steps: number;
  readonly failure: Failure | null;
  /** Signs of progress: entries applied by some server, and schedule steps during which a leader existed. */
  readonly committed: number;
  readonly stepsWithLeader: number;
  /** Events recorded by the end of each step run: the trace up to event e comes from steps[0..k] for the first k with stepEvents[k] >= e. */
  readonly stepEvents: readonly number[];
  /** How often client requests reached each kind of server, and traps sprang in each window. */
  readonly clientTargets: Partial<Record<ClientTarget, number>>;
  readonly windowHits: Partial<Record<FaultWindow, number>>;
  /** How long the progress phase took to settle, and its bound, when it ran and passed. */
  readonly progress: ProgressReport | null;
  /** What the progress phase did (up to where the run ended), as schedule steps: see the step kinds calm and probe. */
  readonly progressSteps: readonly Step[];
  /** How available the cluster was over the schedule's ticks (the progress phase not included). */
  readonly availability: SimAvailability;
}

export interface RunOptions {
  readonly timing?: Timing;
  readonly params?: Readonly<Record<string, unknown>>;
  /** Where the trace goes as it is recorded; without it, RunResult.trace holds it. */
  readonly traceFile?: TraceFileWriter;
  /** After every step, compare the cluster with the one its trace describes (UnloggedStep). */
  readonly checkLogged?: boolean;
  /** End the run with the progress phase (src/sim/progress.ts). */
  readonly progress?: boolean;
}

/** Schedule steps between two pauses of a stepwise run. */
export const STEPS_PER_PAUSE = 10_000;

export function runSchedule(schedule: Schedule, extra: RunOptions = {}): RunResult {
  const run = scheduleRun(schedule, extra);
  for (let r = run.next(); ; r = run.next()) if (r.done) return r.value;
}

/**
 * Runs a schedule, pausing every STEPS_PER_PAUSE steps (yielding the steps
 * done) so that a long run can let the event loop in between: a signal is
 * then handled within a moment (its handler removes the half-written
 * trace), and progress can be shown.
 */
export async function runScheduleAsync(
  schedule: Schedule,
  extra: RunOptions = {},
  onPause?: (steps: number) => void,
): Promise<RunResult> {
  const run = scheduleRun(schedule, extra);
  for (let r = run.next(); ; r = run.next()) {
    if (r.done) return r.value;
    onPause?.(r.value);
    await new Promise((resume) => setImmediate(resume));
  }
}

function* scheduleRun(schedule: Schedule, extra: RunOptions): Generator<number, RunResult> {
  const cluster = new Cluster({
    size: schedule.nodes,
    seed: schedule.seed,
    timing: schedule.timing ?? extra.timing ?? DEFAULT_TIMING,
    params: { steps: schedule.steps.length, ...extra.params },
    ...(extra.traceFile ? { traceFile: extra.traceFile } : {}),
    checkLogged: extra.checkLogged ?? false,
    ...(schedule.guards ? { guards: schedule.guards } : {}),
    ...(schedule.maxEntriesPerMessage === undefined ? {} : { maxEntriesPerMessage: schedule.maxEntriesPerMessage }),
    ...(schedule.snapshotEvery ? { snapshotEvery: schedule.snapshotEvery } : {}),
  });
  let stepsWithLeader = 0;
  const ticks = new TickTally();
  const watch = schedule.guards?.checkQuorum ? new GuardWatch(strandedLimit(cluster.timing)) : null;
  let progress: ProgressReport | null = null;
  const stepEvents: number[] = [];
  const progressSteps: Step[] = [];
  let failure: Failure | null = null;
  let k = 0;
  try {
    for (; k < schedule.steps.length; k++) {
      if (k > 0 && k % STEPS_PER_PAUSE === 0) yield k;
      takeStep(cluster, schedule.steps[k]!);
      if (schedule.steps[k]!.kind === 'tick') {
        ticks.add(cluster.canCommit(), cluster.strandedLeader());
        watch?.afterTick(cluster);
      }
      if (extra.checkLogged) cluster.checkLogged();
      if (cluster.leader() !== null) stepsWithLeader++;
      stepEvents.push(cluster.recorder.eventCount);
    }
    // The progress phase counts as one more step, past the schedule's last.
    if (extra.progress)
      progress = requireProgress(
        cluster,
        () => extra.checkLogged && cluster.checkLogged(),
        (s) => progressSteps.push(s),
      );
    if (extra.checkLogged) cluster.checkLogged(true);
  } catch (err) {
    // An exception from the implementation is a failure of the run too: the
    // trace so far is kept, so trace validation can still say where it went wrong.
    failure = failureOf(err, schedule.seed, k, cluster.recorder.eventCount);
  }
  const recorder = cluster.recorder;
  let text: string | null = null;
  return {
    // Written out when first read: most runs of a campaign are checked from recorded values alone.
    get trace() {
      if (text === null) text = extra.traceFile ? '' : recorder.toNdjson();
      return text;
    },
    header: recorder.header,
    recorded: recorder.events,
    events: cluster.recorder.eventCount,
    steps: failure ? Math.min(failure.step + 1, schedule.steps.length) : schedule.steps.length,
    failure,
    committed: cluster.committedEntries().length,
    stepsWithLeader,
    stepEvents,
    clientTargets: cluster.clientTargets,
    windowHits: cluster.windowHits,
    progress,
    progressSteps,
    availability: ticks.availability(cluster),
  };
}

/** What each kind of step does to the cluster; `at(n)` is the nth server (modulo the cluster's size). */
const STEP_EFFECTS: {
  readonly [K in StepKind]: (cluster: Cluster, s: Extract<Step, { kind: K }>, at: (n: number) => ServerId) => void;
} = {
  tick: (cluster) => cluster.tick(),
  deliver: (cluster, s) => cluster.deliver(s.pick),
  drop: (cluster, s) => cluster.drop(s.pick),
  duplicate: (cluster, s) => cluster.duplicate(s.pick),
  partition: (cluster, s) => cluster.partition(cluster.servers.filter((_, n) => (s.mask >> n) & 1)),
  heal: (cluster) => cluster.heal(),
  crash: (cluster, s, at) => cluster.crash(at(s.node)),
  restart: (cluster, s) => {
    const down = cluster.crashed;
    if (down.length > 0) cluster.restart(down[s.pick % down.length]!);
  },
  client: (cluster, s) => cluster.clientRequest(`k${s.key}`),
  burst: (cluster, s) => {
    for (let j = 0; j < s.count; j++) cluster.clientRequest(`k${(s.key + j) % KEYS}`);
  },
  staleClient: (cluster, s) => cluster.staleClientRequest(`k${s.key}`, s.pick),
  crashOn: (cluster, s, at) => armTrap(cluster, at(s.node), s.window, 'crash'),
  isolateOn: (cluster, s, at) => armTrap(cluster, at(s.node), s.window, 'isolate'),
  cutLink: (cluster, s, at) => cluster.cutLink(at(s.node), at(s.other)),
  timeout: (cluster, s, at) => cluster.timeout(at(s.node)),
  race: (cluster, s, at) => {
    cluster.timeout(at(s.node));
    cluster.timeout(at(s.other));
  },
  isolateLeader: (cluster) => {
    const leader = cluster.leader();
    if (leader) cluster.partition([leader]);
  },
  crashLeader: (cluster) => {
    const leader = cluster.leader();
    if (leader) cluster.crash(leader);
  },
  isolateFollower: (cluster) => {
    const leader = cluster.leader();
    const follower = cluster.servers.find((id) => id !== leader && !cluster.crashed.includes(id));
    if (follower) cluster.partition([follower]);
  },
  calm: (cluster) => cluster.endFaults(),
  probe: (cluster) => probeLeader(cluster),
};

function armTrap(cluster: Cluster, server: ServerId, window: number, fault: 'crash' | 'isolate'): void {
  cluster.arm({ server, window: FAULT_WINDOWS[window % FAULT_WINDOWS.length]!, fault });
}

/** One schedule step on the cluster. */
export function takeStep(cluster: Cluster, s: Step): void {
  const ids = cluster.servers;
  const effect = STEP_EFFECTS[s.kind] as (cluster: Cluster, s: Step, at: (n: number) => ServerId) => void;
  effect(cluster, s, (n) => ids[n % ids.length]!);
}

/** An exception of the run as its failure: an oracle's (which says what), or the implementation's own. */
function failureOf(err: unknown, seed: number, step: number, event: number): Failure {
  const detailed =
    err instanceof InvariantViolation ||
    err instanceof UnloggedStep ||
    err instanceof NoProgress ||
    err instanceof StrandedLeader;
  return {
    oracle:
      err instanceof UnloggedStep
        ? 'unlogged'
        : err instanceof NoProgress
          ? 'progress'
          : err instanceof StrandedLeader
            ? 'guards'
            : 'invariant',
    seed,
    step,
    event,
    invariant:
      err instanceof InvariantViolation
        ? err.invariant
        : err instanceof UnloggedStep
          ? 'UnloggedStep'
          : err instanceof NoProgress
            ? 'NoProgress'
            : err instanceof StrandedLeader
              ? 'LeaderStepsDown'
              : 'NoException',
    detail: detailed ? err.detail : `the implementation threw: ${(err as Error).message}`,
  };
}

/** The integer fields each step kind carries. */
const STEP_FIELDS: Readonly<Record<StepKind, readonly string[]>> = {
  tick: [],
  deliver: ['pick'],
  drop: ['pick'],
  duplicate: ['pick'],
  partition: ['mask'],
  heal: [],
  crash: ['node'],
  restart: ['pick'],
  client: ['key'],
  burst: ['key', 'count'],
  timeout: ['node'],
  race: ['node', 'other'],
  isolateLeader: [],
  crashLeader: [],
  isolateFollower: [],
  staleClient: ['key', 'pick'],
  crashOn: ['node', 'window'],
  isolateOn: ['node', 'window'],
  cutLink: ['node', 'other'],
  calm: [],
  probe: [],
};

export class ScheduleFileError extends HarnessError {}

/**
 * Reads a saved schedule (JSON), checking every field, so that a hand-edited
 * or damaged file gets `file: field: what is wrong` instead of failing deep
 * inside the simulator.
 */
export function parseSchedule(text: string, file: string): Schedule {
  const fail = (field: string, what: string): never => {
    throw new ScheduleFileError(`${file}: ${field ? `${field}: ` : ''}${what}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail('', `not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('', 'must be an object with nodes, seed and steps');
  const o = value as Record<string, unknown>;
  const natural = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (o.nodes !== 3 && o.nodes !== 5) fail('nodes', `must be 3 or 5, got ${JSON.stringify(o.nodes)}`);
  if (!natural(o.seed)) fail('seed', `must be a non-negative integer, got ${JSON.stringify(o.seed)}`);
  if (!Array.isArray(o.steps)) return fail('steps', 'must be an array');
  o.steps.forEach((step: unknown, k: number) => {
    const at = `steps[${k}]`;
    if (typeof step !== 'object' || step === null) return fail(at, 'must be an object');
    const s = step as Record<string, unknown>;
    if (typeof s.kind !== 'string' || !(s.kind in STEP_FIELDS)) {
      return fail(`${at}.kind`, `must be one of ${Object.keys(STEP_FIELDS).join(', ')}, got ${JSON.stringify(s.kind)}`);
    }
    const fields = STEP_FIELDS[s.kind as StepKind];
    for (const f of fields)
      if (!natural(s[f])) fail(`${at}.${f}`, `must be a non-negative integer, got ${JSON.stringify(s[f])}`);
    for (const f of Object.keys(s))
      if (f !== 'kind' && !fields.includes(f)) fail(`${at}.${f}`, `unexpected field for a ${s.kind} step`);
    return undefined;
  });
  const schedule = {
    nodes: o.nodes as number,
    seed: o.seed as number,
    steps: o.steps as Step[],
    ...(o.timing === undefined ? {} : { timing: parseTiming(o.timing, fail) }),
    ...(o.maxEntriesPerMessage === undefined
      ? {}
      : { maxEntriesPerMessage: parseEntriesBound(o.maxEntriesPerMessage, fail) }),
    ...(o.snapshotEvery === undefined ? {} : { snapshotEvery: parseSnapshotEvery(o.snapshotEvery, fail) }),
  };
  return withGuards(schedule, o.guards === undefined ? undefined : parseGuards(o.guards, fail));
}

function parseEntriesBound(v: unknown, fail: (field: string, what: string) => never): number {
  if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 1))
    return fail('maxEntriesPerMessage', `must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function parseSnapshotEvery(v: unknown, fail: (field: string, what: string) => never): number {
  if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 1))
    return fail(
      'snapshotEvery',
      `must be a positive integer (entries applied between snapshots), got ${JSON.stringify(v)}`,
    );
  return v;
}

const TIMING_FIELDS = ['electionTimeoutMin', 'electionTimeoutMax', 'heartbeatInterval', 'maxDelay'] as const;

function parseTiming(v: unknown, fail: (field: string, what: string) => never): Timing {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('timing', 'must be an object');
  const t = v as Record<string, unknown>;
  for (const f of Object.keys(t))
    if (!(TIMING_FIELDS as readonly string[]).includes(f))
      fail(`timing.${f}`, `unexpected field (${TIMING_FIELDS.join(', ')})`);
  for (const f of TIMING_FIELDS)
    if (!(Number.isSafeInteger(t[f]) && (t[f] as number) >= 1))
      fail(`timing.${f}`, `must be a positive integer, got ${JSON.stringify(t[f])}`);
  if ((t.electionTimeoutMin as number) > (t.electionTimeoutMax as number))
    fail('timing.electionTimeoutMin', 'must be at most electionTimeoutMax');
  return t as unknown as Timing;
}

function parseGuards(v: unknown, fail: (field: string, what: string) => never): Guards {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('guards', 'must be an object');
  const g = v as Record<string, unknown>;
  for (const f of Object.keys(g))
    if (f !== 'preVote' && f !== 'checkQuorum') fail(`guards.${f}`, 'unexpected field (preVote, checkQuorum)');
  for (const f of ['preVote', 'checkQuorum'])
    if (typeof g[f] !== 'boolean') fail(`guards.${f}`, `must be true or false, got ${JSON.stringify(g[f])}`);
  return { preVote: g.preVote as boolean, checkQuorum: g.checkQuorum as boolean };
}
