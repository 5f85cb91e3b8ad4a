// When the lines for people are coloured: on a terminal only, never with
// NO_COLOR set to anything but empty (https://no-color.org).
import { describe, expect, it } from 'vitest';
import { colourAllowed, paint, paintVerdict } from '../../src/cli/output.js';

describe('colour', () => {
  it('only on a terminal, and not when NO_COLOR is set', () => {
    expect(colourAllowed({ isTTY: true }, {})).toBe(true);
    expect(colourAllowed({ isTTY: false }, {})).toBe(false);
    expect(colourAllowed({}, {})).toBe(false);
    expect(colourAllowed({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourAllowed({ isTTY: true }, { NO_COLOR: 'yes' })).toBe(false);
    // The convention: an empty NO_COLOR does not count.
    expect(colourAllowed({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
  });

  it('wraps the text in one colour and a reset, or leaves it as it is', () => {
    expect(paint('FAILED', 'red', true)).toBe('\x1b[31mFAILED\x1b[0m');
    expect(paint('FAILED', 'red', false)).toBe('FAILED');
    expect(paintVerdict('ok', true, true)).toBe('\x1b[32mok\x1b[0m');
    expect(paintVerdict('caught', false, true)).toBe('\x1b[31mcaught\x1b[0m');
    expect(paintVerdict('maybe', null, true)).toBe('\x1b[33mmaybe\x1b[0m');
  });
});
