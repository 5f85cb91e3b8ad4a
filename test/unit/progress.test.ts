// Progress lines: in place on a terminal, a plain line at most every few
// seconds elsewhere (CI logs), the final state always.
import { describe, expect, it } from 'vitest';
import { heartbeat, Progress } from '../../src/cli/progress.js';

describe('Progress', () => {
  it('off a terminal, prints at most one line per interval, and the final one always', async () => {
    const out: string[] = [];
    const p = new Progress('check', { tty: false, everyMs: 50, write: (t) => out.push(t) });
    for (let k = 1; k <= 5; k++) p.update(`${k}/10`);
    expect(out).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    p.update('6/10');
    p.update('7/10');
    p.update('10/10', true);
    p.end();
    expect(out).toEqual(['check: 6/10\n', 'check: 10/10\n']);
  });

  it('on a terminal, rewrites one line and ends it', () => {
    const out: string[] = [];
    const p = new Progress('check', { tty: true, write: (t) => out.push(t) });
    p.update('1/2');
    p.update('2/2');
    p.end();
    expect(out).toEqual(['\r\x1b[2Kcheck: 1/2', '\r\x1b[2Kcheck: 2/2', '\n']);
  });

  it('a heartbeat ticks until stopped', async () => {
    const ticks: number[] = [];
    const stop = heartbeat((s) => ticks.push(s), 20);
    await new Promise((r) => setTimeout(r, 110));
    stop();
    const n = ticks.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(n).toBeGreaterThanOrEqual(3);
    expect(ticks.length).toBe(n);
  });
});
