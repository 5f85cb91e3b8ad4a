// Reads a text file line by line with a fixed-size buffer, so that a trace of
// any length is read in bounded memory (a million-event trace is far larger
// than the longest string V8 can hold).
import { closeSync, openSync, readSync } from 'node:fs';

export interface Line {
  readonly text: string;
  /** False only for a last line that the file does not end with a newline. */
  readonly ended: boolean;
}

const BUFFER_BYTES = 1 << 20;

/** The lines of a file, decoded as UTF-8, without their newlines. */
export function* readLines(path: string): Generator<Line> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    // The bytes of a line not yet ended, kept as pieces so that a long line
    // costs one copy when it is complete.
    let pending: Buffer[] = [];
    for (;;) {
      const n = readSync(fd, buffer, 0, BUFFER_BYTES, null);
      if (n === 0) break;
      let start = 0;
      for (let nl = buffer.indexOf(10, start); nl !== -1 && nl < n; nl = buffer.indexOf(10, start)) {
        const piece = buffer.subarray(start, nl);
        const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        yield { text: bytes.toString('utf8'), ended: true };
        start = nl + 1;
      }
      if (start < n) pending.push(Buffer.from(buffer.subarray(start, n)));
    }
    if (pending.length > 0) yield { text: Buffer.concat(pending).toString('utf8'), ended: false };
  } finally {
    closeSync(fd);
  }
}

/** The lines of a string, in the same shape. */
export function* linesOf(text: string): Generator<Line> {
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    yield { text: text.slice(start, nl), ended: true };
    start = nl + 1;
  }
  if (start < text.length) yield { text: text.slice(start), ended: false };
}
