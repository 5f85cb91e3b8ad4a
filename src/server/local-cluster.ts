// A cluster of real server processes on this machine, for the quick start
// (make cluster-up), the tests and the benchmark. It writes the cluster's
// config into a run folder, starts each server as `node --import tsx
// tools/server.ts`, and stops exactly the processes it started: by the child
// handle it holds, or (for a detached cluster that outlives the command) by
// the PID file it wrote, after checking that the PID still runs our server
// with this run folder's config.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomInt } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Guards, ServerId } from '../raft/types.js';
import { dyingWithParent, processRunning, trackChild, trackPid, untrackPid } from '../files/cleanup.js';
import { ensureDir } from '../files/output-path.js';
import { REPO_ROOT } from '../files/repo-root.js';
import { clientUrlOf, localClusterConfig, readClusterConfig, type ClusterConfig } from './config.js';
import type { ServerStatus } from './raft-server.js';

export interface LocalClusterOptions {
  readonly dir: string;
  readonly servers: number;
  /** Raft ports base+1.., client ports base+101..; without it, free ports are picked. */
  readonly basePort?: number;
  readonly fsync?: boolean;
  readonly electionTimeoutMs?: { min: number; max: number };
  readonly heartbeatMs?: number;
  readonly requestTimeoutMs?: number;
  /** Each server stops by itself after this long (default: tests' clusters 900 s, else the config's default). */
  readonly lifetimeSeconds?: number;
  /** Detached servers outlive this process (make cluster-up); others die with it. */
  readonly detached?: boolean;
  /** Where each server dials each peer (a proxy's ports), see ClusterConfig.routes. */
  readonly routes?: ClusterConfig['routes'];
  /** See ClusterConfig.loseUnsynced. */
  readonly loseUnsynced?: boolean;
  readonly seed?: number;
  /** The guards (both on when absent, as the servers' default). */
  readonly guards?: Guards;
  /** Entries per AppendEntries (the servers' default when absent). */
  readonly maxEntriesPerMessage?: number;
  /** The servers' snapshot policy (none when absent): see ClusterConfig.snapshotEvery. */
  readonly snapshotEvery?: number;
  /** The project copy whose tools/server.ts the servers run (the audit's mutated copies); default this one. */
  readonly projectRoot?: string;
}

/** The kernel's range of ephemeral ports, the ones outgoing connections are given (Linux; elsewhere the IANA range). */
function ephemeralRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return { low: low!, high: high! };
  } catch {
    // not Linux
  }
  return { low: 49152, high: 65535 };
}

function bindable(port: number): Promise<ReturnType<typeof createServer> | null> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(null));
    s.listen(port, '127.0.0.1', () => res(s));
  });
}

/**
 * Ports this process handed out already: a caller binds them later (the nemesis
 * picks the proxy's ports, then the cluster's, and starts the proxy first), so
 * a port free now may be promised to an earlier caller.
 */
const handedOut = new Set<number>();

/**
 * Ports nothing listens on right now, picked at random below the ephemeral
 * range: between this check and the server binding its port, no outgoing
 * connection on this machine (a client's, a peer's, another test's) can be
 * given it, as it could be a port the kernel picked. Another process picking
 * ports the same way could still take one meanwhile: rare, and the server
 * then fails to start with a one-line "port in use".
 */
export async function freePorts(n: number): Promise<number[]> {
  const { low } = ephemeralRange();
  const floor = 10_000;
  const ceiling = low - 1;
  const held: Array<ReturnType<typeof createServer>> = [];
  const ports: number[] = [];
  try {
    for (let tries = 0; ports.length < n && tries < 50 * n; tries++) {
      const port = ceiling > floor ? randomInt(floor, ceiling + 1) : 0;
      if (port !== 0 && (ports.includes(port) || handedOut.has(port))) continue;
      const s = await bindable(port);
      if (!s) continue;
      held.push(s);
      ports.push((s.address() as { port: number }).port);
    }
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
  if (ports.length < n) throw new Error(`could not find ${n} free loopback ports below ${ceiling + 1}`);
  for (const p of ports) handedOut.add(p);
  return ports;
}

/** Whether something already listens on the port (the quick start refuses to start over it). */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(true));
    s.listen(port, '127.0.0.1', () => s.close(() => res(false)));
  });
}

export class LocalCluster {
  private readonly children = new Map<ServerId, ChildProcess>();
  /** Children this handle sent a signal that ends them: their exits are expected. */
  private readonly signalled = new Set<ChildProcess>();
  /** The exit of each server that ended by itself (not by a signal this handle sent): code and when. */
  readonly exits: Array<{ id: ServerId; code: number | null; signal: string | null; at: number }> = [];

  private constructor(
    readonly dir: string,
    readonly configPath: string,
    readonly config: ClusterConfig,
    private readonly detached: boolean,
    private readonly projectRoot: string = REPO_ROOT,
  ) {}

  private get serverScript(): string {
    return join(this.projectRoot, 'tools', 'server.ts');
  }

  static async create(options: LocalClusterOptions): Promise<LocalCluster> {
    const dir = resolve(options.dir);
    ensureDir(dir);
    const extra = {
      ...(options.fsync !== undefined ? { fsync: options.fsync } : {}),
      ...(options.electionTimeoutMs ? { electionTimeoutMs: options.electionTimeoutMs } : {}),
      ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.lifetimeSeconds
        ? { lifetimeSeconds: options.lifetimeSeconds }
        : options.detached
          ? {}
          : { lifetimeSeconds: 900 }),
      ...(options.routes ? { routes: options.routes } : {}),
      ...(options.loseUnsynced ? { loseUnsynced: true } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.guards ? { preVote: options.guards.preVote, checkQuorum: options.guards.checkQuorum } : {}),
      ...(options.maxEntriesPerMessage ? { maxEntriesPerMessage: options.maxEntriesPerMessage } : {}),
      ...(options.snapshotEvery ? { snapshotEvery: options.snapshotEvery } : {}),
    };
    let raw: Record<string, unknown>;
    if (options.basePort !== undefined) {
      raw = localClusterConfig(options.servers, options.basePort, extra);
    } else {
      const ports = await freePorts(2 * options.servers);
      raw = localClusterConfig(options.servers, 0, extra);
      const servers = raw.servers as Record<string, { raftPort: number; clientPort: number }>;
      Object.values(servers).forEach((m, k) => {
        m.raftPort = ports[2 * k]!;
        m.clientPort = ports[2 * k + 1]!;
      });
    }
    const configPath = join(dir, 'cluster.json');
    writeFileSync(configPath, JSON.stringify(raw, null, 2) + '\n');
    return new LocalCluster(
      dir,
      configPath,
      readClusterConfig(configPath),
      options.detached ?? false,
      options.projectRoot ? resolve(options.projectRoot) : REPO_ROOT,
    );
  }

  /** A cluster make cluster-up started earlier, from its run folder. */
  static attach(dir: string): LocalCluster {
    const configPath = join(resolve(dir), 'cluster.json');
    if (!existsSync(configPath)) throw new Error(`${dir}: no cluster.json here; start a cluster with make cluster-up`);
    return new LocalCluster(resolve(dir), configPath, readClusterConfig(configPath), true);
  }

  /**
   * Servers an earlier command started over run folder `dir` that still run
   * with its config, after waiting up to `waitMs` for them to stop by
   * themselves (a supervised server stops once its supervisor is gone).
   */
  static async leftovers(dir: string, waitMs = 5000): Promise<Array<{ id: ServerId; pid: number }>> {
    if (!existsSync(join(dir, 'cluster.json'))) return [];
    let old: LocalCluster;
    try {
      old = LocalCluster.attach(dir);
    } catch {
      return []; // a config no server could have run with
    }
    const deadline = Date.now() + waitMs;
    for (;;) {
      const running = old.ids.flatMap((id) => {
        const pid = old.ownPid(id);
        return pid === null ? [] : [{ id, pid }];
      });
      if (running.length === 0 || Date.now() >= deadline) return running;
      await pause(50);
    }
  }

  get ids(): ServerId[] {
    return Object.keys(this.config.members);
  }

  dataDir(id: ServerId): string {
    return join(this.config.dir, id);
  }

  clientUrl(id: ServerId): string {
    return clientUrlOf(this.config.members[id]!);
  }

  get clientUrls(): Record<ServerId, string> {
    return Object.fromEntries(this.ids.map((id) => [id, this.clientUrl(id)]));
  }

  private pidFile(id: ServerId): string {
    return join(this.dataDir(id), 'server.pid');
  }

  /**
   * Starts server `id` (again, after a kill: it recovers from its data
   * directory). A server of a cluster that is not detached is supervised:
   * its stdin is a pipe from this process, and it stops when the pipe closes,
   * that is when this process ends, however (a SIGKILL included). Where
   * util-linux's setpriv is found, the parent's death also sends it SIGCONT,
   * so that a server the nemesis paused wakes to see the pipe closed.
   */
  start(id: ServerId, extraArgs: readonly string[] = []): void {
    if (this.children.has(id)) throw new Error(`${id} is already running`);
    ensureDir(this.dataDir(id));
    const logFd = openSync(join(this.dataDir(id), 'server.log'), 'a');
    const supervised = !this.detached;
    const args = [
      '--import',
      'tsx',
      this.serverScript,
      '--config',
      this.configPath,
      '--id',
      id,
      ...(supervised ? ['--supervised'] : []),
      ...extraArgs,
    ];
    const launch = supervised
      ? dyingWithParent(process.execPath, args, 'SIGCONT')
      : { command: process.execPath, args };
    let child: ChildProcess;
    try {
      child = spawn(launch.command, launch.args, {
        cwd: this.projectRoot,
        stdio: [supervised ? 'pipe' : 'ignore', logFd, logFd],
        detached: this.detached,
      });
    } finally {
      closeSync(logFd);
    }
    // Every server's PID is on file, so that a later command over this run folder finds one still running.
    if (child.pid) writeFileSync(this.pidFile(id), `${child.pid}\n`);
    if (this.detached) {
      child.unref();
      // Until release(): a command interrupted while its cluster starts stops it.
      if (child.pid) trackPid(child.pid);
    } else {
      // The pipe is the server's lifeline: an error on it (the server gone) is no error of ours.
      child.stdin?.on('error', () => {});
      trackChild(child, 'SIGKILL');
    }
    this.children.set(id, child);
    child.once('exit', (code, signal) => {
      if (this.children.get(id) === child) this.children.delete(id);
      if (!this.signalled.has(child)) this.exits.push({ id, code, signal, at: Date.now() });
      this.signalled.delete(child);
    });
  }

  /** Leaves the detached servers running after this process ends (make cluster-up, once the cluster is up). */
  release(): void {
    for (const child of this.children.values()) if (child.pid) untrackPid(child.pid);
  }

  /**
   * The PID in `id`'s PID file, if that process is alive and is our server
   * started with this run folder's config; null otherwise.
   */
  ownPid(id: ServerId): number | null {
    const file = this.pidFile(id);
    const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
    if (Number.isInteger(pid) && pid > 1 && this.runsServer(pid, id)) return pid;
    // The PID file gone with its data directory: the process may still run, holding its ports.
    return this.findServer(id);
  }

  /** Whether process `pid` runs our server `id` with this run folder's config. */
  private runsServer(pid: number, id: ServerId): boolean {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return false;
    }
    const at = args.indexOf('--id');
    return (
      processRunning(pid) &&
      args.includes(this.serverScript) &&
      args.includes(this.configPath) &&
      at >= 0 &&
      args[at + 1] === id
    );
  }

  /** The process running our server `id` with this config, found among all processes; null if none. */
  private findServer(id: ServerId): number | null {
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return null;
    }
    for (const p of entries) if (/^\d+$/.test(p) && this.runsServer(Number(p), id)) return Number(p);
    return null;
  }

  /** Sends `signal` to server `id` and waits (up to `waitMs`) until it has exited. */
  async signal(id: ServerId, signal: NodeJS.Signals, waitMs = 10_000): Promise<boolean> {
    const child = this.children.get(id);
    const pid = child?.pid ?? this.ownPid(id);
    if (!pid) return true;
    if (child) this.signalled.add(child);
    try {
      process.kill(pid, signal);
    } catch {
      return true;
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (child ? child.exitCode !== null || child.signalCode !== null : !processRunning(pid)) {
        this.children.delete(id);
        untrackPid(pid);
        rmSync(this.pidFile(id), { force: true });
        return true;
      }
      await pause(20);
    }
    return false;
  }

  /** SIGSTOP (pause) or SIGCONT (resume) to a running server; false if it does not run. */
  suspend(id: ServerId, paused: boolean): boolean {
    const pid = this.children.get(id)?.pid ?? this.ownPid(id);
    if (!pid) return false;
    try {
      process.kill(pid, paused ? 'SIGSTOP' : 'SIGCONT');
      return true;
    } catch {
      return false;
    }
  }

  kill(id: ServerId): Promise<boolean> {
    return this.signal(id, 'SIGKILL');
  }

  /** SIGTERM, then SIGKILL if the server has not stopped within `graceMs`. */
  async stop(id: ServerId, graceMs = 5000): Promise<'stopped' | 'killed'> {
    if (await this.signal(id, 'SIGTERM', graceMs)) return 'stopped';
    await this.kill(id);
    return 'killed';
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.stop(id)));
  }

  async status(id: ServerId, timeoutMs = 1000): Promise<ServerStatus | null> {
    try {
      const res = await fetch(`${this.clientUrl(id)}/status`, { signal: AbortSignal.timeout(timeoutMs) });
      return (await res.json()) as ServerStatus;
    } catch {
      return null;
    }
  }

  async statuses(): Promise<Record<ServerId, ServerStatus | null>> {
    const all = await Promise.all(this.ids.map((id) => this.status(id)));
    return Object.fromEntries(this.ids.map((id, k) => [id, all[k]!]));
  }

  /** The last exit by itself of server `id` (at or after `since`, ms since the epoch) not taken yet: how it ended, and the last line of its server.log. */
  peekExit(id: ServerId, since = 0): { how: string; lastLine: string } | null {
    const e = this.lastExit(id, since);
    return e
      ? { how: e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`, lastLine: this.lastLogLine(e.id) }
      : null;
  }

  /** As peekExit, and the exit is taken out of `exits`: someone expected it (the nemesis's disk faults). */
  takeExit(id: ServerId, since = 0): { how: string; lastLine: string } | null {
    const seen = this.peekExit(id, since);
    if (seen) this.exits.splice(this.exits.indexOf(this.lastExit(id, since)!), 1);
    return seen;
  }

  private lastExit(id: ServerId, since: number) {
    return [...this.exits].reverse().find((x) => x.id === id && x.at >= since);
  }

  private lastLogLine(id: ServerId): string {
    try {
      return (
        readFileSync(join(this.dataDir(id), 'server.log'), 'utf8')
          .trim()
          .split('\n')
          .at(-1) ?? ''
      );
    } catch {
      return '';
    }
  }

  /**
   * Why a server this handle started ended by itself (code or signal, and the
   * last line of its server.log), or null if none did: a server that fails
   * to start says why there (a damaged log, a port in use).
   */
  exitedServer(among: readonly ServerId[] = this.ids): string | null {
    const e = this.exits.find((x) => among.includes(x.id));
    if (!e) return null;
    const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
    const log = join(this.dataDir(e.id), 'server.log');
    let last = '';
    try {
      last = readFileSync(log, 'utf8').trim().split('\n').at(-1) ?? '';
    } catch {
      // no log
    }
    return `${e.id} ${how}${last ? `: ${last}` : ''} (${log})`;
  }

  /**
   * Polls the servers' status until `test` holds, or fails after `timeoutMs`
   * naming `what`; with `failOnExit`, fails at once when a server of
   * `failOnExit` ends by itself meanwhile, saying why.
   */
  async waitFor<T>(
    what: string,
    timeoutMs: number,
    test: (s: Record<ServerId, ServerStatus | null>) => T | null | undefined | false,
    failOnExit: readonly ServerId[] = [],
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: Record<ServerId, ServerStatus | null> = {};
    while (Date.now() < deadline) {
      const exited = this.exitedServer(failOnExit);
      if (exited) throw new Error(`${exited}, while waiting for ${what}`);
      last = await this.statuses();
      const ok = test(last);
      if (ok) return ok;
      await pause(50);
    }
    const seen = Object.entries(last).map(([id, s]) =>
      s ? `${id} ${s.role} t${s.term} log ${s.logLength} commit ${s.commitIndex}` : `${id} down`,
    );
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${seen.join('; ')})`);
  }

  /** Waits until the running servers agree on one leader of their common term; returns it. */
  waitForLeader(
    timeoutMs = 15_000,
    among: readonly ServerId[] = this.ids,
    failOnExit: readonly ServerId[] = [],
  ): Promise<ServerId> {
    return this.waitFor(
      'one leader that every running server follows',
      timeoutMs,
      (all) => {
        const up = among.map((id) => all[id]).filter((s): s is ServerStatus => !!s);
        if (up.length < Math.floor(this.ids.length / 2) + 1) return null;
        const leaders = up.filter((s) => s.role === 'Leader');
        if (leaders.length !== 1) return null;
        const leader = leaders[0]!;
        return up.every((s) => s.term === leader.term && s.leader === leader.id) ? leader.id : null;
      },
      failOnExit,
    );
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
