// The committed trace fixtures and their manifest (traces/fixtures/), as the
// tiers that check them read them: each expectation, a trace loaded for the
// checker, and the match of a verdict against its expectation.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { TraceInput } from '../../src/check/trace-checker.js';
import { formatDiagnosis, type TraceVerdict } from '../../src/verdict/diagnosis.js';
import { validateTraceFile, validateTraceText } from '../../src/trace/validate.js';

export interface Expectation {
  file: string;
  verdict: 'accepted' | 'rejected' | 'unsafe';
  line?: number;
  action?: string;
  path?: string;
  condition?: string;
  /** Checked against the spec with this spec mutant applied. */
  specMutant?: string;
  property?: string;
}

export const everything = JSON.parse(readFileSync('traces/fixtures/manifest.json', 'utf8')) as Expectation[];
/** The expectations against the bundled spec. */
export const manifest = everything.filter((x) => !x.specMutant);
export function load(file: string): TraceInput {
  const r = validateTraceFile(file);
  if (!r.ok) throw new Error(`${file} is not a valid trace: ${JSON.stringify(r.problems)}`);
  return { file, ...r.trace };
}

export function fromText(file: string, text: string): TraceInput {
  const r = validateTraceText(file, text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return { file, ...r.trace };
}

export function expectMatches(v: TraceVerdict, x: Expectation): void {
  if (x.verdict === 'accepted') {
    expect(v, JSON.stringify(v).slice(0, 600)).toMatchObject({ status: 'accepted' });
    return;
  }
  if (v.status !== 'rejected') throw new Error(`${x.file} should be rejected, got ${JSON.stringify(v).slice(0, 400)}`);
  const d = v.diagnosis;
  expect(d.line).toBe(x.line);
  expect(d.event.action).toBe(x.action);
  if (x.path) expect(d.differences.map((p) => p.path)).toContain(x.path);
  if (x.condition) expect(d.falseConditions.map((c) => c.condition)).toContain(x.condition);
  const text = formatDiagnosis(x.file, d).join('\n');
  expect(text).toContain(`${x.file}:${x.line}:`);
  expect(text).toContain(x.path ?? x.condition!);
}
