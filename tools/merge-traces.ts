// Merges the per-server traces of a real cluster run into one trace, in an
// order consistent with happens-before (each server's own order; every
// message received after its send), which make check then validates with TLC.
//   npx tsx tools/merge-traces.ts --dir RUN [--out FILE]
//   npx tsx tools/merge-traces.ts --out FILE TRACE...
// With --dir, the traces are RUN/nX/trace.ndjson of the servers RUN's
// cluster.json names (and RUN/proxy/trace.ndjson, the network proxy's, when a
// nemesis run wrote one), and the merged trace goes to RUN/merged.ndjson unless
// --out says otherwise. Each merged event names its FILE:LINE in `origin`.
// Exits 0 when merged; 1 when the traces cannot be merged (a receive whose
// send is in no file, a cycle, a missing or invalid file), with one line
// naming the file and line; 2 on wrong usage. --json prints one JSON document
// on stdout ({"command", "exitCode", "result"}: the merged file, its events
// and the messages never received) and the lines above on stderr. --help
// prints this text.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exitOnHelp, parse, UsageError } from '../src/cli/options.js';
import { LocalCluster } from '../src/server/local-cluster.js';
import { checkOutputsApart, checkWritableFile } from '../src/files/output-path.js';
import { mergeTraceFiles, writeMergedTrace } from '../src/trace/merge.js';
import { runTool } from '../src/cli/run-tool.js';
import { reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

function main(): number {
  const { values, positionals } = parse(process.argv.slice(2), ['dir', 'out']);
  let files = positionals;
  let out = values.out;
  if (values.dir) {
    if (files.length) throw new UsageError('give --dir or trace files, not both');
    const cluster = LocalCluster.attach(values.dir);
    files = cluster.ids.map((id) => join(cluster.dataDir(id), 'trace.ndjson'));
    for (const f of files) if (!existsSync(f)) throw new Error(`${f}: no such file (did that server ever start?)`);
    // A nemesis run (make cluster-check) has the network proxy's trace too.
    const proxy = join(values.dir, 'proxy', 'trace.ndjson');
    if (existsSync(proxy)) files.push(proxy);
    out ??= join(values.dir, 'merged.ndjson');
  }
  if (!out) throw new UsageError('--out FILE is required without --dir');
  if (files.length === 0) throw new UsageError('name the traces to merge, or --dir RUN');
  checkOutputsApart([['--out', out]], files);
  checkWritableFile(out);
  const merged = mergeTraceFiles(files);
  writeMergedTrace(out, merged);
  reportJson({ out, traces: files, events: merged.events.length, unreceived: merged.unreceived });
  console.log(
    `merged ${merged.events.length} events from ${files.length} traces into ${out} (${merged.unreceived} messages sent and never received)`,
  );
  console.log(`check it with TLC: make check TRACES=${out}`);
  return 0;
}

runTool('merge-traces', main);
