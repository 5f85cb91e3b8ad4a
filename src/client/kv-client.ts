// A client of a real cluster's HTTP API. It sends a command to the server it
// believes leads, follows "not leader, try nX" answers, moves on to the next
// server when one does not answer, and gives up after a bounded number of
// attempts or time, with a one-line reason. A write that timed out is not
// retried: it may still commit, and a retry could apply it twice.
import type { ServerId } from '../raft/types.js';
import { HarnessError } from '../errors/harness-error.js';

export interface KvResult {
  readonly ok: true;
  readonly server: ServerId;
  readonly key: string;
  /** The key's value after the command; null for a read of a key never written. */
  readonly value: string | null;
  readonly index: number;
  readonly term: number;
}

export class KvClientError extends HarnessError {
  constructor(
    message: string,
    /** Whether the command may have been applied anyway (a timeout after the leader accepted it). */
    readonly indefinite: boolean,
  ) {
    super(message);
  }
}

export interface KvClientOptions {
  /** Each server's client API base URL, e.g. http://127.0.0.1:7201. */
  readonly servers: Readonly<Record<ServerId, string>>;
  /** The whole command's budget. */
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
}

export class KvClient {
  private leader: ServerId | null = null;
  private readonly ids: ServerId[];
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;

  constructor(private readonly options: KvClientOptions) {
    this.ids = Object.keys(options.servers);
    if (this.ids.length === 0) throw new Error('a client needs at least one server');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 30;
  }

  put(key: string, value: string): Promise<KvResult> {
    return this.command('PUT', key, value);
  }

  get(key: string): Promise<KvResult> {
    return this.command('GET', key, undefined);
  }

  private async command(method: 'PUT' | 'GET', key: string, body: string | undefined): Promise<KvResult> {
    const deadline = Date.now() + this.timeoutMs;
    let target = this.leader ?? this.ids[0]!;
    const tried: string[] = [];
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const url = `${this.options.servers[target]}/kv/${encodeURIComponent(key)}`;
      let status: number;
      let answer: Record<string, unknown>;
      try {
        const res = await fetch(url, { method, body, signal: AbortSignal.timeout(left) });
        status = res.status;
        answer = (await res.json()) as Record<string, unknown>;
      } catch (err) {
        const e = err as Error;
        if (e.name === 'TimeoutError') {
          throw new KvClientError(
            `${method} ${key}: no answer from ${target} within the ${this.timeoutMs} ms budget; the command may still commit`,
            true,
          );
        }
        const cause = e.cause as NodeJS.ErrnoException | undefined;
        const reason = cause?.message ?? e.message;
        // Refused: the command never reached the server. Anything else (a
        // reset, a server killed mid-request) may come after it was accepted.
        if (method === 'PUT' && cause?.code !== 'ECONNREFUSED') {
          throw new KvClientError(
            `${method} ${key}: ${target} failed mid-request (${reason}); the command may still commit`,
            true,
          );
        }
        tried.push(`${target}: ${reason}`);
        target = this.after(target);
        this.leader = null;
        await pause(Math.min(50, Math.max(0, deadline - Date.now())));
        continue;
      }
      if (status === 200) {
        this.leader = target;
        return answer as unknown as KvResult;
      }
      tried.push(`${target}: ${String(answer.error ?? status)}`);
      if (status === 421) {
        const hint = answer.leader as ServerId | null;
        target = hint && hint in this.options.servers ? hint : this.after(target);
        if (!hint) await pause(Math.min(100, Math.max(0, deadline - Date.now())));
        continue;
      }
      if (status === 409) continue; // overwritten, so not applied: safe to send again
      if (status === 503) {
        if (method === 'PUT') throw new KvClientError(`${method} ${key}: ${String(answer.error)}`, true);
        target = this.after(target);
        continue;
      }
      if (status === 504) throw new KvClientError(`${method} ${key}: ${String(answer.error)}`, true);
      throw new KvClientError(`${method} ${key}: ${target} answered ${status}: ${String(answer.error)}`, false);
    }
    throw new KvClientError(
      `${method} ${key}: no server applied it within ${this.timeoutMs} ms and ${this.maxAttempts} attempts (last: ${tried.slice(-3).join('; ') || 'none'})`,
      false,
    );
  }

  private after(id: ServerId): ServerId {
    return this.ids[(this.ids.indexOf(id) + 1) % this.ids.length]!;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
