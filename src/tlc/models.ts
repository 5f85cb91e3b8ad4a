// The models of spec/Raft.tla that TLC checks, smallest first. Each is a .cfg
// of spec/MCRaft.tla; its comments say which rule each bound exists to reach.
// Exhaustive models are explored completely (breadth first, so a violation
// comes with a shortest counterexample); simulation models are TLC's random
// simulation at bounds too large to exhaust, with a fixed seed and a time
// budget.
import { join } from 'node:path';
import { ACTIONS } from '../raft/events.js';
import { raftCoverage, type SpecCoverage } from './coverage.js';
import { REPO_ROOT } from '../files/repo-root.js';
import type { JavaRuntime, TlcJar } from './jar.js';
import { runTlc, type TlcResult } from './run.js';

export interface SpecModel {
  /** The .cfg file's name without extension, e.g. `MCRaftSmall`. */
  readonly name: string;
  readonly mode: 'exhaustive' | 'simulate';
  /** Who runs it: the test suite, `make spec`, `make spec-long` or `make spec-deep`. */
  readonly use: 'test' | 'spec' | 'long' | 'deep';
  /** For simulation: the length of each random behaviour. */
  readonly depth?: number;
  /** For simulation: how long to simulate. */
  readonly seconds?: number;
  /** For simulation: TLC's seed, fixed so that a run can be repeated. */
  readonly seed?: number;
  /** Actions and branches the model's bounds rule out by design (no faults: no Restart, ...); coverage lists them as excluded. */
  readonly excludes?: readonly string[];
  /** The temporal property the model checks (TLC 2.15 does not name a violated one). */
  readonly liveness?: string;
  /** False where the bounds are part of the next-state relation, so that a state with no successor is expected. */
  readonly deadlock?: boolean;
}

const FAULTS = ['Restart', 'DropMessage', 'DuplicateMessage'];

/** What only the guards' models reach (PreVote and CheckQuorum off, the protocol never takes them). */
const GUARDED = [
  'RequestPreVote',
  'HandlePreVoteRequest',
  'HandlePreVoteResponse',
  'StartElection',
  'CheckQuorum',
  'Timeout: pre-vote starts',
  'HandlePreVoteRequest: pre-vote granted',
  'HandlePreVoteRequest: pre-vote refused',
  'HandlePreVoteResponse: pre-vote counted',
  'HandlePreVoteResponse: pre-vote refusal noted',
  'HandlePreVoteResponse: pre-vote answer dropped',
  'CheckQuorum: quorum heard, still leader',
  'CheckQuorum: quorum lost, steps down',
];
/**
 * With PreVote on, a timeout never starts an election itself; and with one
 * message in flight (the guards' models), no term changes while a response
 * is in flight, so none is stale (the plain models drop stale responses, by
 * the same action).
 */
const UNGUARDED = ['Timeout: election starts', 'DropStaleResponse'];

/** What only the snapshots' models reach (UseSnapshots off, no log is ever compacted). */
const SNAPSHOTTING = [
  'MergeAfterSnapshot: entries inside the snapshot skipped',
  'HandleInstallSnapshotRequest: snapshot refused, stale term',
  'HandleInstallSnapshotRequest: snapshot already applied',
  'HandleInstallSnapshotRequest: snapshot installed, log suffix kept',
  'HandleInstallSnapshotRequest: snapshot installed, log discarded',
];

export const MODELS: readonly SpecModel[] = [
  // Two servers cannot hold conflicting entries: a leader needs the other's vote, so its log is at least as up to date.
  {
    name: 'MCRaftProgress',
    mode: 'exhaustive',
    use: 'spec',
    excludes: [...FAULTS, 'Merge: conflicting suffix replaced', ...GUARDED, ...SNAPSHOTTING],
    liveness: 'LeaderRepairsLogs',
    deadlock: false,
  },
  { name: 'MCRaftSmall', mode: 'exhaustive', use: 'test', excludes: [...GUARDED, ...SNAPSHOTTING] },
  { name: 'MCRaftLogs', mode: 'exhaustive', use: 'test', excludes: [...FAULTS, ...GUARDED, ...SNAPSHOTTING] },
  { name: 'MCRaftNet', mode: 'exhaustive', use: 'test', excludes: [...FAULTS, ...GUARDED, ...SNAPSHOTTING] },
  { name: 'MCRaftTerms', mode: 'exhaustive', use: 'test', excludes: [...FAULTS, ...GUARDED, ...SNAPSHOTTING] },
  // Snapshots with a fault: every snapshot branch but a snapshot outliving its term (one message in flight), in seconds.
  {
    name: 'MCRaftSnapshotFaults',
    mode: 'exhaustive',
    use: 'test',
    excludes: [...GUARDED, 'HandleInstallSnapshotRequest: snapshot refused, stale term'],
  },
  // PreVote and CheckQuorum both on: every branch of the guards, in seconds.
  {
    name: 'MCRaftGuards',
    mode: 'exhaustive',
    use: 'spec',
    excludes: [...FAULTS, ...UNGUARDED, 'Merge: conflicting suffix replaced', ...SNAPSHOTTING],
  },
  // Snapshots on: longer logs with one message in flight, every snapshot branch with two in flight, and a snapshot racing replication.
  {
    name: 'MCRaftSnapshotLogs',
    mode: 'exhaustive',
    use: 'spec',
    excludes: [
      ...FAULTS,
      ...GUARDED,
      'MergeAfterSnapshot: entries inside the snapshot skipped',
      'HandleInstallSnapshotRequest: snapshot refused, stale term',
      'HandleInstallSnapshotRequest: snapshot already applied',
      'HandleInstallSnapshotRequest: snapshot installed, log suffix kept',
    ],
  },
  { name: 'MCRaftSnapshots', mode: 'exhaustive', use: 'spec', excludes: [...FAULTS, ...GUARDED] },
  // One term: no stale message, conflict or refusal; what it adds is a snapshot that arrives after the follower moved past it.
  {
    name: 'MCRaftSnapshotRace',
    mode: 'exhaustive',
    use: 'long',
    excludes: [
      ...FAULTS,
      ...GUARDED,
      'DropStaleResponse',
      'Merge: conflicting suffix replaced',
      'HandleAppendEntriesRequest: refused, stale term',
      'HandleAppendEntriesRequest: refused, log mismatch',
      'HandleAppendEntriesResponse: nextIndex backs off',
      'HandleAppendEntriesResponse: ignored by a non-leader',
      'HandleInstallSnapshotRequest: snapshot refused, stale term',
    ],
  },
  { name: 'MCRaft', mode: 'exhaustive', use: 'spec', excludes: [...GUARDED, ...SNAPSHOTTING] },
  // The guards with a fault, two candidates and two leaders at once: two elections of one term racing.
  { name: 'MCRaftGuardsFaults', mode: 'exhaustive', use: 'long', excludes: [...UNGUARDED, ...SNAPSHOTTING] },
  { name: 'MCRaftReplication', mode: 'exhaustive', use: 'long', excludes: [...FAULTS, ...GUARDED, ...SNAPSHOTTING] },
  // Coverage is reported every minute; the budget leaves room for four reports.
  {
    name: 'MCRaftDeep',
    mode: 'simulate',
    use: 'deep',
    depth: 120,
    seconds: 270,
    seed: 20261126,
    deadlock: false,
    excludes: [...GUARDED, ...SNAPSHOTTING],
  },
  {
    name: 'MCRaftDeep5',
    mode: 'simulate',
    use: 'deep',
    depth: 200,
    seconds: 270,
    seed: 20261126,
    deadlock: false,
    excludes: [...GUARDED, ...SNAPSHOTTING],
  },
];

export function modelConfig(model: SpecModel, specDir = join(REPO_ROOT, 'spec')): string {
  return join(specDir, `${model.name}.cfg`);
}

export function findModel(name: string): SpecModel | undefined {
  return MODELS.find((m) => m.name === name || `${m.name}.cfg` === name);
}

/** TLC's arguments for a model's mode. */
export function modeArgs(model: SpecModel): string[] {
  if (model.mode === 'exhaustive') return [];
  return ['-simulate', '-depth', String(model.depth ?? 100), '-seed', String(model.seed ?? 1)];
}

export interface ModelRunOptions {
  /** The folder of MCRaft.tla, Raft.tla and the .cfg files; defaults to spec/. */
  readonly specDir?: string;
  readonly workers?: number;
  /** For exhaustive models: give up after this long (simulation models stop at their budget). */
  readonly timeoutMs?: number;
  /** Ask TLC for its coverage report, and read Raft.tla's actions and branches from it. */
  readonly coverage?: boolean;
  readonly java?: JavaRuntime;
  readonly jar?: TlcJar;
  /** Called with each line of TLC's progress (states found, queue), for people waiting. */
  readonly onProgress?: (line: string) => void;
}

export interface ModelRun {
  readonly model: SpecModel;
  readonly result: TlcResult;
  /**
   * `no error`: explored completely (or simulated for the whole budget) with
   * no violation; `violation`: a property or invariant is violated; `failed`:
   * TLC could not finish (timeout, crash, spec error, deadlock).
   */
  readonly verdict: 'no error' | 'violation' | 'failed';
  readonly coverage: SpecCoverage | null;
}

export async function runModel(model: SpecModel, options: ModelRunOptions = {}): Promise<ModelRun> {
  const specDir = options.specDir ?? join(REPO_ROOT, 'spec');
  const simulate = model.mode === 'simulate';
  const result = await runTlc({
    spec: join(specDir, 'MCRaft.tla'),
    config: modelConfig(model, specDir),
    workers: options.workers ?? 1,
    // A simulation runs until its budget is spent: that is how it ends well.
    timeoutMs: simulate ? (model.seconds ?? 60) * 1000 : options.timeoutMs,
    checkDeadlock: model.deadlock ?? true,
    extraArgs: [...modeArgs(model), ...(options.coverage ? ['-coverage', '1'] : [])],
    java: options.java,
    jar: options.jar,
    onProgress: options.onProgress,
  });
  let o = result.outcome;
  if (o.kind === 'violation' && o.propertyKind === 'temporal property' && model.liveness && !/^\w+$/.test(o.property)) {
    o = { ...o, property: model.liveness };
  }
  const verdict =
    o.kind === 'violation'
      ? 'violation'
      : o.kind === 'success' || (simulate && o.kind === 'timeout')
        ? 'no error'
        : 'failed';
  const coverage = options.coverage
    ? raftCoverage(result.output, join(specDir, 'Raft.tla'), ACTIONS, model.excludes ?? [])
    : null;
  return { model, result: { ...result, outcome: o }, verdict, coverage };
}
