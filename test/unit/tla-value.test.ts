// TLC prints values in its own notation; the parser turns them into JSON.
import { describe, expect, it } from 'vitest';
import { parseTlaState, parseTlaValue, TlaValueError } from '../../src/tlc/tla-value.js';
import { parseSanyError, parseToolOutput, splitMessages } from '../../src/tlc/tool-output.js';

describe('TLA+ values', () => {
  it('reads scalars, model values and strings with escapes', () => {
    expect(parseTlaValue('42')).toBe(42);
    expect(parseTlaValue('-3')).toBe(-3);
    expect(parseTlaValue('TRUE')).toBe(true);
    expect(parseTlaValue('FALSE')).toBe(false);
    expect(parseTlaValue('n1')).toBe('n1');
    expect(parseTlaValue('"a \\"quoted\\" \\\\ word"')).toBe('a "quoted" \\ word');
  });

  it('reads sequences, sets, records and functions', () => {
    expect(parseTlaValue('<< >>')).toEqual([]);
    expect(parseTlaValue('<<[term |-> 1, value |-> v1]>>')).toEqual([{ term: 1, value: 'v1' }]);
    expect(parseTlaValue('{n1, n2}')).toEqual(['n1', 'n2']);
    expect(parseTlaValue('{}')).toEqual([]);
    expect(parseTlaValue('( n1 :> (n2 :> 0 @@ n3 :> 1) @@\n  n2 :> (n1 :> 2 @@ n3 :> 0) )')).toEqual({
      n1: { n2: 0, n3: 1 },
      n2: { n1: 2, n3: 0 },
    });
  });

  it('reads a bag of records as key/value pairs', () => {
    const bag = parseTlaValue('([type |-> "RequestVoteRequest", source |-> n1, term |-> 1] :> 2)');
    expect(bag).toEqual([{ key: { type: 'RequestVoteRequest', source: 'n1', term: 1 }, value: 2 }]);
  });

  it('reads a state of several variables', () => {
    const state = parseTlaState(
      '/\\ x = 1\n/\\ log = ( n1 :> <<>> @@\n  n2 :> <<[term |-> 1, value |-> v1]>> )\n/\\ s = {}',
    );
    expect(state).toEqual({ x: 1, log: { n1: [], n2: [{ term: 1, value: 'v1' }] }, s: [] });
  });

  it('rejects what is not a value', () => {
    expect(() => parseTlaValue('[a |-> ]')).toThrow(TlaValueError);
    expect(() => parseTlaValue('<<1, 2')).toThrow(TlaValueError);
  });
});

describe('TLC tool output', () => {
  const framed = (code: number, cls: number, text: string) =>
    `@!@!@STARTMSG ${code}:${cls} @!@!@\n${text}\n@!@!@ENDMSG ${code} @!@!@`;

  it('splits framed messages from unframed text', () => {
    const { messages, unframed } = splitMessages(
      `${framed(2262, 0, 'TLC2 Version 2.15')}\nParsing file X.tla\n${framed(2193, 0, 'ok')}`,
    );
    expect(messages.map((m) => m.code)).toEqual([2262, 2193]);
    expect(unframed.trim()).toBe('Parsing file X.tla');
  });

  it('reports success with the state counts', () => {
    const out = [
      framed(2262, 0, 'TLC2 Version 2.15 of Day Month 20?? (rev: d5b5a7f)'),
      framed(2193, 0, 'Model checking completed. No error has been found.'),
      framed(2199, 0, '26,512,666 states generated, 1,976,771 distinct states found, 0 states left on queue.'),
      framed(2194, 0, 'The depth of the complete state graph search is 44.'),
    ].join('\n');
    const parsed = parseToolOutput(out);
    expect(parsed.outcome).toEqual({ kind: 'success' });
    expect(parsed.stats).toEqual({ version: '2.15', statesGenerated: 26512666, distinctStates: 1976771, depth: 44 });
  });

  it('reports an invariant violation with its behaviour', () => {
    const out = [
      framed(2110, 1, 'Invariant Safe is violated.'),
      framed(2121, 1, 'The behavior up to this point is:'),
      framed(2217, 4, '1: <Initial predicate>\n/\\ x = 0'),
      framed(2217, 4, '2: <Step line 5, col 9 to line 5, col 20 of module M>\n/\\ x = 1'),
    ].join('\n');
    const o = parseToolOutput(out).outcome;
    expect(o).toEqual({
      kind: 'violation',
      property: 'Safe',
      propertyKind: 'invariant',
      trace: [
        { number: 1, action: 'Initial predicate', variables: { x: 0 } },
        { number: 2, action: 'Step line 5, col 9 to line 5, col 20 of module M', variables: { x: 1 } },
      ],
    });
  });

  it('finds file and line in the parser errors', () => {
    expect(
      parseSanyError(
        '***Parse Error***\nEncountered "====" at line 7, column 1 and token "+"\n\nCould not parse module Tiny from file Tiny.tla',
      ),
    ).toEqual({
      file: 'Tiny.tla',
      line: 7,
      message: 'syntax error at column 1: unexpected "===="',
    });
    expect(
      parseSanyError(
        "Semantic errors:\n\n*** Errors: 1\n\nline 6, col 12 to line 6, col 14 of module Tiny\n\nUnknown operator: `Foo'.\n",
      ),
    ).toEqual({
      file: 'Tiny.tla',
      line: 6,
      message: "Unknown operator: `Foo'.",
    });
  });

  it('reports nothing when TLC ended without a verdict', () => {
    expect(parseToolOutput(framed(2262, 0, 'TLC2 Version 2.15')).outcome).toBeNull();
  });
});
