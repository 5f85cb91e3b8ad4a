// The long tier of the spec's models (test/tlc/spec-models.test.ts has the
// rest): the correct spec passes each test model, minutes each, and the
// slowest kills of the sample still happen by the model and property the
// catalogue names. Needs Java and TLC: fails (never skips) without them.
import { beforeAll, describe, it } from 'vitest';
import { needTlc } from '../support/need-tlc.js';
import { expectKilled, expectModelPasses, LONG_KILLS, LONG_PASSES, type Tlc } from '../support/spec-models.js';

let tlc: Tlc;

beforeAll(async () => {
  tlc = await needTlc();
}, 300_000);

describe('the models, at length', { timeout: 900_000 }, () => {
  it.each(LONG_PASSES)('the correct spec passes %s with every property checked', (name) =>
    expectModelPasses(name, tlc),
  );

  it.each(LONG_KILLS.map((m) => [m.id, m.name, m] as const))(
    'mutant %i %s is killed by the model the kill table names',
    (_id, _name, m) => expectKilled(m, tlc),
  );
});
