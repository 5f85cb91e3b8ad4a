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
  readonly log: readonly Entry[];
  readonly commitIndex: number;
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
  private readonly leaders = new Map<ServerId, { term: number; log: Entry[] }>();

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
        if (r.logChanged) this.checkAppendOnly(actor, previous.log);
      } else {
        this.checkElectionSafety(actor);
        this.checkLeaderHasCommitted(actor, 0);
      }
      if (!previous || previous.term !== actor.term || r.logChanged) {
        this.leaders.set(actor.id, { term: actor.term, log: actor.log.slice() });
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

  private checkAppendOnly(leader: ServerView, before: readonly Entry[]): void {
    for (let i = 0; i < before.length; i++) {
      if (i >= leader.log.length || !sameEntry(before[i]!, leader.log[i]!)) {
        throw new InvariantViolation(
          'LeaderAppendOnly',
          `leader ${leader.id} of term ${leader.term} changed its entry ${i + 1} from ${describe(before[i])} to ${describe(leader.log[i])}`,
        );
      }
    }
  }

  private checkCommitIndexInLog(s: ServerView): void {
    if (s.commitIndex > s.log.length) {
      throw new InvariantViolation(
        'CommitIndexInLog',
        `${s.id} has commitIndex ${s.commitIndex} but only ${s.log.length} entries`,
      );
    }
  }

  /** If two logs hold an entry with the same index and term, they agree up to that index. */
  private checkLogMatching(a: ServerView, b: ServerView): void {
    let k = Math.min(a.log.length, b.log.length);
    while (k > 0 && a.log[k - 1]!.term !== b.log[k - 1]!.term) k--;
    for (let i = k; i > 0; i--) {
      if (!sameEntry(a.log[i - 1]!, b.log[i - 1]!)) {
        throw new InvariantViolation(
          'LogMatching',
          `${a.id} and ${b.id} both hold term ${a.log[k - 1]!.term} at index ${k} but differ at index ${i}: ${describe(a.log[i - 1])} vs ${describe(b.log[i - 1])}`,
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
      if (c.observedInTerm >= leader.term) continue;
      if (!sameEntry(c.entry, leader.log[i] ?? { term: -1, value: '' })) {
        throw new InvariantViolation(
          'LeaderCompleteness',
          `leader ${leader.id} of term ${leader.term} lacks the entry ${describe(c.entry)} committed at index ${i + 1} by term ${c.observedInTerm}; it holds ${describe(leader.log[i])}`,
        );
      }
    }
  }
}
