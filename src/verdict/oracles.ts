// Every oracle the harness has, in one table: the id a result carries, the
// name a table prints, and what its alarm says in a user's terms. The
// simulator, the campaigns, the audit and the nemesis each use a part of it
// (see the subsets below); none keeps names of its own.

export const ORACLES = {
  tlc: { name: 'TLC', says: 'TLC rejected the trace', by: ['campaign', 'cluster'] },
  schema: { name: 'schema', says: 'the trace is malformed', by: ['campaign'] },
  invariant: { name: 'invariant', says: 'a safety invariant broke', by: ['simulator', 'campaign'] },
  unlogged: {
    name: 'unlogged step',
    says: 'a step happened that the trace does not show',
    by: ['simulator', 'campaign'],
  },
  progress: {
    name: 'progress',
    says: 'the cluster made no progress once the faults ended',
    by: ['simulator', 'campaign'],
  },
  guards: {
    name: 'guards',
    says: 'a leader cut off from the majority kept its role past its CheckQuorum checks',
    by: ['simulator', 'campaign'],
  },
  server: {
    name: "servers' own checks",
    says: 'a server failed, or refused to start, by its own checks',
    by: ['cluster'],
  },
  disk: {
    name: 'disk',
    says: 'a server ran with less than it had made durable, or ran on after its disk failed',
    by: ['cluster'],
  },
  messages: {
    name: 'message accounting',
    says: 'a message delivered to a live server was never consumed by it',
    by: ['cluster'],
  },
  merge: { name: 'merge', says: "the servers' traces do not merge into one history", by: ['cluster'] },
  linearizability: { name: 'linearizability', says: "the clients' history is not linearizable", by: ['cluster'] },
  nemesis: { name: 'nemesis', says: 'the attack did not go as scheduled', by: ['cluster'] },
} as const satisfies Record<
  string,
  { name: string; says: string; by: readonly ('simulator' | 'campaign' | 'cluster')[] }
>;

export type OracleId = keyof typeof ORACLES;

type UsedBy<U extends string> = { [K in OracleId]: U extends (typeof ORACLES)[K]['by'][number] ? K : never }[OracleId];

/** The simulator's own checks: a safety invariant (or an exception), the unlogged-step check, the progress phase. */
export type SimOracle = UsedBy<'simulator'>;
/** What can catch a bug in a simulated campaign: the simulator's checks, the trace's schema, the spec. */
export type CampaignOracle = UsedBy<'campaign'>;
/** What judges a run of real server processes under the nemesis. */
export type ClusterOracle = UsedBy<'cluster'>;

/** An oracle's name in tables. */
export function oracleName(id: OracleId): string {
  return ORACLES[id].name;
}

/** What an oracle's alarm means. */
export function oracleSays(id: OracleId): string {
  return ORACLES[id].says;
}
