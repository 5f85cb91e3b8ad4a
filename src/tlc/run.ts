// Runs TLC as a child process in `-tool` mode and turns its message-coded
// output into a typed result. Each run gets a fresh metadir (also Java's
// temporary folder, where TLC unpacks its standard modules), so runs can go
// on at the same time, and the folder is removed afterwards.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { findJava, findTlcJar, type JavaRuntime, type TlcJar } from './jar.js';
import { parseToolOutput, type TlcOutcome, type TlcStats } from './tool-output.js';
import { dyingWithParent, makeTempDir, removeTempDir, trackChild } from '../files/cleanup.js';

export interface TlcRunOptions {
  /** The .tla module to check; TLC runs in its folder. */
  readonly spec: string;
  /** The .cfg file; defaults to the module's name with .cfg. */
  readonly config?: string;
  readonly workers?: number;
  readonly timeoutMs?: number;
  /** Check for deadlock (TLC's default); false passes `-deadlock`. */
  readonly checkDeadlock?: boolean;
  readonly extraArgs?: readonly string[];
  readonly java?: JavaRuntime;
  readonly jar?: TlcJar;
  /** Maximum Java heap, e.g. '4g'. */
  readonly heap?: string;
  /** Called with the text of each progress report TLC makes while it runs. */
  readonly onProgress?: (text: string) => void;
}

export interface TlcResult extends TlcStats {
  readonly outcome: TlcOutcome;
  readonly durationMs: number;
  readonly exitCode: number | null;
  /** TLC's whole output, for when the user wants to see it. */
  readonly output: string;
  /**
   * The JVM's peak resident memory in bytes (its VmHWM, sampled four times a
   * second, so at most a quarter second's growth is missed), or null where
   * /proc is not there to read it.
   */
  readonly peakRssBytes: number | null;
}

export async function runTlc(options: TlcRunOptions): Promise<TlcResult> {
  const java = options.java ?? findJava();
  const jar = options.jar ?? (await findTlcJar());
  const spec = resolve(options.spec);
  const config = resolve(options.config ?? spec.replace(/\.tla$/, '.cfg'));
  const metadir = makeTempDir('tlc-run-');
  const args = [
    '-XX:+UseParallelGC',
    `-Djava.io.tmpdir=${metadir}`,
    ...(options.heap ? [`-Xmx${options.heap}`] : []),
    '-cp',
    jar.path,
    'tlc2.TLC',
    '-tool',
    '-metadir',
    join(metadir, 'states'),
    '-config',
    config,
    '-workers',
    String(options.workers ?? 1),
    ...(options.checkDeadlock === false ? ['-deadlock'] : []),
    ...(options.extraArgs ?? []),
    basename(spec),
  ];
  const started = performance.now();
  try {
    const { output, exitCode, timedOut, peakRssBytes } = await spawnCollect(
      java.path,
      args,
      dirname(spec),
      options.timeoutMs,
      options.onProgress,
    );
    const durationMs = performance.now() - started;
    const parsed = parseToolOutput(output);
    let outcome: TlcOutcome;
    if (timedOut) outcome = { kind: 'timeout', seconds: Math.round((options.timeoutMs ?? 0) / 1000) };
    else if (parsed.outcome) outcome = parsed.outcome;
    else outcome = { kind: 'crash', message: crashMessage(output, exitCode) };
    return { ...parsed.stats, outcome, durationMs, exitCode, output, peakRssBytes };
  } finally {
    removeTempDir(metadir);
  }
}

function crashMessage(output: string, exitCode: number | null): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('@!@!@'));
  const exception = lines.find((l) => /Exception|Error:/.test(l));
  const detail = exception ?? lines[lines.length - 1] ?? 'no output';
  return `TLC ended (exit code ${exitCode}) without reporting a result: ${detail}`;
}

/** A process's peak resident memory so far in bytes (VmHWM), or null if /proc does not say. */
function peakRssOf(pid: number): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples a child's peak memory until it exits: VmHWM only grows, so the
 * last sample read is the peak (less what it grew in its last quarter second).
 */
function watchPeakMemory(pid: number | undefined): { stop(): number | null } {
  let peak: number | null = null;
  const sample = () => {
    const now = pid === undefined ? null : peakRssOf(pid);
    if (now !== null) peak = Math.max(peak ?? 0, now);
  };
  sample();
  const timer = setInterval(sample, 250);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

function spawnCollect(
  command: string,
  args: readonly string[],
  cwd: string,
  timeoutMs: number | undefined,
  onProgress: ((text: string) => void) | undefined,
): Promise<{ output: string; exitCode: number | null; timedOut: boolean; peakRssBytes: number | null }> {
  return new Promise((resolvePromise, reject) => {
    // A JVM dies with this process, however it ends: a SIGKILL of a tool leaves no TLC running.
    const launch = dyingWithParent(command, args, 'SIGKILL');
    const child = spawn(launch.command, launch.args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    const memory = watchPeakMemory(child.pid);
    const chunks: Buffer[] = [];
    // Progress reports (message 2200; 2209 in simulation) are passed on as they come.
    let partial = '';
    let inProgress = false;
    child.stdout.on('data', (c: Buffer) => {
      chunks.push(c);
      if (!onProgress) return;
      const lines = (partial + c.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (/^@!@!@STARTMSG 22(00|09):/.test(line)) inProgress = true;
        else if (line.startsWith('@!@!@')) inProgress = false;
        else if (inProgress && line.trim()) onProgress(line.trim());
      }
    });
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    let timedOut = false;
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs)
      : null;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      memory.stop();
      reject(err);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const peakRssBytes = memory.stop();
      resolvePromise({ output: Buffer.concat(chunks).toString('utf8'), exitCode: code, timedOut, peakRssBytes });
    });
  });
}

/** One line saying what the outcome is, for summaries. */
export function describeOutcome(o: TlcOutcome): string {
  switch (o.kind) {
    case 'success':
      return 'no error found';
    case 'violation':
      return `${o.propertyKind} ${o.property} violated after ${o.trace.length} state(s)`;
    case 'deadlock':
      return `deadlock after ${o.trace.length} state(s)`;
    case 'parse-error':
      return `spec error${o.file ? ` in ${o.file}${o.line ? `:${o.line}` : ''}` : ''}: ${o.message}`;
    case 'error':
      return `TLC error ${o.code}: ${o.message}`;
    case 'crash':
      return o.message;
    case 'timeout':
      return `TLC did not finish within ${o.seconds} s`;
  }
}
