// The catalogue of spec mutants (src/audit/catalogues/spec-mutants.json): each is one
// textual edit of spec/Raft.tla that puts a real Raft bug into the spec. The
// spec's models must kill every one: TLC must find a property violated. An
// edit must match exactly once, so a change of the spec that makes a mutant
// stale fails loudly. Mutants are applied to scratch copies of spec/ only.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../files/repo-root.js';
import { applyEdit, editProblem } from './mutants.js';
import { makeTempDir } from '../files/cleanup.js';

export interface SpecMutant {
  readonly id: number;
  readonly name: string;
  /** The bug, as a reviewer would describe it. */
  readonly bug: string;
  /** A file of spec/. */
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  /**
   * The operator of the file whose definition the edit changes. A later edit
   * of the spec can move a short anchor (a bare UNCHANGED line) into another
   * action, where it still matches once: this names where it belongs.
   */
  readonly operator: string;
  /** What `make spec-audit` measured: the smallest model that kills it, and the property TLC found violated. */
  readonly killedBy?: { readonly model: string; readonly property: string };
  /** For a mutant no model kills yet: why, as measured (a finding, not a pass). */
  readonly finding?: string;
}

export const SPEC_CATALOGUE = join(REPO_ROOT, 'src', 'audit', 'catalogues', 'spec-mutants.json');
export const SPEC_DIR = join(REPO_ROOT, 'spec');

export function loadSpecMutants(): SpecMutant[] {
  return JSON.parse(readFileSync(SPEC_CATALOGUE, 'utf8')) as SpecMutant[];
}

/** Why the mutant no longer applies to the current spec, or lands outside its operator; null if neither. */
export function specMutantProblem(m: SpecMutant, specDir = SPEC_DIR): string | null {
  const problem = editProblem(m, specDir, 'spec mutant', `spec/${m.file}`);
  if (problem) return problem;
  const text = readFileSync(join(specDir, m.file), 'utf8');
  const at = definedAt(text, text.indexOf(m.find));
  if (at === m.operator) return null;
  return `spec mutant ${m.name}: its edit lands in ${at ?? 'no operator'} of spec/${m.file}, not in ${JSON.stringify(m.operator)} as the catalogue says (the spec changed around its text: re-anchor it)`;
}

/** The operator whose definition holds position `pos` of a module's text: the last one defined before it. */
export function definedAt(text: string, pos: number): string | null {
  let name: string | null = null;
  for (const d of text.matchAll(/^([A-Z][A-Za-z]*)(?:\([^)]*\))?\s*==/gm)) {
    if (d.index > pos) break;
    name = d[1]!;
  }
  return name;
}

/** A scratch copy of spec/ with the mutant applied (or none, for null). The caller removes it. */
export function mutatedSpecDir(m: SpecMutant | null): string {
  const problem = m && specMutantProblem(m);
  if (problem) throw new Error(problem);
  const dir = makeTempDir(`raft-spec-${m ? m.name : 'correct'}-`);
  cpSync(SPEC_DIR, dir, { recursive: true });
  if (m) applyEdit(m, dir);
  return dir;
}
