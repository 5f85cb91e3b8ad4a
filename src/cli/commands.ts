// The commands of `raft-tla` (tools/raft-tla.ts), each the tool module of
// tools/ that does its work, with one line on what it is for. The tools stay
// runnable on their own (`npx tsx tools/X.ts`, and make runs them so); the
// command only chooses one, so no logic is written twice.
export interface Command {
  /** The module in tools/, without its .ts. */
  readonly tool: string;
  readonly says: string;
  /** Whether it takes --json (src/cli/output.ts): the commands that report a result. */
  readonly json: boolean;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  check: {
    tool: 'check-traces',
    says: 'check trace files against spec/Raft.tla: TLC, in process or both (make check)',
    json: true,
  },
  validate: { tool: 'validate-trace', says: 'check trace files against the trace schema only', json: true },
  generate: { tool: 'generate-traces', says: 'write traces of seeded simulated runs (make traces)', json: true },
  audit: {
    tool: 'audit',
    says: 'inject known Raft bugs and report which oracle catches each (make audit)',
    json: true,
  },
  'cluster-audit': {
    tool: 'cluster-audit',
    says: 'the audit on real server processes under the nemesis (make audit MODE=cluster)',
    json: true,
  },
  spec: { tool: 'model-check', says: 'model-check spec/Raft.tla with TLC, with coverage (make spec)', json: true },
  'spec-audit': {
    tool: 'spec-audit',
    says: 'put known Raft bugs into copies of the spec; each must be killed',
    json: true,
  },
  'fuzz-checkers': {
    tool: 'fuzz-checkers',
    says: 'hold the in-process checker to TLC on perturbed traces',
    json: true,
  },
  soak: { tool: 'soak', says: "the simulator's oracles over many schedules, no TLC (make soak)", json: true },
  replay: { tool: 'replay', says: 'replay a saved schedule and say what the harness finds', json: true },
  merge: { tool: 'merge-traces', says: "merge a real cluster's per-process traces by happens-before", json: true },
  itf: { tool: 'export-itf', says: 'export a trace as an ITF trace (Apalache, Quint)', json: false },
  cluster: { tool: 'cluster', says: 'up, status, start and down: real server processes on this machine', json: true },
  'cluster-check': {
    tool: 'cluster-check',
    says: 'a real cluster under the nemesis, judged by every oracle',
    json: true,
  },
  kv: { tool: 'kv', says: "put and get a key through a running cluster's client API", json: true },
  bench: { tool: 'bench', says: 'throughput and time figures of the simulator, TLC and the checkers', json: true },
  'setup-tlc': { tool: 'setup-tlc', says: 'obtain TLC and say which one is in use', json: false },
};
