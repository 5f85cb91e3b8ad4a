// The replicated state machine: a key-value map fed by committed entries.
// An entry's value is a command of the form `key=value`.
import type { Entry } from './types.js';

export class KeyValueStore {
  private readonly data = new Map<string, string>();
  private applied = 0;

  /** Applies the entry at `index`, which must be the next one: the log is applied in order. */
  apply(index: number, entry: Entry): void {
    if (index !== this.applied + 1) {
      throw new Error(`entry ${index} applied out of order (last applied ${this.applied})`);
    }
    const eq = entry.value.indexOf('=');
    if (eq <= 0) throw new Error(`entry ${index} holds a malformed command ${JSON.stringify(entry.value)}`);
    this.data.set(entry.value.slice(0, eq), entry.value.slice(eq + 1));
    this.applied = index;
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
}
