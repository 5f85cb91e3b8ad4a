// The replicated state machine: a key-value map fed by committed entries.
// An entry's value is a command: `key=value` writes the key; `?key` reads it
// without changing anything, which lets a read be ordered through the log
// like a write (the real server answers GET this way); NO_OP, which a new
// leader appends first, does nothing.
import type { Entry, Snapshot } from './types.js';

/** The command of the entry a new leader appends first (RaftNode's becomeLeader): no key is named so. */
export const NO_OP = '(no-op)';

export function writeCommand(key: string, value: string): string {
  return `${key}=${value}`;
}

export function readCommand(key: string): string {
  return `?${key}`;
}

export class KeyValueStore {
  private readonly data = new Map<string, string>();
  private applied = 0;

  /**
   * Applies the entry at `index`, which must be the next one: the log is
   * applied in order. Returns the key's value after the command (undefined
   * for a read of a key never written).
   */
  apply(index: number, entry: Entry): string | undefined {
    if (index !== this.applied + 1) {
      throw new Error(`entry ${index} applied out of order (last applied ${this.applied})`);
    }
    const command = entry.value;
    if (command === NO_OP) {
      this.applied = index;
      return undefined;
    }
    if (command.startsWith('?') && command.length > 1) {
      this.applied = index;
      return this.data.get(command.slice(1));
    }
    const eq = command.indexOf('=');
    if (eq <= 0) throw new Error(`entry ${index} holds a malformed command ${JSON.stringify(command)}`);
    const value = command.slice(eq + 1);
    this.data.set(command.slice(0, eq), value);
    this.applied = index;
    return value;
  }

  get lastApplied(): number {
    return this.applied;
  }

  get(key: string): string | undefined {
    return this.data.get(key);
  }

  snapshot(): Record<string, string> {
    return Object.fromEntries([...this.data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** The store's content as a Raft snapshot carries it: its keys in order, as JSON (the same store, the same text). */
  save(): string {
    return JSON.stringify(this.snapshot());
  }

  /** The store a snapshot saved, having applied every entry up to the snapshot's index. */
  static restore(snapshot: Snapshot): KeyValueStore {
    let data: unknown;
    try {
      data = JSON.parse(snapshot.data);
    } catch {
      data = null;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new Error(`the snapshot at index ${snapshot.index} holds no key-value map`);
    const kv = new KeyValueStore();
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== 'string')
        throw new Error(`the snapshot at index ${snapshot.index} holds a non-string value for ${JSON.stringify(k)}`);
      kv.data.set(k, v);
    }
    kv.applied = snapshot.index;
    return kv;
  }
}
