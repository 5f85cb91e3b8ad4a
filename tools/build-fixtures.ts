// Writes the committed trace fixtures in traces/fixtures/ and their manifest.
//   npx tsx tools/build-fixtures.ts       (no options; --help prints this text)
// Each scenario is staged on the simulated cluster (the correct
// implementation), giving a trace the checker must accept. Each wrong fixture
// takes such a trace and changes it at one event the way a known Raft bug would
// have logged it, then ends the trace there: the checker must reject it at
// that event's line, naming the variable (or the enabling condition) that
// tells the bug. The fixtures are committed; rerun this only to rebuild them
// after a deliberate change of the trace format, and review the diff.
// Exits 0 when every fixture was written, 1 otherwise.
import { join } from 'node:path';
import type { Message, ServerId } from '../src/raft/types.js';
import { Cluster } from '../src/sim/cluster.js';
import { writeFileAtomic } from '../src/files/writes.js';
import { exitOnHelp, usageOf, UsageError } from '../src/cli/options.js';
import { runTool } from '../src/cli/run-tool.js';

exitOnHelp(process.argv.slice(2), import.meta.url);

const DIR = 'traces/fixtures';

type Line = Record<string, any>;

interface Expectation {
  readonly file: string;
  readonly verdict: 'accepted' | 'rejected' | 'unsafe';
  readonly about: string;
  /** Checked against spec/Raft.tla with this spec mutant (src/audit/catalogues/spec-mutants.json) applied. */
  readonly specMutant?: string;
  /** For `unsafe`: the safety property the state after the event at `line` breaks. */
  readonly property?: string;
  /** For rejections: the line of the diverging event, its action, and what the diagnosis must name. */
  readonly line?: number;
  readonly action?: string;
  readonly path?: string;
  readonly condition?: string;
}

const manifest: Expectation[] = [];

function lines(c: Cluster): Line[] {
  return c.recorder
    .toNdjson()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
}

function write(file: string, content: Line[]): void {
  writeFileAtomic(join(DIR, file), content.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

function accepted(file: string, about: string, c: Cluster): Line[] {
  const content = lines(c);
  write(file, content);
  manifest.push({ file, verdict: 'accepted', about });
  return content;
}

/** Index (in the lines, header at 0) of the last event satisfying `pred`. */
function findLast(content: Line[], pred: (e: Line) => boolean): number {
  for (let k = content.length - 1; k > 0; k--) if (pred(content[k]!)) return k;
  throw new Error('no such event in the scenario');
}

function rejected(
  file: string,
  about: string,
  base: Line[],
  at: number,
  change: (e: Line) => Line,
  expect: { path?: string; condition?: string },
): void {
  const content = base.slice(0, at).map((l) => structuredClone(l));
  const changed = change(structuredClone(base[at]!));
  changed.i = at;
  content.push(changed);
  write(file, content);
  manifest.push({ file, verdict: 'rejected', about, line: at + 1, action: changed.action, ...expect });
}

const to = (id: ServerId) => (m: Message) => m.dest === id;
const isType = (t: Message['type'], dest: ServerId, source?: ServerId) => (m: Message) =>
  m.type === t && m.dest === dest && (source === undefined || m.source === source);

/** Stages every scenario and writes its fixtures, each recorded in the manifest. */
function buildScenarios(): void {
  // --- Elections -----------------------------------------------------------------

  {
    // n1 leads term 1 and commits x with n3 while n2 is cut off. A copy of n1's
    // term-1 vote request to n3 stays in flight. Then n2, with an empty log,
    // campaigns in term 2: n3 adopts term 2 and refuses it (its log is more up
    // to date). Last, the stale term-1 request reaches n3, which refuses it too.
    const c = new Cluster({ size: 3, seed: 11 });
    const heldRequest = (m: Message) => m.type === 'RequestVoteRequest' && m.source === 'n1' && m.dest === 'n3';
    const deliverAllBut = (held: (m: Message) => boolean) => {
      while (c.deliverWhere((m) => !held(m)));
    };
    c.partition(['n2']);
    c.timeout('n1');
    c.duplicate(c.network.messages().findIndex(heldRequest));
    c.deliverWhere(heldRequest);
    deliverAllBut(heldRequest);
    c.clientRequest('x');
    deliverAllBut(heldRequest);
    c.heartbeat('n1');
    deliverAllBut(heldRequest);
    c.heal();
    c.timeout('n2');
    c.timeout('n2');
    c.deliverWhere((m) => isType('RequestVoteRequest', 'n3', 'n2')(m) && m.term === 2);
    c.deliverWhere(heldRequest);
    c.settle();
    const base = accepted(
      'accepted-refused-votes.ndjson',
      'votes refused to a candidate with a less up-to-date log and to a request of an older term',
      c,
    );
    const logCheck = findLast(
      base,
      (e) => e.action === 'HandleRequestVoteRequest' && e.node === 'n3' && e.peer === 'n2' && e.msg.term === 2,
    );
    rejected(
      'rejected-vote-log-not-up-to-date.ndjson',
      "a vote granted to a candidate whose log is less up to date than the voter's",
      base,
      logCheck,
      (e) => {
        e.state.votedFor = 'n2';
        e.send.voteGranted = true;
        return e;
      },
      { path: 'votedFor[n3]' },
    );
    const stale = findLast(base, (e) => e.action === 'HandleRequestVoteRequest' && e.node === 'n3' && e.peer === 'n1');
    rejected(
      'rejected-vote-on-stale-term.ndjson',
      'a vote granted on a request of an older term',
      base,
      stale,
      (e) => {
        e.state.votedFor = 'n1';
        e.send.voteGranted = true;
        return e;
      },
      { path: 'votedFor[n3]' },
    );
  }

  {
    // n1 and n2 both campaign in term 1; n3 votes for n1 first, then must refuse n2.
    const c = new Cluster({ size: 3, seed: 12 });
    c.timeout('n1');
    c.timeout('n2');
    c.deliverWhere(isType('RequestVoteRequest', 'n3', 'n1'));
    c.deliverWhere(isType('RequestVoteRequest', 'n3', 'n2'));
    c.settle();
    const base = accepted(
      'accepted-split-vote.ndjson',
      'two candidates in one term; the voter keeps its first vote',
      c,
    );
    const at = findLast(base, (e) => e.action === 'HandleRequestVoteRequest' && e.node === 'n3' && e.peer === 'n2');
    rejected(
      'rejected-two-votes-one-term.ndjson',
      'a server that grants a second vote in the same term',
      base,
      at,
      (e) => {
        e.state.votedFor = 'n2';
        e.send.voteGranted = true;
        return e;
      },
      { path: 'votedFor[n3]' },
    );
  }

  // --- Commitment ------------------------------------------------------------------

  {
    // n1 (term 1) stores x on n2, then crashes before it can commit. n2 leads
    // term 2 and copies x to n3: x, of term 1, is on a majority, but a leader
    // of term 2 must not commit it by counting replicas (Figure 8).
    const c = new Cluster({ size: 3, seed: 14 });
    c.timeout('n1');
    c.settle();
    c.clientRequest('x');
    c.dropWhere(to('n3'));
    c.deliverWhere(isType('AppendEntriesRequest', 'n2', 'n1'));
    c.crash('n1');
    c.settle();
    c.timeout('n2');
    c.settle();
    c.heartbeat('n2');
    c.settle();
    const base = accepted(
      'accepted-old-term-entry-not-committed.ndjson',
      "a new leader replicates an older term's entry without committing it",
      c,
    );
    const at = findLast(
      base,
      (e) => e.action === 'HandleAppendEntriesResponse' && e.node === 'n2' && e.msg.success && e.msg.matchIndex === 1,
    );
    const leader = base[at]!;
    rejected(
      'rejected-commit-earlier-term.ndjson',
      'a leader that commits an entry of an earlier term by counting replicas (Figure 8)',
      base,
      at + 1,
      () => ({ action: 'AdvanceCommitIndex', node: 'n2', state: { ...structuredClone(leader.state), commitIndex: 1 } }),
      { condition: 'some entry of the current term is stored on a majority' },
    );
  }

  {
    // The leader sends [a], then [a, b]; n2 gets the longer request first, then the
    // stale one, which agrees with its log and must not shorten it.
    const c = new Cluster({ size: 3, seed: 15 });
    c.timeout('n1');
    c.settle();
    c.clientRequest('a');
    c.clientRequest('b');
    c.dropWhere(to('n3'));
    const requests = c.network.messages().filter(isType('AppendEntriesRequest', 'n2', 'n1'));
    const longer = requests.findIndex((m) => m.type === 'AppendEntriesRequest' && m.entries.length === 2);
    c.deliver(c.network.messages().indexOf(requests[longer]!));
    c.deliverWhere(isType('AppendEntriesRequest', 'n2', 'n1'));
    c.settle();
    const base = accepted(
      'accepted-stale-append-agrees.ndjson',
      'a delayed AppendEntries that agrees with the log leaves it whole',
      c,
    );
    const at = findLast(
      base,
      (e) => e.action === 'HandleAppendEntriesRequest' && e.node === 'n2' && e.msg.entries.length === 1,
    );
    rejected(
      'rejected-truncate-agreeing-log.ndjson',
      'a follower that truncates its log on an AppendEntries that agrees with it',
      base,
      at,
      (e) => {
        e.logChange = { keep: 1, append: [] };
        e.state.logLength = 1;
        return e;
      },
      { path: 'log[n2]' },
    );
  }

  {
    // The leader's commitIndex is 1 when it sends n3 two entries; n3 may
    // commit up to 1 only.
    const c = new Cluster({ size: 3, seed: 16 });
    c.timeout('n1');
    c.settle();
    c.clientRequest('a');
    c.dropWhere(to('n3')); // n3 misses a
    c.settle(); // n2 stores a; n1 commits it
    c.clientRequest('b'); // n3 is sent [a, b] with the leader's commitIndex 1
    c.dropWhere(to('n2'));
    c.settle();
    const base = accepted(
      'accepted-follower-commit.ndjson',
      "a follower commits no further than the leader's commitIndex",
      c,
    );
    const at = findLast(
      base,
      (e) => e.action === 'HandleAppendEntriesRequest' && e.node === 'n3' && e.msg.entries.length === 2,
    );
    rejected(
      'rejected-commit-past-leader.ndjson',
      "a follower whose commitIndex moves past the leader's",
      base,
      at,
      (e) => {
        e.state.commitIndex = e.msg.commitIndex + 1;
        return e;
      },
      { path: 'commitIndex[n3]' },
    );
  }

  // --- Safety on the traced states ---------------------------------------------------

  {
    // The paper's Figure 8 with three servers. n1 (term 1) and n2 (term 2) each
    // append an entry at index 1 that nobody else gets. n1 wins term 3 with
    // n3's vote and stores its term-1 entry x on n3. Committing x now, by
    // counting replicas, is the bug: n2 can still win term 4 with n3's vote
    // (its last term, 2, beats n3's 1) and lead without x.
    // The checker rejects the commit against spec/Raft.tla. Against the spec
    // with the same bug (spec mutant commit-older-term-by-counting) every step
    // is one of the spec, and only the safety check on the traced states can
    // tell: Leader Completeness breaks when n2 becomes leader of term 4.
    const c = new Cluster({ size: 3, seed: 17 });
    c.timeout('n1');
    c.settle();
    c.clientRequest('x');
    c.dropWhere(to('n2'));
    c.dropWhere(to('n3'));
    c.timeout('n2');
    c.settle();
    c.clientRequestTo('n2', 'y');
    c.dropWhere(to('n1'));
    c.dropWhere(to('n3'));
    c.timeout('n1');
    c.deliverWhere(isType('RequestVoteRequest', 'n3', 'n1'));
    c.deliverWhere(isType('RequestVoteResponse', 'n1', 'n3'));
    // n1's vote request to n2 stays in flight; its AppendEntries to n2 are lost.
    for (let k = 0; k < 4 && c.state('n1').matchIndex.n3 !== 1; k++) {
      c.heartbeat('n1');
      c.dropWhere(isType('AppendEntriesRequest', 'n2'));
      c.settle();
    }
    const staged = lines(c);
    const at = staged.length - 1;
    const leader = staged[at]!;
    if (
      leader.action !== 'HandleAppendEntriesResponse' ||
      leader.state.matchIndex.n3 !== 1 ||
      c.state('n1').log[0]?.term !== 1 ||
      leader.state.term !== 3
    ) {
      throw new Error(`the Figure 8 scenario did not stage: ${JSON.stringify(leader).slice(0, 300)}`);
    }
    // Then n2 hears of term 3 (n1's vote request, refused: n2's log is more up
    // to date; the refusal is lost), n1 crashes, which forgets its commit, and
    // n2 wins term 4 with the votes of n3 and n1.
    c.deliverWhere(isType('RequestVoteRequest', 'n2', 'n1'));
    c.dropWhere(to('n1'));
    c.crash('n1');
    c.restart('n1');
    c.timeout('n2');
    c.settle();
    const rest = lines(c).slice(staged.length);
    const commit = {
      i: 0,
      action: 'AdvanceCommitIndex',
      node: 'n1',
      state: { ...structuredClone(leader.state), commitIndex: 1 },
    };
    const content = [...staged.slice(0, at + 1), commit, ...staged.slice(at + 1), ...rest].map((e, k) =>
      k === 0 ? e : { ...e, i: k },
    );
    const elected = findLast(content, (e) => e.action === 'BecomeLeader' && e.node === 'n2' && e.state.term === 4);
    const file = 'unsafe-figure-8.ndjson';
    write(file, content);
    manifest.push({
      file,
      verdict: 'rejected',
      about:
        'a leader commits an entry of an earlier term by counting replicas, and a later leader lacks it (Figure 8)',
      line: at + 2,
      action: 'AdvanceCommitIndex',
      condition: 'some entry of the current term is stored on a majority',
    });
    manifest.push({
      file,
      verdict: 'unsafe',
      specMutant: 'commit-older-term-by-counting',
      about: 'the same trace against the spec with the Figure 8 bug: every step allowed, Leader Completeness broken',
      line: elected + 1,
      action: 'BecomeLeader',
      property: 'LeaderCompleteness',
    });
  }
}

runTool('build-fixtures', () => {
  if (process.argv.length > 2)
    throw new UsageError(`takes no arguments, got ${JSON.stringify(process.argv[2])}\n${usageOf(import.meta.url)}`);
  buildScenarios();
  writeFileAtomic(join(DIR, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote ${manifest.length} fixtures to ${DIR}/`);
  return 0;
});
