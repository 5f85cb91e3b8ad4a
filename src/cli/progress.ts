// Progress of a long job, for people and for CI logs alike: on a terminal one
// line rewritten in place; elsewhere (CI, a pipe, make's output captured) a
// plain line at most every few seconds, so that a log shows the job is alive
// without filling up. (A library such as cli-progress draws bars on a
// terminal, but its non-terminal output is what matters in CI, and that is a
// line every few seconds: not worth a dependency.)
import { humanOut } from './output.js';

/** How often a progress line goes to a log that is no terminal: RAFT_PROGRESS_SECONDS, default 5. */
export function progressIntervalMs(): number {
  const s = Number(process.env.RAFT_PROGRESS_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 5000;
}

export interface ProgressOptions {
  readonly tty?: boolean;
  /** Least time between two lines when not on a terminal. */
  readonly everyMs?: number;
  readonly write?: (text: string) => void;
}

export class Progress {
  private readonly tty: boolean;
  private readonly everyMs: number;
  private readonly write: (text: string) => void;
  private last = 0;
  private shown = false;

  constructor(
    private readonly label: string,
    options: ProgressOptions = {},
  ) {
    // Under --json stdout holds the JSON document alone, so progress goes to stderr.
    const out = humanOut();
    this.tty = options.tty ?? Boolean(out.isTTY);
    this.everyMs = options.everyMs ?? progressIntervalMs();
    this.write = options.write ?? ((t) => out.write(t));
  }

  /** Reports the state now; `force` prints it even within the interval (e.g. the last step). */
  update(text: string, force = false): void {
    if (this.tty) {
      this.write(`\r\x1b[2K${this.label}: ${text}`);
      this.shown = true;
      return;
    }
    const now = performance.now();
    if (!force && this.last !== 0 && now - this.last < this.everyMs) return;
    if (!force && this.last === 0) {
      // The first line only once the job has run for a while: short jobs stay quiet.
      this.last = now;
      return;
    }
    this.last = now;
    this.write(`${this.label}: ${text}\n`);
  }

  /** Ends the progress line on a terminal, so that what follows starts on a line of its own. */
  end(): void {
    if (this.tty && this.shown) this.write('\n');
    this.shown = false;
  }
}

/** Calls `tick` every `everyMs` until the returned stop function is called: a heartbeat for a job that reports nothing itself. */
export function heartbeat(tick: (elapsedSeconds: number) => void, everyMs = 15_000): () => void {
  const started = performance.now();
  const timer = setInterval(() => tick((performance.now() - started) / 1000), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
