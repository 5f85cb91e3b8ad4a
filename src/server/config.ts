// A server's configuration: the cluster's members and their loopback
// addresses, where its data goes, and its timing. It comes from a small JSON
// file (the one make cluster-up writes), from flags, or from both (flags win).
// Every mistake is reported in one line naming the file or flag and field.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ServerId } from '../raft/types.js';
import { MAX_ENTRIES_PER_MESSAGE } from '../raft/node.js';
import { isLoopback } from '../transport/tcp-transport.js';
import { BadInputError } from '../errors/harness-error.js';

export class ConfigError extends BadInputError {}

export interface MemberAddress {
  readonly host: string;
  /** Where the member listens for its peers' Raft messages. */
  readonly raftPort: number;
  /** Where the member answers clients (HTTP). */
  readonly clientPort: number;
}

/** The base URL of a member's client API. */
export function clientUrlOf(m: MemberAddress): string {
  return `http://${m.host.includes(':') ? `[${m.host}]` : m.host}:${m.clientPort}`;
}

export interface ClusterConfig {
  readonly members: Readonly<Record<ServerId, MemberAddress>>;
  /** The run folder: each server keeps its data in `<dir>/<id>/`. */
  readonly dir: string;
  readonly electionTimeoutMs: { readonly min: number; readonly max: number };
  readonly heartbeatMs: number;
  readonly fsync: boolean;
  readonly requestTimeoutMs: number;
  readonly seed: number;
  /** A server stops by itself (cleanly) after this long: nothing left running sends traffic forever. */
  readonly lifetimeSeconds: number;
  /**
   * Where a server dials to reach a peer, when not the peer's own raftPort:
   * routes[from][to] is a loopback port on which a network proxy (the
   * nemesis, src/nemesis/) forwards from's messages to `to`.
   */
  readonly routes?: Readonly<Record<ServerId, Readonly<Record<ServerId, number>>>>;
  /**
   * The write-ahead log's appends wait in memory until synced (or written back
   * every second): a SIGKILL then loses them, as a power cut loses unsynced
   * pages (storage's PageCacheDisk). For the nemesis.
   */
  readonly loseUnsynced?: boolean;
  /** PreVote and CheckQuorum (both on unless the config file says false). */
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** The most entries one AppendEntries carries (MAX_ENTRIES_PER_MESSAGE unless the config file says otherwise). */
  readonly maxEntriesPerMessage: number;
  /**
   * The snapshot policy: a server whose key-value store applied this many
   * entries since its last snapshot takes one (0, the default: no snapshots;
   * the log then only grows, compacted but never cut).
   */
  readonly snapshotEvery: number;
}

export interface ServerConfig extends ClusterConfig {
  readonly id: ServerId;
  readonly dataDir: string;
}

export const DEFAULTS = {
  electionTimeoutMs: { min: 300, max: 600 },
  heartbeatMs: 60,
  fsync: true,
  requestTimeoutMs: 5000,
  seed: 1,
  lifetimeSeconds: 3600,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerMessage: MAX_ENTRIES_PER_MESSAGE,
  snapshotEvery: 0,
} as const;

const SERVER_ID = /^n[1-9][0-9]*$/;

function port(where: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535)
    throw new ConfigError(`${where}: a port must be an integer in 1..65535, got ${JSON.stringify(v)}`);
  return v as number;
}

function positive(where: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1)
    throw new ConfigError(`${where}: must be a positive integer (milliseconds), got ${JSON.stringify(v)}`);
  return v as number;
}

function entriesBound(where: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1)
    throw new ConfigError(`${where}: must be a positive integer (entries per AppendEntries), got ${JSON.stringify(v)}`);
  return v as number;
}

function snapshotPolicy(where: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    throw new ConfigError(
      `${where}: must be 0 (no snapshots) or a positive integer (entries applied between snapshots), got ${JSON.stringify(v)}`,
    );
  return v as number;
}

function timeoutRange(where: string, v: unknown): { min: number; max: number } {
  if (!Array.isArray(v) || v.length !== 2)
    throw new ConfigError(`${where}: must be [min, max] in milliseconds, got ${JSON.stringify(v)}`);
  const min = positive(`${where}[0]`, v[0]);
  const max = positive(`${where}[1]`, v[1]);
  if (max < min) throw new ConfigError(`${where}: max ${max} is below min ${min}`);
  return { min, max };
}

function members(where: string, v: unknown): Record<ServerId, MemberAddress> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ConfigError(`${where}: must be an object of server ids to addresses`);
  const out: Record<ServerId, MemberAddress> = {};
  const ports = new Map<number, string>();
  for (const [id, a] of Object.entries(v as Record<string, unknown>)) {
    const at = `${where}.${id}`;
    if (!SERVER_ID.test(id)) throw new ConfigError(`${at}: server ids are n1, n2, ...`);
    if (typeof a !== 'object' || a === null) throw new ConfigError(`${at}: must be {"host", "raftPort", "clientPort"}`);
    const { host = '127.0.0.1', raftPort, clientPort, ...rest } = a as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra) throw new ConfigError(`${at}.${extra}: unknown field`);
    if (typeof host !== 'string' || !isLoopback(host))
      throw new ConfigError(
        `${at}.host: only loopback addresses (127.0.0.1, ::1) are allowed, got ${JSON.stringify(host)}`,
      );
    const m = { host, raftPort: port(`${at}.raftPort`, raftPort), clientPort: port(`${at}.clientPort`, clientPort) };
    for (const [p, field] of [
      [m.raftPort, 'raftPort'],
      [m.clientPort, 'clientPort'],
    ] as const) {
      if (ports.has(p)) throw new ConfigError(`${at}.${field}: port ${p} is already used by ${ports.get(p)}`);
      ports.set(p, `${id}.${field}`);
    }
    out[id] = m;
  }
  const n = Object.keys(out).length;
  if (n < 1) throw new ConfigError(`${where}: names no server`);
  return out;
}

function routes(where: string, v: unknown, ids: readonly ServerId[]): Record<ServerId, Record<ServerId, number>> {
  const isObject = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(v)) throw new ConfigError(`${where}: must be an object {"n1": {"n2": PORT, ...}, ...}`);
  const out: Record<ServerId, Record<ServerId, number>> = {};
  for (const [from, tos] of Object.entries(v as Record<string, unknown>)) {
    if (!ids.includes(from)) throw new ConfigError(`${where}.${from}: not a member (members: ${ids.join(', ')})`);
    if (!isObject(tos)) throw new ConfigError(`${where}.${from}: must be an object of peers to ports`);
    out[from] = {};
    for (const [to, p] of Object.entries(tos as Record<string, unknown>)) {
      if (!ids.includes(to) || to === from) throw new ConfigError(`${where}.${from}.${to}: not a peer of ${from}`);
      out[from][to] = port(`${where}.${from}.${to}`, p);
    }
  }
  return out;
}

/** Parses a cluster config file; relative `dir` is taken from the file's folder. */
export function parseClusterConfig(file: string, text: string): ClusterConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError(`${file}: must hold a JSON object`);
  const r = raw as Record<string, unknown>;
  const known = [
    'servers',
    'dir',
    'electionTimeoutMs',
    'heartbeatMs',
    'fsync',
    'requestTimeoutMs',
    'seed',
    'lifetimeSeconds',
    'routes',
    'loseUnsynced',
    'preVote',
    'checkQuorum',
    'maxEntriesPerMessage',
    'snapshotEvery',
  ];
  const extra = Object.keys(r).find((k) => !known.includes(k));
  if (extra) throw new ConfigError(`${file}: field ${extra}: unknown (known: ${known.join(', ')})`);
  if (r.dir !== undefined && typeof r.dir !== 'string') throw new ConfigError(`${file}: field dir: must be a path`);
  if (r.fsync !== undefined && typeof r.fsync !== 'boolean')
    throw new ConfigError(`${file}: field fsync: must be true or false`);
  for (const f of ['loseUnsynced', 'preVote', 'checkQuorum'])
    if (r[f] !== undefined && typeof r[f] !== 'boolean')
      throw new ConfigError(`${file}: field ${f}: must be true or false`);
  if (r.seed !== undefined && !Number.isSafeInteger(r.seed))
    throw new ConfigError(`${file}: field seed: must be an integer`);
  const m = members(`${file}: field servers`, r.servers);
  return {
    members: m,
    dir: resolve(dirname(file), (r.dir as string | undefined) ?? '.'),
    electionTimeoutMs:
      r.electionTimeoutMs === undefined
        ? DEFAULTS.electionTimeoutMs
        : timeoutRange(`${file}: field electionTimeoutMs`, r.electionTimeoutMs),
    heartbeatMs:
      r.heartbeatMs === undefined ? DEFAULTS.heartbeatMs : positive(`${file}: field heartbeatMs`, r.heartbeatMs),
    fsync: (r.fsync as boolean | undefined) ?? DEFAULTS.fsync,
    requestTimeoutMs:
      r.requestTimeoutMs === undefined
        ? DEFAULTS.requestTimeoutMs
        : positive(`${file}: field requestTimeoutMs`, r.requestTimeoutMs),
    seed: (r.seed as number | undefined) ?? DEFAULTS.seed,
    lifetimeSeconds:
      r.lifetimeSeconds === undefined
        ? DEFAULTS.lifetimeSeconds
        : positive(`${file}: field lifetimeSeconds`, r.lifetimeSeconds),
    ...(r.routes === undefined ? {} : { routes: routes(`${file}: field routes`, r.routes, Object.keys(m)) }),
    ...(r.loseUnsynced ? { loseUnsynced: true } : {}),
    preVote: (r.preVote as boolean | undefined) ?? DEFAULTS.preVote,
    checkQuorum: (r.checkQuorum as boolean | undefined) ?? DEFAULTS.checkQuorum,
    maxEntriesPerMessage:
      r.maxEntriesPerMessage === undefined
        ? DEFAULTS.maxEntriesPerMessage
        : entriesBound(`${file}: field maxEntriesPerMessage`, r.maxEntriesPerMessage),
    snapshotEvery:
      r.snapshotEvery === undefined
        ? DEFAULTS.snapshotEvery
        : snapshotPolicy(`${file}: field snapshotEvery`, r.snapshotEvery),
  };
}

export function readClusterConfig(file: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseClusterConfig(file, text);
}

/** `n1=127.0.0.1:7101:7201,n2=...` (the --members flag). */
export function parseMembersFlag(text: string): Record<ServerId, MemberAddress> {
  const raw: Record<string, unknown> = {};
  for (const part of text.split(',')) {
    const m = /^(n[1-9][0-9]*)=(?:(\[::1\]|[0-9.]+|localhost):)?(\d+):(\d+)$/.exec(part.trim());
    if (!m)
      throw new ConfigError(
        `--members: ${JSON.stringify(part)} is not ID=HOST:RAFTPORT:CLIENTPORT (e.g. n1=127.0.0.1:7101:7201)`,
      );
    raw[m[1]!] = {
      host: (m[2] ?? '127.0.0.1').replace(/^\[|\]$/g, ''),
      raftPort: Number(m[3]),
      clientPort: Number(m[4]),
    };
  }
  return members('--members', raw);
}

export function serverConfig(cluster: ClusterConfig, id: string, dataDir?: string): ServerConfig {
  if (!(id in cluster.members))
    throw new ConfigError(`--id: ${id} is not a member (members: ${Object.keys(cluster.members).join(', ')})`);
  return { ...cluster, id, dataDir: dataDir ?? join(cluster.dir, id) };
}

/** The config file make cluster-up writes: ports base+1.. for Raft, base+101.. for clients. */
export function localClusterConfig(
  servers: number,
  basePort: number,
  extra: Partial<Omit<ClusterConfig, 'members' | 'dir'>> = {},
): Record<string, unknown> {
  const s: Record<string, MemberAddress> = {};
  for (let k = 1; k <= servers; k++)
    s[`n${k}`] = { host: '127.0.0.1', raftPort: basePort + k, clientPort: basePort + 100 + k };
  const timeout = extra.electionTimeoutMs ?? DEFAULTS.electionTimeoutMs;
  return {
    servers: s,
    dir: '.',
    electionTimeoutMs: [timeout.min, timeout.max],
    heartbeatMs: extra.heartbeatMs ?? DEFAULTS.heartbeatMs,
    fsync: extra.fsync ?? DEFAULTS.fsync,
    requestTimeoutMs: extra.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    seed: extra.seed ?? DEFAULTS.seed,
    lifetimeSeconds: extra.lifetimeSeconds ?? DEFAULTS.lifetimeSeconds,
    ...(extra.routes ? { routes: extra.routes } : {}),
    ...(extra.loseUnsynced ? { loseUnsynced: true } : {}),
    preVote: extra.preVote ?? DEFAULTS.preVote,
    checkQuorum: extra.checkQuorum ?? DEFAULTS.checkQuorum,
    maxEntriesPerMessage: extra.maxEntriesPerMessage ?? DEFAULTS.maxEntriesPerMessage,
    ...(extra.snapshotEvery ? { snapshotEvery: extra.snapshotEvery } : {}),
  };
}
