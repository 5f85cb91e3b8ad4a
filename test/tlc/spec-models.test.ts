// The spec's own model checking has teeth: a sample of the spec mutants (those
// the quick models kill; `make spec-audit` runs them all) is killed by the
// model the kill table names for it (so a model that loses reach fails
// here), the correct spec passes the test models, and the coverage reader
// finds every action and branch probe of spec/Raft.tla.
// Needs Java and TLC, like test/tlc.test.ts: fails (never skips) without them.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { needTlc } from '../support/need-tlc.js';
import { expectKilled, expectModelPasses, KILL_SAMPLE, QUICK_KILLS, QUICK_PASSES } from '../support/spec-models.js';
import { loadSpecMutants, specMutantProblem } from '../../src/audit/spec-mutants.js';
import { expressionCounts, specCoverage, specProbes, type ExpressionCounts } from '../../src/tlc/coverage.js';
import type { JavaRuntime, TlcJar } from '../../src/tlc/jar.js';
import { findModel } from '../../src/tlc/models.js';
import { splitMessages } from '../../src/tlc/tool-output.js';
import { ACTIONS } from '../../src/raft/events.js';

let java: JavaRuntime;
let jar: TlcJar;

beforeAll(async () => {
  ({ java, jar } = await needTlc());
}, 300_000);

const mutants = loadSpecMutants();
const raft = readFileSync('spec/Raft.tla', 'utf8');

describe('the spec-mutant catalogue', () => {
  it('holds at least 15 distinct single edits, each of which still applies at exactly one place', () => {
    expect(mutants.length).toBeGreaterThanOrEqual(15);
    expect(new Set(mutants.map((m) => m.name)).size).toBe(mutants.length);
    for (const m of mutants) expect(specMutantProblem(m), m.name).toBeNull();
  });

  it('names the operator each edit changes, and says so when the spec moved an edit into another one', () => {
    const m = mutants.find((x) => x.name === 'same-term-append-clears-vote')!;
    expect(m.operator).toBe('HandleAppendEntriesRequest');
    expect(specMutantProblem({ ...m, operator: 'HandleInstallSnapshotRequest' })).toBe(
      'spec mutant same-term-append-clears-vote: its edit lands in HandleAppendEntriesRequest of spec/Raft.tla, not in "HandleInstallSnapshotRequest" as the catalogue says (the spec changed around its text: re-anchor it)',
    );
  });

  it('records for each mutant a model of src/tlc/models.ts and the property that kills it, or a finding saying why none does', () => {
    for (const m of mutants) {
      if (!m.killedBy) {
        expect(m.finding, `${m.name} has neither killedBy nor a finding`).toMatch(/.{40,}/);
        continue;
      }
      expect(findModel(m.killedBy!.model), `${m.name}: model ${m.killedBy!.model}`).toBeDefined();
      expect(raft, `${m.name}: property ${m.killedBy!.property}`).toMatch(
        new RegExp(`^${m.killedBy!.property} ==`, 'm'),
      );
    }
  });
});

describe('coverage of the spec from TLC output', () => {
  const probes = specProbes(raft, ACTIONS);

  it('has a probe for every action of the trace vocabulary and every branch marker of Raft.tla', () => {
    expect(probes.filter((p) => p.kind === 'action').map((p) => p.name)).toEqual([...ACTIONS]);
    const markers = raft.match(/\(\*B: /g)!.length;
    expect(probes.filter((p) => p.kind === 'branch')).toHaveLength(markers);
    expect(markers).toBeGreaterThanOrEqual(15);
  });

  it('adds up the counts of an expression reached through several callers, from the last report only', () => {
    const entry = (code: number, text: string) => `@!@!@STARTMSG ${code}:0 @!@!@\n${text}\n@!@!@ENDMSG ${code} @!@!@`;
    const output = [
      entry(2201, 'The coverage statistics at ...'),
      entry(2221, '  line 5, col 8 to line 5, col 20 of module Raft: 99'),
      entry(2202, 'End of statistics.'),
      entry(2201, 'The coverage statistics at ...'),
      entry(2772, '<Timeout line 4, col 1 to line 4, col 10 of module Raft>: 3:7'),
      entry(2221, '  line 5, col 8 to line 5, col 20 of module Raft: 4'),
      entry(2775, '  ||line 5, col 8 to line 5, col 20 of module Raft: 3:120'),
      entry(2221, '  line 5, col 8 to line 5, col 20 of module Other: 50'),
      entry(2202, 'End of statistics.'),
    ].join('\n');
    const counts = expressionCounts(splitMessages(output).messages, 'Raft')!;
    expect(counts.get('5:8')).toBe(7);
    expect(expressionCounts(splitMessages('no coverage here').messages, 'Raft')).toBeNull();
  });

  it('reports a probe TLC never reached as not taken', () => {
    const counts: ExpressionCounts = new Map(probes.map((p) => [`${p.at.line}:${p.at.col}`, 1]));
    const branch = probes.find((p) => p.kind === 'branch')!;
    counts.delete(`${branch.at.line}:${branch.at.col}`);
    expect(specCoverage(counts, probes).notTaken).toEqual([`branch ${branch.name}`]);
  });
});

describe('the models kill every spec mutant', { timeout: 900_000 }, () => {
  it.each(QUICK_PASSES)('the correct spec passes %s with every property checked', (name) =>
    expectModelPasses(name, { java, jar }),
  );

  const killed = mutants.filter((m) => m.killedBy);
  it('the kill table kills at least 15 mutants', () => expect(killed.length).toBeGreaterThanOrEqual(15));

  it('the sample kills at least eight mutants and four distinct properties', () => {
    expect(KILL_SAMPLE.length).toBeGreaterThanOrEqual(8);
    expect(new Set(KILL_SAMPLE.map((m) => m.killedBy!.property)).size).toBeGreaterThanOrEqual(4);
  });

  // The kills of seconds; the long tier has the others (test/long/spec-models.test.ts).
  it.each(QUICK_KILLS.map((m) => [m.id, m.name, m] as const))(
    'mutant %i %s is killed by the model the kill table names',
    (_id, _name, m) => expectKilled(m, { java, jar }),
  );
});
