// The in-process checker (src/check/raft-spec.ts) transcribes spec/Raft.tla
// and RaftTrace.tla's enabling conditions: this holds the two alike by name,
// in well under a second, so that an edit of one side that forgets the other
// fails here before any TLC run. Each operator of Raft.tla has its mirror
// (or a stated reason to have none), each action's enabling conditions have
// the same texts in the same order on both sides, and each branch marker of
// Raft.tla appears in the transcription.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conditionTexts } from '../../src/check/raft-spec.js';
import { ACTIONS } from '../../src/raft/events.js';

const RAFT = readFileSync('spec/Raft.tla', 'utf8');
const TRACE = readFileSync('spec/RaftTrace.tla', 'utf8');
const MIRROR = readFileSync('src/check/raft-spec.ts', 'utf8');

/** Operators of Raft.tla the transcription mirrors under another name. */
const RENAMED: Record<string, string> = {
  LogsMatch: 'logsMatchStep',
  AppliedAgree: 'appliedAgreeStep',
  Put: 'state.bag.set',
  Take: 'state.bag.delete',
  Min: 'Math.min',
};

/** Operators with no mirror, and why none is needed. */
const NOT_MIRRORED: Record<string, string> = {
  HoldsLog: 'only LeaderRepairsLogs uses it',
  LeaderRepairsLogs: 'a liveness property: the simulator checks progress, the trace checkers safety',
  EmptyBag: 'the in-process bag is a Map, empty when made',
  BagOfPairs: "TLC's way to build a bag from RaftTrace's chunk data",
  Send: "a step's sent messages (SpecStepResult.sent)",
  Discard: "a step's taken messages (SpecStepResult.taken)",
  Reply: 'a step that takes one message and sends another',
  ReceiveNext: 'the trace names the action, so no choice among them is needed',
  ProtocolNext: 'the trace names the action',
  FaultNext: 'the trace names the action',
  Next: 'the trace names the action',
  Spec: 'the trace checkers check steps, not behaviours',
  Entries: "a type: TypeScript's types and the trace schema hold it",
  TypeOK: "a type invariant: TypeScript's types and the trace schema hold it",
  TermsInOrder: 'checked per step as TermsInOrderStep (LogTermsInOrder)',
  Consumed: "a step's taken messages (SpecStepResult.taken), read from the event by stepKind",
  Added: "a step's sent messages (SpecStepResult.sent), read from the event by stepKind",
};

/** The operators Raft.tla defines, in order. */
function operators(): string[] {
  return [...new Set([...RAFT.matchAll(/^([A-Z][A-Za-z]*)(?:\(|\s*==)/gm)].map((m) => m[1]!))];
}

/** An action's enabling conditions as RaftTrace's Guards(e) lists them: its texts, in order. */
function traceGuards(): Map<string, string[]> {
  const body = TRACE.slice(TRACE.indexOf('Guards(e) =='), TRACE.indexOf('(* How event e changed'));
  const unescape = (s: string) => s.replace(/\\\\/g, '\\');
  const out = new Map<string, string[]>();
  for (const c of body.split(/(?:CASE|\[\]) e\.action /).slice(1)) {
    const actions = [...c.slice(0, c.indexOf('->')).matchAll(/"(\w+)"/g)].map((m) => m[1]!);
    const texts: string[] = [];
    for (const m of c.matchAll(/MsgGuards\(e, "(\w*)"\)|TermGuard\(e, "([^"]*)"|G\("((?:[^"\\]|\\.)*)"/g)) {
      if (m[1] !== undefined) {
        texts.push(
          'the message is in flight',
          m[1] ? `the message is a ${m[1]}` : 'the message is a response',
          'm.dest = i',
        );
      } else texts.push(unescape(m[2] ?? m[3]!));
    }
    for (const a of actions) out.set(a, texts);
  }
  return out;
}

describe('raft-spec.ts mirrors the TLA+ modules', () => {
  it('has a mirror of every operator of Raft.tla, or a reason for none', () => {
    const unmirrored = operators().filter((op) => {
      if (op in NOT_MIRRORED) return false;
      const name = RENAMED[op] ?? op;
      return !new RegExp(`\\b${name.replace(/\./g, '\\.')}\\b`).test(MIRROR);
    });
    expect(unmirrored, 'operators of Raft.tla with no mirror in raft-spec.ts (add one, or a reason here)').toEqual([]);
    const gone = Object.keys(NOT_MIRRORED).filter((op) => !operators().includes(op));
    expect(gone, 'reasons for operators Raft.tla no longer has').toEqual([]);
  });

  it('lists each action of the trace vocabulary with the same enabling conditions, in the same order, as RaftTrace.tla', () => {
    const guards = traceGuards();
    expect([...guards.keys()].sort()).toEqual([...ACTIONS].sort());
    for (const a of ACTIONS) expect(conditionTexts(a), a).toEqual(guards.get(a));
  });

  it('marks each branch of Raft.tla where it takes it', () => {
    const branches = [...RAFT.matchAll(/\(\*B: ([^*]+?) \*\)/g)].map((m) => m[1]!);
    expect(branches.length).toBeGreaterThanOrEqual(15);
    expect(branches.filter((b) => !MIRROR.includes(`(*B: ${b} *)`))).toEqual([]);
  });

  it('can fail: a guard text or an operator changed on one side is seen', () => {
    expect(traceGuards().get('Timeout')).toEqual(['role[i] is not Leader']);
    expect(traceGuards().get('UpdateTerm')).toEqual([
      'the message is in flight',
      'm.dest = i',
      'm.term > currentTerm[i]',
      'm is no pre-vote request or granted pre-vote',
    ]);
    expect(conditionTexts('Timeout')).not.toEqual(['role[i] = Follower']);
    expect(operators()).toContain('HandleAppendEntriesRequest');
  });
});
