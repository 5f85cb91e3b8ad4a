// A small client for a running cluster (make cluster-up): writes and reads
// keys through the servers' HTTP API, following "not leader" answers.
//   npx tsx tools/kv.ts [--dir DIR | --servers URL,URL,...] [--timeout MS] put KEY VALUE
//   npx tsx tools/kv.ts [--dir DIR | --servers URL,URL,...] [--timeout MS] get KEY
// DIR is the cluster's run folder (default traces/cluster), whose cluster.json
// names the servers. put prints the entry that applied it; get prints the
// value (reads go through the log, so they see every write acknowledged
// before them); of a key that is not set it prints nothing on stdout (a
// script reading the value must not read a sentence) and says so on stderr.
// --json prints one JSON document on stdout instead ({"command", "exitCode",
// "result"}: key, value (null for a key not set), entry index, term, leader).
// Exits 0 when the command was applied (a get of a key not set included), 1
// when it was not or may not have been (a timeout: the message says it may
// still apply), 2 on wrong usage.
// --help prints this text.
import { KvClient } from '../src/client/kv-client.js';
import { KEY_PATTERN } from '../src/server/client-api.js';
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { LocalCluster } from '../src/server/local-cluster.js';
import { runTool } from '../src/cli/run-tool.js';
import { reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

async function main(): Promise<number> {
  const { values, positionals } = parse(process.argv.slice(2), ['dir', 'servers', 'timeout']);
  const [command, key, value, ...rest] = positionals;
  if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  if (command !== 'put' && command !== 'get')
    throw new UsageError(`say put KEY VALUE or get KEY (got ${JSON.stringify(command ?? '')})`);
  if (key === undefined || !KEY_PATTERN.test(key))
    throw new UsageError(`KEY must be 1-128 characters of A-Z a-z 0-9 _ . : - (got ${JSON.stringify(key ?? '')})`);
  if (command === 'put' && value === undefined) throw new UsageError('put needs a VALUE');
  if (command === 'get' && value !== undefined)
    throw new UsageError(`get takes only a KEY (got ${JSON.stringify(value)} too)`);
  let servers: Record<string, string>;
  if (values.servers) {
    const urls = values.servers.split(',');
    for (const u of urls)
      if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(u))
        throw new UsageError(`--servers: ${JSON.stringify(u)} is not http://127.0.0.1:PORT`);
    servers = Object.fromEntries(urls.map((u, k) => [`n${k + 1}`, u]));
  } else {
    servers = LocalCluster.attach(values.dir ?? 'traces/cluster').clientUrls;
  }
  const client = new KvClient({ servers, timeoutMs: positiveInt('timeout', values.timeout, 10_000) });
  const r = command === 'put' ? await client.put(key, value!) : await client.get(key);
  reportJson({ command, key, value: r.value, index: r.index, term: r.term, leader: r.server });
  if (command === 'put')
    console.log(`ok: ${key}=${r.value} applied as entry ${r.index} of term ${r.term} (leader ${r.server})`);
  else if (r.value === null) console.error(`kv: ${key} is not set (read at entry ${r.index}, leader ${r.server})`);
  else console.log(r.value);
  return 0;
}

runTool('kv', main);
