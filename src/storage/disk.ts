// The few file operations the write-ahead log needs, behind an interface so
// that the same log runs on the real file system and on a simulated disk that
// loses what was written but not yet synced, as a machine that loses power
// does. Tests crash the simulated disk at the worst moment (between a write
// and its fsync) to show that a server never acknowledges what it then loses.
import {
  closeSync,
  constants,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from '../files/output-path.js';

export interface DiskFile {
  append(bytes: Uint8Array): void;
  /** Makes everything appended so far durable. */
  sync(): void;
  close(): void;
}

/** A file written in place, at given offsets (the write-ahead log's mark: two fixed slots). */
export interface PlacedFile {
  /** Writes `bytes` at `offset`, over what was there (the file grows if it ends before). */
  writeAt(offset: number, bytes: Uint8Array): void;
  /** Makes every write so far durable. */
  sync(): void;
  close(): void;
}

export interface Disk {
  /** The file's bytes as a reader sees them now, or null if there is no such file. */
  read(path: string): Buffer | null;
  /** Opens the file for appending, creating it (empty) if it does not exist. */
  openAppend(path: string): DiskFile;
  /** Opens the file for writes in place, creating it (empty, its name durable) if it does not exist. */
  openPlaced(path: string): PlacedFile;
  /** Cuts the file to `length` bytes, durably. */
  truncate(path: string, length: number): void;
  /** Replaces the file's content with `bytes` atomically and durably: a crash leaves the old content or the new, whole. */
  replace(path: string, bytes: Uint8Array): void;
  /** Removes the file if it exists (not durably: a crash may bring it back, so nothing may depend on its absence). */
  remove(path: string): void;
  /** The names of the files in the folder (none if there is no such folder). */
  list(dir: string): string[];
}

/** The real file system, with fsync. */
export class FileSystemDisk implements Disk {
  read(path: string): Buffer | null {
    return existsSync(path) ? readFileSync(path) : null;
  }

  openAppend(path: string): DiskFile {
    ensureDir(dirname(path));
    const existed = existsSync(path);
    const fd = openSync(path, 'a');
    // A new file's name is durable only once its directory is synced.
    if (!existed) syncDirectory(dirname(path));
    return {
      append(bytes) {
        let done = 0;
        while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      },
      // fdatasync: the data and the file's new length, without its times (which nothing reads back).
      sync() {
        fdatasyncSync(fd);
      },
      close() {
        closeSync(fd);
      },
    };
  }

  openPlaced(path: string): PlacedFile {
    ensureDir(dirname(path));
    const existed = existsSync(path);
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    if (!existed) syncDirectory(dirname(path));
    return {
      writeAt(offset, bytes) {
        let done = 0;
        while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
      },
      sync() {
        fdatasyncSync(fd);
      },
      close() {
        closeSync(fd);
      },
    };
  }

  truncate(path: string, length: number): void {
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, length);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  replace(path: string, bytes: Uint8Array): void {
    ensureDir(dirname(path));
    const tmp = replacementOf(path);
    const fd = openSync(tmp, 'w');
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncDirectory(dirname(path));
  }

  remove(path: string): void {
    rmSync(path, { force: true });
  }

  list(dir: string): string[] {
    return existsSync(dir) ? readdirSync(dir) : [];
  }
}

/**
 * A fault a disk can be told to have on its next operation (the nemesis's and
 * the tests'): `eio`, the next sync fails with EIO and the writes it was to
 * make durable are dropped (as Linux drops failed dirty pages and a later
 * fsync then succeeds: PostgreSQL's "fsyncgate", 2018); `full`, every write
 * from now on fails with ENOSPC, until the process restarts (space freed).
 */
export type DiskFault = 'eio' | 'full';

export const DISK_FAULTS: readonly DiskFault[] = ['eio', 'full'];

/** The error a faulty disk's operation throws, shaped as node's own (code, errno, syscall, path). */
export function diskFaultError(fault: DiskFault, syscall: 'fsync' | 'write', path: string): NodeJS.ErrnoException {
  const [code, errno, text] = fault === 'eio' ? ['EIO', -5, 'i/o error'] : ['ENOSPC', -28, 'no space left on device'];
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}' (an injected disk fault)`), {
    code,
    errno,
    syscall,
    path,
  });
}

/** Which fault a disk was told to have, and whether an operation has met it yet. */
export class FaultSwitch {
  private armed: DiskFault | null = null;
  private full = false;
  /** The faults that struck, in order, each with the file it struck. */
  readonly struck: Array<{ fault: DiskFault; path: string }> = [];

  arm(fault: DiskFault): void {
    this.armed = fault;
  }

  get waiting(): DiskFault | null {
    return this.armed;
  }

  /** A machine restarted with a healthy disk: nothing armed, not full. */
  clear(): void {
    this.armed = null;
    this.full = false;
  }

  /** Throws if a write to `path` must fail now (a full disk stays full). */
  beforeWrite(path: string): void {
    if (this.armed === 'full') {
      this.armed = null;
      this.full = true;
    }
    if (!this.full) return;
    if (!this.struck.some((s) => s.fault === 'full')) this.struck.push({ fault: 'full', path });
    throw diskFaultError('full', 'write', path);
  }

  /** Whether this sync of `path` fails with EIO (once: the next one succeeds, the dropped writes gone). */
  syncFails(path: string): boolean {
    if (this.armed !== 'eio') return false;
    this.armed = null;
    this.struck.push({ fault: 'eio', path });
    return true;
  }
}

/**
 * The real file system seen through a page cache that a crash empties: what
 * is appended stays in this process's memory until the file is synced (then
 * it is written and fsynced) or until writeBack() (then it is written, as an
 * operating system writes dirty pages back every so often). A SIGKILL loses
 * whatever was appended since, as a power cut loses unsynced pages: the
 * nemesis runs real servers on it (--lose-unsynced) to show that the write-
 * ahead log syncs before anything it holds is acknowledged.
 */
export class PageCacheDisk implements Disk {
  private readonly base = new FileSystemDisk();
  private readonly dirty = new Set<{ writeBack(): void }>();
  /** Faults the nemesis injects (POST /fault/disk on a server that runs on this disk). */
  readonly faults = new FaultSwitch();

  read(path: string): Buffer | null {
    this.writeBack();
    return this.base.read(path);
  }

  /** Writes held in memory until the file is synced or written back; `apply` makes one for real. */
  private cached<W>(
    path: string,
    file: { sync(): void; close(): void },
    apply: (w: W) => void,
  ): { hold(w: W): void; sync(): void; close(): void } {
    let pending: W[] = [];
    const entry = {
      writeBack() {
        for (const w of pending) apply(w);
        pending = [];
      },
    };
    this.dirty.add(entry);
    return {
      hold: (w) => {
        this.faults.beforeWrite(path);
        pending.push(w);
      },
      sync: () => {
        if (this.faults.syncFails(path)) {
          pending = [];
          throw diskFaultError('eio', 'fsync', path);
        }
        entry.writeBack();
        file.sync();
      },
      close: () => {
        entry.writeBack();
        this.dirty.delete(entry);
        file.close();
      },
    };
  }

  openAppend(path: string): DiskFile {
    const file = this.base.openAppend(path);
    const c = this.cached<Uint8Array>(path, file, (bytes) => file.append(bytes));
    return { append: (bytes) => c.hold(Uint8Array.from(bytes)), sync: c.sync, close: c.close };
  }

  openPlaced(path: string): PlacedFile {
    const file = this.base.openPlaced(path);
    const c = this.cached<{ offset: number; bytes: Uint8Array }>(path, file, (w) => file.writeAt(w.offset, w.bytes));
    return {
      writeAt: (offset, bytes) => c.hold({ offset, bytes: Uint8Array.from(bytes) }),
      sync: c.sync,
      close: c.close,
    };
  }

  truncate(path: string, length: number): void {
    this.writeBack();
    this.base.truncate(path, length);
  }

  replace(path: string, bytes: Uint8Array): void {
    this.faults.beforeWrite(path);
    this.base.replace(path, bytes);
  }

  remove(path: string): void {
    this.base.remove(path);
  }

  list(dir: string): string[] {
    return this.base.list(dir);
  }

  /** Writes every file's cached appends (without fsync). */
  writeBack(): void {
    for (const c of this.dirty) c.writeBack();
  }
}

/** Where Disk.replace writes a file's new content before renaming it over the file. */
export function replacementOf(path: string): string {
  return `${path}.compact.tmp`;
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Thrown by a simulated disk's sync when a test asked it to crash there. */
export class SimulatedCrash extends Error {
  constructor(
    readonly path: string,
    /** A sync of an appended file, or the atomic replace of a whole one (before its rename). */
    readonly during: 'sync' | 'replace' = 'sync',
  ) {
    super(`simulated crash before ${path} was ${during === 'sync' ? 'synced' : 'replaced'}`);
  }
}

/** A write not yet synced: at an offset, or (null) at the file's end. */
interface PendingWrite {
  readonly offset: number | null;
  readonly bytes: Buffer;
}

interface SimulatedFile {
  durable: Buffer;
  pending: PendingWrite[];
}

/** `base` with the writes applied in order, the last of them only up to `limit` bytes in all. */
function applyWrites(base: Buffer, writes: readonly PendingWrite[], limit = Infinity): Buffer {
  let out = base;
  let left = limit;
  for (const w of writes) {
    if (left <= 0) break;
    const bytes = w.bytes.length > left ? w.bytes.subarray(0, left) : w.bytes;
    left -= bytes.length;
    const at = w.offset ?? out.length;
    const end = at + bytes.length;
    const next = Buffer.alloc(Math.max(out.length, end));
    out.copy(next);
    bytes.copy(next, at);
    out = next;
  }
  return out;
}

/**
 * An in-memory disk that keeps, per file, what has been synced apart from
 * what was only written. crash() loses the unsynced writes, or keeps a prefix
 * of them (a torn write), as a power cut does to a real disk's page cache.
 */
export class SimulatedDisk implements Disk {
  private readonly files = new Map<string, SimulatedFile>();
  /** Counts down the syncs (and replaces, which sync) to the one a crash strikes; 0: none asked for. */
  private crashCountdown = 0;
  /** Faults to meet on the next sync (eio: that file's unsynced writes are dropped) or write (full). */
  readonly faults = new FaultSwitch();

  read(path: string): Buffer | null {
    const f = this.files.get(path);
    return f ? applyWrites(f.durable, f.pending) : null;
  }

  private file(path: string): SimulatedFile {
    let f = this.files.get(path);
    if (!f) this.files.set(path, (f = { durable: Buffer.alloc(0), pending: [] }));
    return f;
  }

  /** Throws the crash a test asked for if this sync is the one. */
  private crashHere(path: string, during: 'sync' | 'replace'): void {
    if (this.crashCountdown > 0 && --this.crashCountdown === 0) throw new SimulatedCrash(path, during);
  }

  private syncFile(path: string): void {
    this.crashHere(path, 'sync');
    const f = this.file(path);
    if (this.faults.syncFails(path)) {
      f.pending = [];
      throw diskFaultError('eio', 'fsync', path);
    }
    f.durable = applyWrites(f.durable, f.pending);
    f.pending = [];
  }

  private write(path: string, offset: number | null, bytes: Uint8Array): void {
    this.faults.beforeWrite(path);
    this.files.get(path)!.pending.push({ offset, bytes: Buffer.from(bytes) });
  }

  openAppend(path: string): DiskFile {
    this.file(path);
    return {
      append: (bytes) => this.write(path, null, bytes),
      sync: () => this.syncFile(path),
      close: () => {},
    };
  }

  openPlaced(path: string): PlacedFile {
    this.file(path);
    return {
      writeAt: (offset, bytes) => this.write(path, offset, bytes),
      sync: () => this.syncFile(path),
      close: () => {},
    };
  }

  truncate(path: string, length: number): void {
    const all = this.read(path);
    if (!all) throw new Error(`no file ${path}`);
    this.files.set(path, { durable: all.subarray(0, length), pending: [] });
  }

  /** A crash asked for at the next sync strikes here before the rename (the temp file's fsync): the old content stays. */
  replace(path: string, bytes: Uint8Array): void {
    this.faults.beforeWrite(path);
    this.crashHere(path, 'replace');
    this.files.set(path, { durable: Buffer.from(bytes), pending: [] });
  }

  /** Removes the file (as a lost directory entry, or a user's rm, does). */
  remove(path: string): void {
    this.files.delete(path);
  }

  list(dir: string): string[] {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names: string[] = [];
    for (const p of this.files.keys())
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) names.push(p.slice(prefix.length));
    return names.sort();
  }

  /** The next sync of any file throws SimulatedCrash instead of syncing. */
  crashAtNextSync(): void {
    this.crashCountdown = 1;
  }

  /** The crash strikes at the sync (or replace) after `n` more: a later step of the same batch (a snapshot's file, the log's cut). */
  crashAtSyncAfter(n: number): void {
    this.crashCountdown = n + 1;
  }

  /**
   * Loses every file's unsynced writes, except that `keep(unsyncedBytes)` may
   * choose how many of their bytes survive, in the order written (a torn write).
   */
  crash(keep: (unsyncedBytes: number) => number = () => 0): void {
    this.crashCountdown = 0;
    for (const f of this.files.values()) {
      const unsynced = f.pending.reduce((n, w) => n + w.bytes.length, 0);
      const kept = Math.max(0, Math.min(unsynced, keep(unsynced)));
      f.durable = applyWrites(f.durable, f.pending, kept);
      f.pending = [];
    }
  }
}
