// Starts one Raft server process: the RaftNode of src/raft/ driven by real
// timers, TCP to its peers, a write-ahead log on disk and an HTTP client API,
// all on the loopback interface.
//   npx tsx tools/server.ts --config FILE --id nX [--data DIR] [--no-fsync]
//   npx tsx tools/server.ts --id nX --members n1=127.0.0.1:7101:7201,n2=... --data DIR
//                           [--election-timeout MIN-MAX] [--heartbeat MS] [--request-timeout MS]
//                           [--seed S] [--lifetime SECONDS] [--no-fsync] [--supervised]
// The config file is what make cluster-up writes (see README); flags override
// it. The server keeps its write-ahead log (wal.log) and its trace
// (trace.ndjson) in DIR (default: the config's dir/<id>/). SIGTERM or SIGINT
// stops it cleanly, and so does the end of its lifetime (default 3600 s);
// SIGKILL loses nothing it acknowledged. With --supervised its stdin is a
// pipe from the process that started it, and it stops (as on SIGTERM) when
// that pipe closes: a supervisor that dies, even by SIGKILL, takes its
// servers with it. Exits 0 when stopped by a signal or
// its lifetime, 1 on a failure to start (a corrupt log, a port in use), 2 on
// wrong usage, 70 when one of its own safety checks fails while it runs. --help prints this text.
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/cli/options.js';
import {
  DEFAULTS,
  parseMembersFlag,
  readClusterConfig,
  serverConfig,
  type ClusterConfig,
} from '../src/server/config.js';
import { RaftServer } from '../src/server/raft-server.js';
import { runTool } from '../src/cli/run-tool.js';
import { HarnessError } from '../src/errors/harness-error.js';

exitOnHelp(process.argv.slice(2), import.meta.url);

function range(text: string): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < Number(m[1]))
    throw new UsageError(
      `--election-timeout takes MIN-MAX milliseconds with 1 <= MIN <= MAX, got ${JSON.stringify(text)}`,
    );
  return { min: Number(m[1]), max: Number(m[2]) };
}

async function main(): Promise<void> {
  const { values, positionals } = parse(
    process.argv.slice(2),
    [
      'config',
      'id',
      'members',
      'data',
      'election-timeout',
      'heartbeat',
      'request-timeout',
      'seed',
      'lifetime',
      'no-fsync',
      'supervised',
    ],
    ['no-fsync', 'supervised'],
  );
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (!values.id) throw new UsageError('--id is required (e.g. --id n1)');
  if (!values.config && !values.members)
    throw new UsageError('give --config FILE or --members n1=127.0.0.1:7101:7201,...');
  if (!values.config && !values.data) throw new UsageError('--data DIR is required without --config');
  const base: ClusterConfig = values.config ? readClusterConfig(values.config) : { members: {}, dir: '.', ...DEFAULTS };
  const cluster: ClusterConfig = {
    ...base,
    ...(values.members ? { members: parseMembersFlag(values.members) } : {}),
    ...(values['election-timeout'] ? { electionTimeoutMs: range(values['election-timeout']) } : {}),
    ...(values.heartbeat ? { heartbeatMs: positiveInt('heartbeat', values.heartbeat, 0) } : {}),
    ...(values['request-timeout']
      ? { requestTimeoutMs: positiveInt('request-timeout', values['request-timeout'], 0) }
      : {}),
    ...(values.seed ? { seed: positiveInt('seed', values.seed, 0) } : {}),
    ...(values.lifetime ? { lifetimeSeconds: positiveInt('lifetime', values.lifetime, 0) } : {}),
    ...(values['no-fsync'] ? { fsync: false } : {}),
  };
  // A failed safety check of the server's own (or a broken disk) ends the process with code 70.
  const server = await RaftServer.start(serverConfig(cluster, values.id, values.data), undefined, (err) => {
    process.stderr.write(`${err.message.startsWith(`${values.id}:`) ? '' : `${values.id}: `}${err.message}\n`);
    process.exit(70);
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    throw new HarnessError(`port ${(err as { port?: number }).port ?? ''} is already in use (${err.message})`);
  });
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => {
        process.stderr.write(`${server.id}: stopped by ${why}\n`);
        process.exit(0);
      },
      (err) => {
        process.stderr.write(`${server.id}: failed to stop cleanly: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => shutdown(signal));
  setTimeout(() => shutdown(`the end of its lifetime (${cluster.lifetimeSeconds} s)`), cluster.lifetimeSeconds * 1000);
  if (values.supervised) watchSupervisor(() => shutdown('its supervisor going away (its stdin pipe closed)'));
}

/** Calls `gone` once stdin, the pipe from the supervisor, reaches its end or fails. */
function watchSupervisor(gone: () => void): void {
  process.stdin.on('data', () => {});
  process.stdin.on('end', gone);
  process.stdin.on('close', gone);
  process.stdin.on('error', gone);
  process.stdin.resume();
}

runTool('server', main);
