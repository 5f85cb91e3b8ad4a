// Schedules that push a server behind its leader's compaction point, where
// the snapshot bugs live (the thesis's chapter 5; openraft, hashicorp/raft
// and willemt/raft fixed theirs there): a follower cut off or crashed while
// the others commit and compact, then back; a crash right as a snapshot is
// installed; snapshots duplicated and delivered out of order. Random
// schedules seldom keep a server away long enough for its leader to compact
// past it. Each runs on the attacks' clock (round trips well under a
// timeout), with clients asking every fourth tick.
import { ATTACK_TIMING, busyTicks } from './attacks.js';
import { FAULT_WINDOWS } from './fault-windows.js';
import { withGuards, type Schedule, type Step } from './schedule.js';
import { NO_GUARDS, type Guards } from '../raft/types.js';

export const COMPACTION_ATTACKS = [
  'isolated-behind',
  'crashed-behind',
  'crash-during-install',
  'duplicated-snapshots',
] as const;
export type CompactionAttack = (typeof COMPACTION_ATTACKS)[number];

const INSTALL_WINDOW = FAULT_WINDOWS.indexOf('installSnapshot');
const SNAPSHOT_WINDOW = FAULT_WINDOWS.indexOf('snapshot');

/** Snapshots duplicated and reordered: each tick, a copy of some message in flight, and some message delivered early. */
function shuffledSnapshots(n: number, seed: number): Step[] {
  return Array.from({ length: n }, (_, k): Step[] => [
    { kind: 'tick' },
    { kind: 'duplicate', pick: seed + 7 * k },
    { kind: 'deliver', pick: seed + 13 * k },
  ]).flat();
}

/**
 * One attack, with a snapshot every `snapshotEvery` applied entries: 40
 * ticks to elect a leader, then a follower cut off (or a server crashed) for
 * 100 ticks of client requests, then back, then 60 ticks to settle.
 */
export function compactionSchedule(
  attack: CompactionAttack,
  seed: number,
  snapshotEvery: number,
  nodes = 3,
  guards: Guards = NO_GUARDS,
): Schedule {
  const steps: Step[] = [...busyTicks(40)];
  if (attack === 'crashed-behind') {
    // Down while the others compact; back, with another server set to crash right after its next snapshot.
    steps.push({ kind: 'crash', node: seed % nodes }, ...busyTicks(100, 40));
    steps.push({ kind: 'crashOn', node: (seed + 1) % nodes, window: SNAPSHOT_WINDOW }, { kind: 'restart', pick: 0 });
  } else {
    steps.push({ kind: 'isolateFollower' }, ...busyTicks(100, 40));
    // Whichever server installs a snapshot first crashes right after it.
    if (attack === 'crash-during-install')
      for (let node = 0; node < nodes; node++) steps.push({ kind: 'crashOn', node, window: INSTALL_WINDOW });
    steps.push({ kind: 'heal' });
    // Halfway through, a server times out: the copies of the old term's snapshots still in flight arrive stale.
    if (attack === 'duplicated-snapshots')
      steps.push(
        ...shuffledSnapshots(15, seed),
        { kind: 'timeout', node: (seed + 1) % nodes },
        ...shuffledSnapshots(15, seed + 1),
      );
  }
  steps.push(...busyTicks(60, 140));
  if (attack === 'crash-during-install' || attack === 'crashed-behind')
    steps.push({ kind: 'restart', pick: 0 }, ...busyTicks(40, 200));
  return withGuards({ nodes, seed, steps, timing: ATTACK_TIMING, snapshotEvery }, guards);
}
