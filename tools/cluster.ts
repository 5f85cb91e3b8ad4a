// Starts, inspects and stops a cluster of real Raft server processes on this
// machine, in the background, for trying the system by hand.
//   npx tsx tools/cluster.ts up [--servers N] [--dir DIR] [--base-port P] [--lifetime SECONDS] [--no-fsync]
//   npx tsx tools/cluster.ts status [--dir DIR]
//   npx tsx tools/cluster.ts start ID [--dir DIR]
//   npx tsx tools/cluster.ts down [--dir DIR]
// up writes DIR/cluster.json (default DIR: traces/cluster; 3 servers; Raft
// ports P+1.., client ports P+101.., P default 7100, all on 127.0.0.1),
// starts each server with its data, trace and log in DIR/nX/, and waits for a
// leader. Each server stops by itself after SECONDS (default 3600). Over the
// run folder of an earlier cluster, the servers recover from its data (remove
// the folder to start afresh). start restarts one server of the cluster (after
// a kill -9, say), which recovers from its data. down stops the servers this folder's PID files
// name (SIGTERM, then SIGKILL after 5 s), only if they still run this
// folder's config. --json prints one JSON document on stdout ({"command",
// "exitCode", "result"}: each server's client URL, pid and, for status, its
// role, term and log) and the lines above on stderr. Exits 0 on success, 1 on
// a failure, 2 on wrong usage. --help prints this text.
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { LocalCluster, portInUse } from '../src/server/local-cluster.js';
import { runTool } from '../src/cli/run-tool.js';
import { reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

async function up(
  dir: string,
  servers: number,
  basePort: number,
  fsync: boolean,
  lifetimeSeconds: number,
): Promise<number> {
  try {
    const old = LocalCluster.attach(dir);
    const running = old.ids.filter((id) => old.ownPid(id) !== null);
    if (running.length)
      throw new Error(`${dir}: servers ${running.join(', ')} are already running; stop them with make cluster-down`);
    // The servers' logs and traces belong to that membership.
    if (old.ids.length !== servers)
      throw new Error(
        `${dir} holds the data of a ${old.ids.length}-server cluster; remove the folder or choose another (CLUSTER_DIR=..., --dir)`,
      );
  } catch (err) {
    if (!(err as Error).message.includes('no cluster.json')) throw err;
  }
  for (let k = 1; k <= servers; k++) {
    for (const p of [basePort + k, basePort + 100 + k]) {
      if (await portInUse(p))
        throw new Error(
          `port ${p} on 127.0.0.1 is already in use; choose other ports with BASE_PORT=... (--base-port)`,
        );
    }
  }
  const cluster = await LocalCluster.create({ dir, servers, basePort, fsync, lifetimeSeconds, detached: true });
  for (const id of cluster.ids) cluster.start(id);
  try {
    // A server that fails to start (a damaged log, a port taken) fails the command at once, with its reason.
    const leader = await cluster.waitForLeader(30_000, cluster.ids, cluster.ids);
    cluster.release();
    console.log(
      `cluster up: ${servers} server${servers === 1 ? '' : 's'}, leader ${leader}; run folder ${dir}/ (config cluster.json; per server: wal.log, trace.ndjson, server.log)`,
    );
    for (const id of cluster.ids)
      console.log(`  ${id}  client API ${cluster.clientUrl(id)}  pid ${cluster.ownPid(id)}`);
    reportJson({
      dir,
      leader,
      servers: cluster.ids.map((id) => ({ id, clientUrl: cluster.clientUrl(id), pid: cluster.ownPid(id) })),
    });
    console.log(`try:  npx tsx tools/kv.ts --dir ${dir} put greeting hello`);
    console.log(`      npx tsx tools/kv.ts --dir ${dir} get greeting`);
    console.log(`stop: make cluster-down (each server stops by itself after ${lifetimeSeconds} s)`);
    return 0;
  } catch (err) {
    await cluster.stopAll();
    throw new Error(`${(err as Error).message}; servers stopped, see ${dir}/nX/server.log`, { cause: err });
  }
}

async function status(dir: string): Promise<number> {
  const cluster = LocalCluster.attach(dir);
  const all = await cluster.statuses();
  reportJson({
    dir,
    servers: cluster.ids.map((id) => ({
      id,
      pid: cluster.ownPid(id),
      answering: Boolean(all[id]),
      status: all[id] ?? null,
    })),
  });
  for (const id of cluster.ids) {
    const s = all[id];
    const pid = cluster.ownPid(id);
    console.log(
      s
        ? `${id}  ${s.role.padEnd(9)} term ${s.term}  log ${s.logLength}  commit ${s.commitIndex}  applied ${s.lastApplied}  leader ${s.leader ?? '-'}  pid ${pid}`
        : `${id}  not answering${pid ? ` (pid ${pid})` : ' (not running)'}`,
    );
  }
  return 0;
}

async function startOne(dir: string, id: string): Promise<number> {
  const cluster = LocalCluster.attach(dir);
  if (!cluster.ids.includes(id))
    throw new UsageError(`${id} is not a member of the cluster in ${dir} (${cluster.ids.join(', ')})`);
  const pid = cluster.ownPid(id);
  if (pid) throw new Error(`${id} is already running (pid ${pid})`);
  cluster.start(id);
  let s: NonNullable<Awaited<ReturnType<typeof cluster.status>>>;
  try {
    s = await cluster.waitFor(`${id} to answer`, 30_000, (all) => all[id], [id]);
  } catch (err) {
    await cluster.stop(id);
    throw err;
  }
  cluster.release();
  reportJson({ dir, id, pid: cluster.ownPid(id), status: s });
  console.log(
    `${id} started (pid ${cluster.ownPid(id)}, incarnation ${s.incarnation}, term ${s.term}, log ${s.logLength})`,
  );
  return 0;
}

async function down(dir: string): Promise<number> {
  const cluster = LocalCluster.attach(dir);
  const servers: Array<{ id: string; pid: number | null; stopped: string }> = [];
  for (const id of cluster.ids) {
    const pid = cluster.ownPid(id);
    const stopped = pid ? await cluster.stop(id) : 'not running';
    servers.push({ id, pid, stopped });
    console.log(pid ? `${id}: ${stopped} (pid ${pid})` : `${id}: not running`);
  }
  reportJson({ dir, servers });
  return 0;
}

async function main(): Promise<number> {
  const { values, positionals } = parse(
    process.argv.slice(2),
    ['servers', 'dir', 'base-port', 'lifetime', 'no-fsync'],
    ['no-fsync'],
  );
  const [command, ...rest] = positionals;
  const id = command === 'start' ? rest.shift() : undefined;
  if (command === 'start' && !id) throw new UsageError('start needs the id of a server, e.g. start n2');
  if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  const dir = values.dir ?? 'traces/cluster';
  switch (command) {
    case 'up': {
      const servers = positiveInt('servers', values.servers, 3);
      // The checker takes clusters n1..nK of 1 to 9 servers (a lone server elects itself).
      if (servers > 9) throw new UsageError(`--servers takes 1..9, got ${servers}`);
      const basePort = positiveInt('base-port', values['base-port'], 7100);
      if (basePort + 100 + servers > 65535)
        throw new UsageError(`--base-port ${basePort} leaves no room for ${servers} servers' ports`);
      return up(dir, servers, basePort, values['no-fsync'] !== 'true', positiveInt('lifetime', values.lifetime, 3600));
    }
    case 'status':
      return status(dir);
    case 'start':
      return startOne(dir, id!);
    case 'down':
      return down(dir);
    default:
      throw new UsageError(`say up, status, start ID or down (got ${JSON.stringify(command ?? '')}); --help explains`);
  }
}

runTool('cluster', main);
