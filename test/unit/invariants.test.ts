// The safety monitor must actually catch violations: each invariant is shown
// a history that breaks it.
import { describe, expect, it } from 'vitest';
import { InvariantViolation, SafetyMonitor, type ServerView } from '../../src/sim/invariants.js';
import type { Entry } from '../../src/raft/types.js';

const e = (term: number, value: string): Entry => ({ term, value });

function view(id: string, fields: Partial<ServerView> = {}): ServerView {
  return { id, alive: true, term: 1, role: 'Follower', log: [], snapshotIndex: 0, commitIndex: 0, ...fields };
}

function violation(f: () => void): InvariantViolation {
  try {
    f();
  } catch (err) {
    if (err instanceof InvariantViolation) return err;
    throw err;
  }
  throw new Error('no invariant violation was raised');
}

describe('safety monitor', () => {
  it('Election Safety: two leaders of one term', () => {
    const m = new SafetyMonitor();
    m.afterStep({ actor: view('n1', { role: 'Leader' }), logChanged: false, applied: [], others: [] });
    const v = violation(() =>
      m.afterStep({ actor: view('n2', { role: 'Leader' }), logChanged: false, applied: [], others: [] }),
    );
    expect(v.invariant).toBe('ElectionSafety');
    expect(v.detail).toContain('term 1');
  });

  it('Log Matching: same index and term, different history', () => {
    const m = new SafetyMonitor();
    const v = violation(() =>
      m.afterStep({
        actor: view('n1', { log: [e(1, 'a=1'), e(2, 'b=1')] }),
        logChanged: true,
        applied: [],
        others: [view('n2', { log: [e(1, 'a=2'), e(2, 'b=1')] })],
      }),
    );
    expect(v.invariant).toBe('LogMatching');
  });

  it('State Machine Safety: two entries applied at one index', () => {
    const m = new SafetyMonitor();
    m.afterStep({
      actor: view('n1', { log: [e(1, 'a=1')], commitIndex: 1 }),
      logChanged: false,
      applied: [{ index: 1, entry: e(1, 'a=1') }],
      others: [],
    });
    const v = violation(() =>
      m.afterStep({
        actor: view('n2', { log: [e(1, 'a=2')], commitIndex: 1 }),
        logChanged: false,
        applied: [{ index: 1, entry: e(1, 'a=2') }],
        others: [],
      }),
    );
    expect(v.invariant).toBe('StateMachineSafety');
  });

  it('Leader Completeness: a later-term leader without a committed entry', () => {
    const m = new SafetyMonitor();
    m.afterStep({
      actor: view('n1', { log: [e(1, 'a=1')], commitIndex: 1 }),
      logChanged: false,
      applied: [{ index: 1, entry: e(1, 'a=1') }],
      others: [],
    });
    const v = violation(() =>
      m.afterStep({ actor: view('n2', { term: 2, role: 'Leader' }), logChanged: false, applied: [], others: [] }),
    );
    expect(v.invariant).toBe('LeaderCompleteness');
  });

  it('Leader Completeness does not demand entries committed in later terms from an older-term leader', () => {
    const m = new SafetyMonitor();
    m.afterStep({
      actor: view('n1', { term: 3, log: [e(3, 'a=1')], commitIndex: 1 }),
      logChanged: false,
      applied: [{ index: 1, entry: e(3, 'a=1') }],
      others: [],
    });
    expect(() =>
      m.afterStep({ actor: view('n2', { term: 2, role: 'Leader' }), logChanged: false, applied: [], others: [] }),
    ).not.toThrow();
  });

  it('Leader Append-Only: a leader that rewrites its log', () => {
    const m = new SafetyMonitor();
    m.afterStep({
      actor: view('n1', { role: 'Leader', log: [e(1, 'a=1')] }),
      logChanged: true,
      applied: [],
      others: [],
    });
    const v = violation(() =>
      m.afterStep({
        actor: view('n1', { role: 'Leader', log: [e(1, 'b=1')] }),
        logChanged: true,
        applied: [],
        others: [],
      }),
    );
    expect(v.invariant).toBe('LeaderAppendOnly');
  });

  it('commitIndex never exceeds the log', () => {
    const m = new SafetyMonitor();
    const v = violation(() =>
      m.afterStep({ actor: view('n1', { commitIndex: 1 }), logChanged: false, applied: [], others: [] }),
    );
    expect(v.invariant).toBe('CommitIndexInLog');
  });
});
