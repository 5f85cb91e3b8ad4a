// The catalogue of injected bugs (src/audit/catalogues/mutants.json): each mutant is
// one textual edit of the protocol code, applied to a scratch copy of the
// project, never to the code users run. An edit must match exactly once, so a
// change of the implementation that makes a mutant stale fails loudly.
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../files/repo-root.js';
import { makeTempDir } from '../files/cleanup.js';
import type { Guards } from '../raft/types.js';

export interface Mutant {
  readonly id: number;
  readonly name: string;
  /** The bug, as a reviewer would describe it. */
  readonly bug: string;
  /** Where a bug of this kind was seen in a real system (the implementation mutants name one). */
  readonly source?: string;
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  /** The guards its campaign runs with: a bug in PreVote or CheckQuorum shows only with them on (absent: off). */
  readonly guards?: Guards;
  /** The snapshot policy its campaign runs with: a bug in snapshots shows only with them on (absent: off). */
  readonly snapshotEvery?: number;
}

export const CATALOGUE = join(REPO_ROOT, 'src', 'audit', 'catalogues', 'mutants.json');

export function loadMutants(): Mutant[] {
  return JSON.parse(readFileSync(CATALOGUE, 'utf8')) as Mutant[];
}

/**
 * Bugs of the real server around the protocol (src/server/: answering
 * clients, applying entries), which the simulator never runs: only the audit
 * on real clusters (tools/cluster-audit.ts) uses them, and only the clients'
 * history can show them, since every protocol step stays correct.
 */
export const SERVER_CATALOGUE = join(REPO_ROOT, 'src', 'audit', 'catalogues', 'server-mutants.json');

export function loadServerMutants(): Mutant[] {
  return JSON.parse(readFileSync(SERVER_CATALOGUE, 'utf8')) as Mutant[];
}

/** One textual edit of a file: a mutant, of the implementation or of the spec. */
export interface Edit {
  readonly name: string;
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

/**
 * Why the edit no longer applies to `dir`/`edit.file` (it must match exactly
 * once), or null. `label` names the kind of mutant and how to show the file.
 */
export function editProblem(edit: Edit, dir: string, label: string, shown = edit.file): string | null {
  let text: string;
  try {
    text = readFileSync(join(dir, edit.file), 'utf8');
  } catch {
    return `${label} ${edit.name}: ${shown} does not exist`;
  }
  const count = text.split(edit.find).length - 1;
  return count === 1 ? null : `${label} ${edit.name}: its edit matches ${count} places in ${shown}, not exactly one`;
}

/** Applies the edit to the copy of its file in `dir` (after editProblem said it applies). */
export function applyEdit(edit: Edit, dir: string): void {
  const path = join(dir, edit.file);
  writeFileSync(
    path,
    readFileSync(path, 'utf8').replace(edit.find, () => edit.replace),
  );
}

/** Why the mutant no longer applies to the current code, or null. */
export function mutantProblem(m: Mutant, root = REPO_ROOT): string | null {
  return editProblem(m, root, 'mutant');
}

/** What a scratch copy needs for real server processes (tools/server.ts runs them). */
export const SERVER_COPY_PARTS: readonly string[] = ['src', 'spec', 'tools', 'package.json'];

/**
 * A scratch copy of the project (src/, spec/, package.json, or the `parts`
 * given, e.g. tools/ too for server processes; node_modules linked) with
 * `mutant` applied, or unmodified for null. The caller removes it.
 */

export function scratchCopy(mutant: Mutant | null, parts: readonly string[] = ['src', 'spec', 'package.json']): string {
  const problem = mutant && mutantProblem(mutant);
  if (problem) throw new Error(problem);
  const dir = makeTempDir(`raft-${mutant ? mutant.name : 'correct'}-`);
  for (const part of parts) cpSync(join(REPO_ROOT, part), join(dir, part), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (mutant) applyEdit(mutant, dir);
  return dir;
}
