// Short functions (TIGER_STYLE's 70 lines): a function of src/ or tools/ that
// runs longer must be on the allow-list in test/unit/long-functions.json, at no
// more lines than it has there. The list only shrinks: an entry whose
// function got short enough, or went away, must be removed, and a function
// that grew past its entry fails.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_LINES = 70;
const ALLOW_LIST = 'test/unit/long-functions.json';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

type FunctionNode =
  ts.FunctionDeclaration | ts.MethodDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.ConstructorDeclaration;

function isFunction(n: ts.Node): n is FunctionNode {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isArrowFunction(n) ||
    ts.isFunctionExpression(n) ||
    ts.isConstructorDeclaration(n)
  );
}

/** A function's name as a reader would look it up: its own, its variable's, its property's, or "callback in" the one around it. */
function nameOf(n: FunctionNode, outer: string | null): string {
  const own = (n as { name?: ts.Node }).name;
  const className = ts.isClassLike(n.parent) && n.parent.name ? `${n.parent.name.text}.` : '';
  if (ts.isConstructorDeclaration(n)) return `${className}constructor`;
  if (own && (ts.isIdentifier(own) || ts.isStringLiteral(own))) return `${className}${own.text}`;
  const p = n.parent;
  if (
    (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) &&
    ts.isIdentifier(p.name)
  ) {
    return p.name.text;
  }
  return `callback in ${outer ?? 'module'}`;
}

/** Every function of `file` with its length in lines (from its first line to its last), keyed "file: name". */
function functionLengths(file: string): Map<string, number> {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const lengths = new Map<string, number>();
  const visit = (n: ts.Node, outer: string | null) => {
    let inner = outer;
    if (isFunction(n) && n.body) {
      const name = nameOf(n, outer);
      const first = source.getLineAndCharacterOfPosition(n.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(n.getEnd()).line;
      let key = `${relative('.', file)}: ${name}`;
      for (let k = 2; lengths.has(key); k++) key = `${relative('.', file)}: ${name} (${k})`;
      lengths.set(key, last - first + 1);
      inner = name;
    }
    ts.forEachChild(n, (c) => visit(c, inner));
  };
  visit(source, null);
  return lengths;
}

describe('tidy', () => {
  it(`no function of src/ or tools/ runs over ${MAX_LINES} lines unless the allow-list has it, at no more lines; the list only shrinks`, () => {
    const allowed = JSON.parse(readFileSync(ALLOW_LIST, 'utf8')) as Record<string, number>;
    const long = new Map<string, number>();
    for (const file of [...sources('src'), ...sources('tools')]) {
      for (const [key, lines] of functionLengths(file)) if (lines > MAX_LINES) long.set(key, lines);
    }
    const problems: string[] = [];
    for (const [key, lines] of long) {
      const limit = allowed[key];
      if (limit === undefined)
        problems.push(`${key} has ${lines} lines (more than ${MAX_LINES}): split it, or it must not be new`);
      else if (lines > limit)
        problems.push(`${key} grew to ${lines} lines; ${ALLOW_LIST} allows it ${limit}: shorten it`);
    }
    for (const [key, limit] of Object.entries(allowed)) {
      const lines = long.get(key);
      if (lines === undefined)
        problems.push(`${key} is no longer over ${MAX_LINES} lines (or is gone): remove it from ${ALLOW_LIST}`);
      else if (lines < limit)
        problems.push(`${key} shrank to ${lines} lines: lower its entry in ${ALLOW_LIST} from ${limit} to ${lines}`);
    }
    expect(problems).toEqual([]);
  });

  it('measures a function as a reader counts it, and names each kind', () => {
    const lengths = functionLengths('test/unit/tidy.test.ts');
    expect(lengths.get('test/unit/tidy.test.ts: isFunction')).toBe(9);
    expect([...lengths.keys()]).toContain('test/unit/tidy.test.ts: visit');
    expect([...lengths.keys()]).toContain('test/unit/tidy.test.ts: callback in module');
  });
});
