// Where the tools write: directories are made one level at a time, and a path
// that cannot hold a file is refused before any work starts.
//
// Why not mkdirSync(dir, { recursive: true })? Under a path such as /proc/x
// Node's recursive mkdir keeps retrying and never returns (it ignores SIGTERM
// meanwhile), so a typo in --out or --report hung the tool.
import { mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EXIT, HarnessError } from '../errors/harness-error.js';

export class OutputPathError extends HarnessError {}

function kind(path: string): 'dir' | 'file' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') throw new OutputPathError(`${path}: a parent of it is a file, not a directory`);
    throw new OutputPathError(`${path}: cannot be examined (${code ?? (err as Error).message})`);
  }
}

/** Makes directory `dir` and any missing parents, or throws an OutputPathError in one line. */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    const k = kind(at);
    if (k === 'dir') break;
    if (k === 'file') throw new OutputPathError(`${at}: is a file, where a directory is needed`);
    missing.push(at);
    const up = dirname(at);
    if (up === at) throw new OutputPathError(`${dir}: no existing directory above it`);
    at = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && kind(d) === 'dir') continue;
      throw new OutputPathError(`${d}: cannot create this directory (${code ?? (err as Error).message})`);
    }
  }
}

/**
 * Checks, before a long job, that a file can later be written at `path`: its
 * directory exists or can be made, `path` is not a directory, and a probe file
 * can be written beside it (the probe is removed).
 */
export function checkWritableFile(path: string): void {
  if (kind(path) === 'dir') throw new OutputPathError(`${path}: is a directory, where a file is needed`);
  ensureDir(dirname(path));
  const probe = `${path}.${process.pid}.probe`;
  try {
    writeFileSync(probe, '');
  } catch (err) {
    throw new OutputPathError(
      `${path}: cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  } finally {
    rmSync(probe, { force: true });
  }
}

/** An output that would be written over an input, or over another output of the same run: wrong usage. */
export class OutputOverlapError extends OutputPathError {
  override get exitCode(): number {
    return EXIT.badInput;
  }
}

/**
 * What a path names: an existing file by device and inode (so that a hard
 * link or a symlink to an input is that input), a missing one by the real
 * path of its directory and its name.
 */
function identity(path: string): string {
  try {
    const s = statSync(path);
    return `inode ${s.dev}:${s.ino}`;
  } catch {
    let dir = resolve(dirname(path));
    try {
      dir = realpathSync(dir);
    } catch {
      // A directory still to be made: nothing in it can be an input.
    }
    return `path ${join(dir, basename(path))}`;
  }
}

/**
 * Refuses, before anything is written, an output that is one of the inputs
 * or the same file as another output. `outputs` are [what names it, path]
 * pairs, e.g. ['--report', 'r.json'].
 */
export function checkOutputsApart(outputs: ReadonlyArray<readonly [string, string]>, inputs: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const input of inputs) seen.set(identity(input), `the input ${input}`);
  for (const [flag, path] of outputs) {
    const id = identity(path);
    const before = seen.get(id);
    if (before)
      throw new OutputOverlapError(
        `${flag} ${path} is ${before}${before.startsWith('the input') ? '' : ' too'}: writing it would destroy ${before.startsWith('the input') ? 'that input' : 'the other'}; name a file of its own`,
      );
    seen.set(id, `${flag} ${path}`);
  }
}
