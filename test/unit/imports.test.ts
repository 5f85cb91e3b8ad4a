// The arrows of src/ run one way. The core stays pure: src/raft/ imports
// nothing outside itself (no I/O, no timers, no other room of the project),
// and its event vocabulary lives beside it, as etcd-io/raft keeps its tracing
// events in package raft. No module imports itself through others (no
// circles), and each room imports only rooms below it in LAYERS.
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

/**
 * The rooms of src/ from the bottom up: a room may import any room of a lower
 * layer, none of its own layer or above. A new room must be placed here.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['errors'],
  ['files', 'cli', 'random'],
  ['raft'],
  ['storage', 'trace'],
  ['transport', 'tlc', 'history', 'verdict'],
  ['sim'],
  ['check', 'client'],
  ['server'],
  ['nemesis'],
  ['audit'],
  ['report'],
  ['api'],
];

function modulesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? modulesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** src/ as a graph: each module and the modules of src/ it imports. */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of modulesUnder('src'))
    g.set(
      f,
      importsOf(f)
        .filter((m) => m.startsWith('src/'))
        .map((m) => m.replace(/\.js$/, '.ts')),
    );
  return g;
}

const roomOf = (module: string) => module.split('/')[1]!;

describe('the import graph', () => {
  it('has no circles: no module reaches itself through its imports', () => {
    const g = graph();
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const path: string[] = [];
    const visit = (m: string) => {
      state.set(m, 'open');
      path.push(m);
      for (const n of g.get(m) ?? []) {
        if (state.get(n) === 'open') circles.push([...path.slice(path.indexOf(n)), n].join(' -> '));
        else if (!state.has(n)) visit(n);
      }
      path.pop();
      state.set(m, 'done');
    };
    for (const m of g.keys()) if (!state.has(m)) visit(m);
    expect(circles).toEqual([]);
  });

  it('every room of src/ has its layer, and imports only rooms of lower layers', () => {
    const layer = new Map(LAYERS.flatMap((rooms, k) => rooms.map((r) => [r, k] as const)));
    const rooms = readdirSync('src').filter((d) => statSync(join('src', d)).isDirectory());
    expect(
      rooms.filter((r) => !layer.has(r)),
      'rooms without a layer in LAYERS',
    ).toEqual([]);
    const upward: string[] = [];
    for (const [m, imports] of graph()) {
      for (const n of imports) {
        const [a, b] = [roomOf(m), roomOf(n)];
        if (a !== b && layer.get(b)! >= layer.get(a)!) upward.push(`${m} imports ${n} (${b} is not below ${a})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('src/raft imports only from src/raft: no node built-in, no package, no other room', () => {
    const files = readdirSync('src/raft').filter((f) => f.endsWith('.ts'));
    expect(files).toEqual(expect.arrayContaining(['node.ts', 'events.ts', 'types.ts']));
    const outside = files.flatMap((f) =>
      importsOf(join('src/raft', f))
        .filter((m) => !m.startsWith('src/raft/'))
        .map((m) => `${f} imports ${m}`),
    );
    expect(outside).toEqual([]);
  });

  it('the reading of imports sees them (so that the test above can fail)', () => {
    expect(importsOf('src/trace/recorder.ts')).toContain('src/raft/events.js');
    expect(importsOf('src/trace/validate.ts')).toContain('ajv');
  });
});
