// What this process started and must stop before it ends: child processes
// (TLC's JVMs, campaign workers) and temporary directories. They are released
// as usual when their work is done; whatever is still held when the process
// exits, fails, or is interrupted (SIGINT, SIGTERM, SIGHUP) is stopped and
// removed then, so that Ctrl-C leaves no JVM running and no scratch folder in
// the temp dir. Only what was registered here is touched: nothing is killed
// by name.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs = new Set<string>();
/** Each child with the signal that stops it: a JVM is killed, a node worker asked to clean up after itself. */
const children = new Map<ChildProcess, NodeJS.Signals>();
/** Processes this one started detached (it holds no handle to them), by PID. */
const pids = new Set<number>();
/** Paths to remove at exit only if this process's parent is gone by then (it would have removed them). */
const orphanPaths = new Set<string>();
const parentAtStart = process.ppid;

let installed = false;

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** util-linux's setpriv, which gives a child a parent-death signal before it execs it; null where absent. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;

/**
 * The command line that runs `command args` so that it receives `signal`
 * when this process dies, however it dies (a SIGKILL included, which no
 * handler here sees): through setpriv where it is found, else as it is.
 */
export function dyingWithParent(
  command: string,
  args: readonly string[],
  signal: NodeJS.Signals,
): { command: string; args: string[] } {
  return SETPRIV ? { command: SETPRIV, args: ['--pdeathsig', signal, command, ...args] } : { command, args: [...args] };
}

/** Whether process `pid` still runs: an exited child not yet reaped (a zombie) does not. */
export function processRunning(pid: number): boolean {
  try {
    return !/^\d+ \([^)]*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Waits (synchronously: this runs on the way out, with no event loop left)
 * up to `ms` for the given processes to end, so that the folders they write
 * into are removed after they stopped writing, not while.
 */
function awaitExit(pids: readonly number[], ms: number): void {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + ms;
  while (pids.some(processRunning) && Date.now() < deadline) Atomics.wait(nap, 0, 0, 20);
}

/** Signals every child and detached process held; returns the PIDs signalled. */
function signalEverything(): number[] {
  const signalled: number[] = [];
  for (const [child, signal] of children) {
    try {
      child.kill(signal);
      if (child.pid) signalled.push(child.pid);
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  pids.clear();
  return signalled;
}

/** `forget`: stop holding them once removed (at exit); on a signal they stay held, to be removed once more at exit. */
function removeEverything(forget = true): void {
  for (const dir of dirs) {
    try {
      // A JVM just sent SIGKILL may still write into its metadir for a moment:
      // retry a removal that finds the folder not empty yet.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    } catch {
      // Nothing more can be done at exit; the other folders are still removed.
    }
  }
  if (forget) dirs.clear();
}

/** At exit, with no event loop left: everything at once, waiting synchronously. */
function stopEverything(): void {
  awaitExit(signalEverything(), 5000);
  removeEverything();
  if (process.ppid !== parentAtStart) for (const path of orphanPaths) rmSync(path, { recursive: true, force: true });
}

/**
 * The same on a signal, with the event loop still turning while the children
 * end: a launcher in between (the tsx command) that relays the signal late,
 * as it does on a loaded machine, gets its answer instead of SIGKILLing this
 * process in the middle of its cleanup. What the work starts meanwhile is
 * stopped at exit.
 */
async function stopEverythingSoon(): Promise<void> {
  const signalled = signalEverything();
  const deadline = Date.now() + 5000;
  while (signalled.some(processRunning) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // Removed now, and once more at exit (stopEverything), after whatever the
  // work started meanwhile is stopped too: a JVM started since would make its
  // metadir again (TLC creates it) under a folder removed only now.
  removeEverything(false);
}

/**
 * How long a signal's cleanup waits before it starts: a launcher in between
 * (the tsx command) relays a signal and SIGKILLs a process that has not
 * answered the relayed one within 30 ms; the event loop stays free to answer
 * before the cleanup and while it waits for the children (stopEverythingSoon).
 * The work goes on meanwhile, but writes no output (interruptedBy).
 */
const RELAY_GRACE_MS = 250;

/** The signal that interrupted this process, once one did: from then on nothing new is written. */
let interrupted: NodeJS.Signals | null = null;

export function interruptedBy(): NodeJS.Signals | null {
  return interrupted;
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    stopEverything();
    // The work may end the process first (a child it lost fails it): the exit still says it was interrupted.
    if (interrupted) process.exitCode = 128 + constants.signals[interrupted];
  });
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      if (interrupted) return; // the same signal relayed again: the cleanup is under way
      interrupted = signal;
      setTimeout(() => {
        void stopEverythingSoon().finally(() => process.exit(128 + constants.signals[signal]));
      }, RELAY_GRACE_MS);
    });
  }
}

/** A new directory under the system's temp dir, removed at exit if not before. */
export function makeTempDir(prefix: string): string {
  install();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** Removes a directory made by makeTempDir. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/**
 * Removes `path` (a file being written, such as a trace on its way to its
 * final name) if this process ends before untrackTempPath releases it.
 */
export function trackTempPath(path: string): void {
  install();
  dirs.add(path);
}

export function untrackTempPath(path: string): void {
  dirs.delete(path);
}

/** Removes `path` at this process's end if its parent, who made it and would remove it, has died by then. */
export function removeIfOrphaned(path: string): void {
  install();
  orphanPaths.add(path);
}

/** Stops `child` with `signal` if this process ends first. */
export function trackChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  install();
  children.set(child, signal);
  child.once('exit', () => children.delete(child));
  // Once interrupted, nothing new runs: the work may still be starting a child while the cleanup waits.
  if (interrupted) child.kill(signal);
}

/** Kills process `pid` (one this process started detached) if this process ends before untrackPid. */
export function trackPid(pid: number): void {
  install();
  pids.add(pid);
}

export function untrackPid(pid: number): void {
  pids.delete(pid);
}
