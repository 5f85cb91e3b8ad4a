// The damage a disk fault does to a killed server's write-ahead log, at
// 512-byte sectors (a disk's unit of atomic write): pure, so that a test can
// apply each kind to a log and see what a recovery makes of it.
import type { Rng } from '../random/rng.js';
import type { Damage } from './faults.js';

export const SECTOR = 512;

export interface Damaged {
  readonly bytes: Buffer;
  /** What was done, in a line: "zeroed bytes 4,096-4,607 (sector 8)". */
  readonly what: string;
  /** The first byte the damage touched (the file's new end, for a cut). */
  readonly from: number;
}

const n = (x: number) => x.toLocaleString('en-US');

/** A sector boundary below the file's end, `first` to `last` boundaries back (0 if the file is shorter). */
function tailBoundary(rng: Rng, size: number, first: number, last: number): number {
  const top = Math.floor((size - 1) / SECTOR) * SECTOR;
  const choices: number[] = [];
  for (let k = first; k <= last; k++) if (top - k * SECTOR >= 0) choices.push(top - k * SECTOR);
  return choices.length ? choices[rng.intBetween(0, choices.length - 1)]! : 0;
}

/** `bytes` with `damage` done to it; a file damage kind only (not eio or full). */
export function damageLog(bytes: Buffer, damage: Damage, rng: Rng): Damaged {
  const out = Buffer.from(bytes);
  const size = bytes.length;
  if (size === 0) return { bytes: out, what: 'nothing to damage (the log is empty)', from: 0 };
  switch (damage) {
    // A torn write loses at most its last few sectors.
    case 'torn-tail': {
      const at = tailBoundary(rng, size, 0, 3);
      return { bytes: out.subarray(0, at), what: `cut at byte ${n(at)} of ${n(size)} (a torn write)`, from: at };
    }
    // Blocks allocated for the file but never written read back as zeros: up to 4 KiB of them.
    case 'zero-tail': {
      const at = tailBoundary(rng, size, 1, 7);
      out.fill(0, at);
      return { bytes: out, what: `zeroed bytes ${n(at)}-${n(size - 1)}, to the end`, from: at };
    }
    case 'zero-sector': {
      const sector = rng.intBetween(0, Math.ceil(size / SECTOR) - 1);
      const at = sector * SECTOR;
      const end = Math.min(size, at + SECTOR);
      out.fill(0, at, end);
      return { bytes: out, what: `zeroed bytes ${n(at)}-${n(end - 1)} (sector ${sector})`, from: at };
    }
    case 'flip-bit': {
      const at = rng.intBetween(0, size - 1);
      const bit = rng.intBetween(0, 7);
      out[at] = out[at]! ^ (1 << bit);
      return { bytes: out, what: `flipped bit ${bit} of byte ${n(at)}`, from: at };
    }
    case 'eio':
    case 'full':
      throw new Error(`${damage} is a fault of a running server, not damage to a file`);
  }
}
