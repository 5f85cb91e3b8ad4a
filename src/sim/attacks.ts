// The attacks aimed at availability, by name: what PreVote and CheckQuorum
// guard against. The nemesis makes each a fixed fault schedule for real
// servers (src/nemesis/faults.ts: attackSchedule); here each is a fixed
// simulator schedule, the same for every seed but the seed's timeouts, so
// that many runs of it can be summed.
import { summarizeAvailability, type AvailabilitySummary } from './availability.js';
import { runSchedule, withGuards, type Schedule, type Step } from './schedule.js';
import { NO_GUARDS, type Guards } from '../raft/types.js';
import type { Timing } from './cluster.js';

export const ATTACKS = ['isolated-follower', 'isolated-leader', 'flapping-follower'] as const;
export type Attack = (typeof ATTACKS)[number];

/**
 * The attacks' clock: messages arrive within 2 ticks, leaders send every 2,
 * election timeouts are 10-20. A round trip is then well under a timeout,
 * as on real networks (the soak's default timing lets a message take 8
 * ticks, so that a round trip can outlast a timeout: a test of the protocol
 * under extreme delay, but no measure of availability, where a pre-vote
 * round and a leader's check each need round trips to fit in a timeout).
 */
export const ATTACK_TIMING: Timing = {
  electionTimeoutMin: 10,
  electionTimeoutMax: 20,
  heartbeatInterval: 2,
  maxDelay: 2,
};

/** `n` ticks with a client request every fourth: clients keep asking throughout. */
export function busyTicks(n: number, from = 0): Step[] {
  return Array.from({ length: n }, (_, k): Step[] =>
    (from + k) % 4 === 0 ? [{ kind: 'tick' }, { kind: 'client', key: (from + k) % 4 }] : [{ kind: 'tick' }],
  ).flat();
}

/**
 * One attack as a simulator schedule (election timeouts are 10-20 ticks):
 * 40 ticks to elect a leader; then a follower (isolated-follower) or the
 * leader (isolated-leader) cut off for 100 ticks and healed, or a follower
 * cut off for 15 ticks in every 30, six times (flapping-follower); then 60
 * ticks to settle. Clients ask every fourth tick throughout.
 */
export function simulatedAttack(attack: Attack, seed: number, nodes = 3, guards: Guards = NO_GUARDS): Schedule {
  const steps: Step[] = [...busyTicks(40)];
  if (attack === 'flapping-follower') {
    for (let k = 0; k < 6; k++)
      steps.push({ kind: 'isolateFollower' }, ...busyTicks(15), { kind: 'heal' }, ...busyTicks(15));
  } else {
    steps.push({ kind: attack === 'isolated-follower' ? 'isolateFollower' : 'isolateLeader' }, ...busyTicks(100));
    steps.push({ kind: 'heal' });
  }
  steps.push(...busyTicks(60));
  return withGuards({ nodes, seed, steps, timing: ATTACK_TIMING }, guards);
}

/** Availability over `schedules` seeds of one attack (from seed 1), with the simulator's safety checks on. */
export function attackAvailability(attack: Attack, schedules: number, guards: Guards = NO_GUARDS): AvailabilitySummary {
  const runs = Array.from({ length: schedules }, (_, k) => runSchedule(simulatedAttack(attack, k + 1, 3, guards)));
  const failed = runs.find((r) => r.failure);
  if (failed?.failure)
    throw new Error(`${attack}, seed ${failed.failure.seed}: ${failed.failure.invariant}: ${failed.failure.detail}`);
  return summarizeAvailability(runs.map((r) => r.availability))!;
}
