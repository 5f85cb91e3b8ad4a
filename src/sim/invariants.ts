// The global safety properties of Raft, checked by the simulator after every
// server step. The monitor sees every server (a crashed one through its
// durable log) and keeps the history the properties speak about: who led each
// term, and which entries have been committed, in which term.
import type { CommittedEntry } from '../raft/node.js';
import type { Entry, Role, ServerId } from '../raft/types.js';

export const INVARIANTS = [
  'ElectionSafety',
  'LogMatching',
  'LeaderCompleteness',
  'StateMachineSafety',
  'LeaderAppendOnly',
  'CommitIndexInLog',
] as const;

export type InvariantName = (typeof INVARIANTS)[number];

export class InvariantViolation extends Error {
  constructor(
    readonly invariant: InvariantName,
    readonly detail: string,
  ) {
    super(`${invariant} violated: ${detail}`);
  }
}

/** What the monitor needs to know about one server. */
export interface ServerView {
  readonly id: ServerId;
  readonly alive: boolean;
  readonly term: number;
  readonly role: Role;
  /** The entries after its snapshot: entry k at log[k - snapshotIndex - 1]. */
  readonly log: readonly Entry[];
  /** The index of the last entry its snapshot covers (0: none). */
  readonly snapshotIndex: number;
  readonly commitIndex: number;
}

/** The index of a server's last entry, in its log or its snapshot. */
export const lastIndexOf = (v: Pick<ServerView, 'log' | 'snapshotIndex'>) => v.snapshotIndex + v.log.length;

/** Entry k of a server's log; undefined inside its snapshot or beyond its log. */
export function entryOf(v: Pick<ServerView, 'log' | 'snapshotIndex'>, k: number): Entry | undefined {
  return k > v.snapshotIndex ? v.log[k - v.snapshotIndex - 1] : undefined;
}

export interface StepReport {
  readonly actor: ServerView;
  /** The actor's log may have changed in this step. */
  readonly logChanged: boolean;
  /** Entries the actor applied in this step, in index order. */
  readonly applied: readonly CommittedEntry[];
  readonly others: readonly ServerView[];
}

interface CommittedRecord {
  readonly entry: Entry;
  /** The term of the server that first applied it: the entry was committed in this term or earlier. */
  readonly observedInTerm: number;
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a.term === b.term && a.value === b.value;
}

function describe(e: Entry | undefined): string {
  return e ? `(term ${e.term}, ${JSON.stringify(e.value)})` : 'nothing';
}

export class SafetyMonitor {
  private readonly leaderOfTerm = new Map<number, ServerId>();
  private readonly committed: CommittedRecord[] = [];
  /** For each current leader: its term, and its log when last seen. */
  private readonly leaders = new Map<ServerId, { term: number; log: Entry[]; snapshotIndex: number }>();

  /** The longest committed prefix seen so far. */
  committedEntries(): Entry[] {
    return this.committed.map((c) => c.entry);
  }

  afterStep(r: StepReport): void {
    const { actor } = r;
    this.checkCommitIndexInLog(actor);
    this.checkStateMachineSafety(actor, r.applied, r.others);
    if (r.logChanged) for (const other of r.others) this.checkLogMatching(actor, other);
    if (actor.alive && actor.role === 'Leader') {
      const previous = this.leaders.get(actor.id);
      if (previous && previous.term === actor.term) {
        // An unchanged log is the one last compared: only a change needs a look.
        if (r.logChanged) this.checkAppendOnly(actor, previous);
      } else {
        this.checkElectionSafety(actor);
        this.checkLeaderHasCommitted(actor, 0);
      }
      if (!previous || previous.term !== actor.term || r.logChanged) {
        this.leaders.set(actor.id, { term: actor.term, log: actor.log.slice(), snapshotIndex: actor.snapshotIndex });
      }
    } else {
      this.leaders.delete(actor.id);
    }
  }

  private checkElectionSafety(leader: ServerView): void {
    const other = this.leaderOfTerm.get(leader.term);
    if (other !== undefined && other !== leader.id) {
      throw new InvariantViolation(
        'ElectionSafety',
        `${leader.id} became leader of term ${leader.term}, which ${other} already led`,
      );
    }
    this.leaderOfTerm.set(leader.term, leader.id);
  }

  /** A leader's entries stay (those its own snapshot took over aside). */
  private checkAppendOnly(leader: ServerView, before: Pick<ServerView, 'log' | 'snapshotIndex'>): void {
    if (lastIndexOf(leader) < lastIndexOf(before)) {
      throw new InvariantViolation(
        'LeaderAppendOnly',
        `leader ${leader.id} of term ${leader.term} shortened its log from ${lastIndexOf(before)} to ${lastIndexOf(leader)} entries`,
      );
    }
    for (let k = Math.max(before.snapshotIndex, leader.snapshotIndex) + 1; k <= lastIndexOf(before); k++) {
      if (!sameEntry(entryOf(before, k)!, entryOf(leader, k)!)) {
        throw new InvariantViolation(
          'LeaderAppendOnly',
          `leader ${leader.id} of term ${leader.term} changed its entry ${k} from ${describe(entryOf(before, k))} to ${describe(entryOf(leader, k))}`,
        );
      }
    }
  }

  private checkCommitIndexInLog(s: ServerView): void {
    if (s.commitIndex > lastIndexOf(s)) {
      throw new InvariantViolation(
        'CommitIndexInLog',
        `${s.id} has commitIndex ${s.commitIndex} but only ${lastIndexOf(s)} entries`,
      );
    }
  }

  /** If two logs hold an entry with the same index and term, they agree up to that index (where both still hold entries). */
  private checkLogMatching(a: ServerView, b: ServerView): void {
    const from = Math.max(a.snapshotIndex, b.snapshotIndex);
    let k = Math.min(lastIndexOf(a), lastIndexOf(b));
    while (k > from && entryOf(a, k)!.term !== entryOf(b, k)!.term) k--;
    for (let i = k; i > from; i--) {
      if (!sameEntry(entryOf(a, i)!, entryOf(b, i)!)) {
        throw new InvariantViolation(
          'LogMatching',
          `${a.id} and ${b.id} both hold term ${entryOf(a, k)!.term} at index ${k} but differ at index ${i}: ${describe(entryOf(a, i))} vs ${describe(entryOf(b, i))}`,
        );
      }
    }
  }

  /** No two servers apply different entries at one index; a new commit must be in every later-term leader's log. */
  private checkStateMachineSafety(
    actor: ServerView,
    applied: readonly CommittedEntry[],
    others: readonly ServerView[],
  ): void {
    const firstNew = this.committed.length + 1;
    for (const { index, entry } of applied) {
      const known = this.committed[index - 1];
      if (known) {
        if (!sameEntry(known.entry, entry)) {
          throw new InvariantViolation(
            'StateMachineSafety',
            `${actor.id} applied ${describe(entry)} at index ${index}, where ${describe(known.entry)} was applied before`,
          );
        }
      } else {
        // Entries are applied in order, and the first server to apply an index applied every index before it.
        if (index !== this.committed.length + 1)
          throw new Error(
            `internal: ${actor.id} applied index ${index} before any server applied ${this.committed.length + 1}`,
          );
        this.committed.push({ entry, observedInTerm: actor.term });
      }
    }
    if (this.committed.length >= firstNew) {
      for (const s of [actor, ...others]) {
        if (s.alive && s.role === 'Leader') this.checkLeaderHasCommitted(s, firstNew - 1);
      }
    }
  }

  /** Leader Completeness: entries committed in an earlier term are in the leader's log. */
  private checkLeaderHasCommitted(leader: ServerView, from: number): void {
    for (let i = from; i < this.committed.length; i++) {
      const c = this.committed[i]!;
      // (An entry inside the leader's snapshot is one it applied: state machine safety compared it.)
      if (c.observedInTerm >= leader.term || i < leader.snapshotIndex) continue;
      const held = entryOf(leader, i + 1);
      if (!sameEntry(c.entry, held ?? { term: -1, value: '' })) {
        throw new InvariantViolation(
          'LeaderCompleteness',
          `leader ${leader.id} of term ${leader.term} lacks the entry ${describe(c.entry)} committed at index ${i + 1} by term ${c.observedInTerm}; it holds ${describe(held)}`,
        );
      }
    }
  }
}
