// For a user's own vitest suite ('raft-tla-harness/vitest'): a trace must be
// accepted by spec/Raft.tla, and when it is not, the test fails with the
// diagnosis itself as its message (the event, what differed or which
// condition was false, the likely cause), not "expected false to be true".
//
//   import { expectTraceAccepted, raftTlaMatchers } from 'raft-tla-harness/vitest';
//   await expectTraceAccepted(run);                            // throws with the diagnosis
//   expect.extend(raftTlaMatchers);
//   await expect(run).toBeAcceptedBySpec({ checker: 'tlc' });  // the same, as a matcher
// Only types come from vitest (the user's own); nothing of it is loaded at run time.
import type {} from 'vitest';
import { checkTrace, type CheckedTrace, type CheckTraceOptions, type TraceSource } from './index.js';

/** A trace the spec did not accept: its message is the verdict's explanation. */
export class TraceNotAcceptedError extends Error {
  constructor(readonly verdict: CheckedTrace) {
    super(notAccepted(verdict));
    this.name = 'TraceNotAcceptedError';
  }
}

function notAccepted(v: CheckedTrace): string {
  const how = v.status === 'rejected' ? 'not accepted by spec/Raft.tla' : 'not checked';
  return [`${v.file}: ${how}`, ...v.explanation].join('\n');
}

/** Checks the trace (in process unless options say TLC) and throws TraceNotAcceptedError unless it is accepted. */
export async function expectTraceAccepted(source: TraceSource, options: CheckTraceOptions = {}): Promise<CheckedTrace> {
  const verdict = await checkTrace(source, options);
  if (verdict.status !== 'accepted') throw new TraceNotAcceptedError(verdict);
  return verdict;
}

/** Matchers for expect.extend: `await expect(trace).toBeAcceptedBySpec(options?)`, negatable with `.not`. */
export const raftTlaMatchers = {
  async toBeAcceptedBySpec(received: TraceSource, options: CheckTraceOptions = {}) {
    const verdict = await checkTrace(received, options);
    const pass = verdict.status === 'accepted';
    return {
      pass,
      message: () =>
        pass ? `${verdict.file}: accepted by spec/Raft.tla (${verdict.events} events)` : notAccepted(verdict),
    };
  },
};

interface RaftTlaMatchers<R = unknown> {
  /** The trace is accepted by spec/Raft.tla; otherwise the failure message is the diagnosis. */
  toBeAcceptedBySpec(options?: CheckTraceOptions): Promise<R>;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T> extends RaftTlaMatchers<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends RaftTlaMatchers {}
}
