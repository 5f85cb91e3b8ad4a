// The whole suite writes its scratch files (the tests' own temp dirs, TLC's
// metadirs, scratch copies of the project, reports of the tools it runs)
// under one temp root, made here and removed when the suite ends, so that a
// run of make test leaves nothing in the system's temp dir, and nothing
// under traces/ either. Child processes inherit TMPDIR, so their files land
// there too. Each tier (a vitest project) runs this setup: the first makes
// the root, the others use it (a root nested per tier would make paths too
// long for a browser's socket).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MARK = 'RAFT_TLA_TESTS_ROOT';

export default function setup(): () => void {
  if (process.env[MARK]) return () => {};
  const root = mkdtempSync(join(tmpdir(), 'raft-tla-tests-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  process.env[MARK] = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    delete process.env[MARK];
    rmSync(root, { recursive: true, force: true });
  };
}
