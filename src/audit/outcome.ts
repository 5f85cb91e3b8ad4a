// The audit's one rule for what a campaign's result means. A mutant counts
// as caught only when its catch is confirmed: by TLC for a trace the spec
// rejects (the in-process checker only screened it), or by the simulator's
// own oracles (an invariant, an unlogged step, progress, the trace's schema).
// The correct implementation is clean only when nothing failed at all.
import type { CampaignResult } from './campaign.js';

export type AuditOutcome = 'caught' | 'escaped' | 'clean' | 'failed' | 'error';

/** `mutated`: whether the campaign ran a mutant (false: the correct implementation). */
export function auditOutcome(mutated: boolean, r: CampaignResult): AuditOutcome {
  const f = r.failure;
  if (!mutated) return !r.error && f === null ? 'clean' : 'failed';
  if (r.error) return 'error';
  if (f === null) return 'escaped';
  return f.oracle !== 'tlc' || f.confirmedByTlc ? 'caught' : 'escaped';
}

/** Whether the audit got what it wanted of this campaign: a confirmed catch, or a clean correct implementation. */
export function auditOk(outcome: AuditOutcome): boolean {
  return outcome === 'caught' || outcome === 'clean';
}
