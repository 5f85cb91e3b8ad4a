// The core stays pure: src/raft/ imports nothing outside itself (no I/O, no
// timers, no other room of the project), and its event vocabulary lives
// beside it, as etcd-io/raft keeps its tracing events in package raft.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every module an import or re-export of `file` names (relative paths resolved, packages and node: as written). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) {
    const spec = m[1]!;
    out.push(spec.startsWith('.') ? relative('.', resolve(dirname(file), spec)) : spec);
  }
  return out;
}

describe('the import graph', () => {
  it('src/raft imports only from src/raft: no node built-in, no package, no other room', () => {
    const files = readdirSync('src/raft').filter((f) => f.endsWith('.ts'));
    expect(files).toEqual(expect.arrayContaining(['node.ts', 'events.ts', 'types.ts']));
    const outside = files.flatMap((f) => importsOf(join('src/raft', f)).filter((m) => !m.startsWith('src/raft/')).map((m) => `${f} imports ${m}`));
    expect(outside).toEqual([]);
  });

  it('the reading of imports sees them (so that the test above can fail)', () => {
    expect(importsOf('src/trace/recorder.ts')).toContain('src/raft/events.js');
    expect(importsOf('src/trace/validate.ts')).toContain('ajv');
  });
});
