// Runs TLC as a child process in `-tool` mode and turns its message-coded
// output into a typed result. Each run gets a fresh metadir (also Java's
// temporary folder, where TLC unpacks its standard modules), so runs can go
// on at the same time, and the folder is removed afterwards.
import { spawn } from 'node:child_process';
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
    const { output, exitCode, timedOut } = await spawnCollect(
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
    return { ...parsed.stats, outcome, durationMs, exitCode, output };
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

function spawnCollect(
  command: string,
  args: readonly string[],
  cwd: string,
  timeoutMs: number | undefined,
  onProgress: ((text: string) => void) | undefined,
): Promise<{ output: string; exitCode: number | null; timedOut: boolean }> {
  return new Promise((resolvePromise, reject) => {
    // A JVM dies with this process, however it ends: a SIGKILL of a tool leaves no TLC running.
    const launch = dyingWithParent(command, args, 'SIGKILL');
    const child = spawn(launch.command, launch.args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
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
      reject(err);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolvePromise({ output: Buffer.concat(chunks).toString('utf8'), exitCode: code, timedOut });
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
