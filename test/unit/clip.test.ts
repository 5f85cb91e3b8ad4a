// Shortened text never ends mid-word, and says it was shortened.
import { describe, expect, it } from 'vitest';
import { clip } from '../../src/cli/clip.js';

describe('clip', () => {
  it('keeps text that fits, and cuts longer text at a word boundary with an ellipsis', () => {
    expect(clip('HandleAppendEntriesRequest: log[n3]', 40)).toBe('HandleAppendEntriesRequest: log[n3]');
    const text = 'AdvanceCommitIndex not enabled: some entry of the current term is stored on a majority';
    const short = clip(text, 60);
    expect(short.length).toBeLessThanOrEqual(60);
    expect(short.endsWith('…')).toBe(true);
    expect(text.startsWith(short.slice(0, -1))).toBe(true);
    // The character after the cut in the whole text is a space: no word was cut.
    expect(text[short.length - 1]).toBe(' ');
    expect(short).toBe('AdvanceCommitIndex not enabled: some entry of the current…');
    // One word longer than the limit is cut where it must be.
    expect(clip('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
