// The ITF export command (test/unit/report.test.ts checks the export itself,
// in process): it writes the file, and refuses a malformed trace in one line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

const schema = JSON.parse(readFileSync('src/trace/itf.schema.json', 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('tools/export-itf.ts', { timeout: 60_000 }, () => {
  it('the command writes the file, and refuses a malformed trace with one line naming its file, line and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'itf-'));
    const out = join(dir, 'f8.itf.json');
    const ok = spawnSync(
      'npx',
      ['tsx', 'tools/export-itf.ts', 'traces/fixtures/unsafe-figure-8.ndjson', '--out', out],
      { encoding: 'utf8' },
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`85 events → 86 ITF states in ${out}`);
    expect(validate(JSON.parse(readFileSync(out, 'utf8')))).toBe(true);

    const bad = join(dir, 'bad.ndjson');
    const lines = readFileSync('traces/fixtures/unsafe-figure-8.ndjson', 'utf8').split('\n');
    lines[3] = lines[3]!.replace('"term":1', '"term":"one"');
    writeFileSync(bad, lines.join('\n'));
    const refused = spawnSync('npx', ['tsx', 'tools/export-itf.ts', bad, '--out', join(dir, 'bad.itf.json')], {
      encoding: 'utf8',
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split('\n')[0]).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: \\S+`),
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const usage = spawnSync('npx', ['tsx', 'tools/export-itf.ts'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });
});
