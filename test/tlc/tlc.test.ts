// TLC itself, on the bundled spec: these tests need Java and TLC and fail,
// never skip, when either cannot be had; the failure says how to get them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { needTlc } from '../support/need-tlc.js';
import {
  findJava,
  findTlcJar,
  tlcVersion,
  TlcSetupError,
  versionFromHelp,
  versionFromToolOutput,
  type JavaRuntime,
  type TlcJar,
} from '../../src/tlc/jar.js';
import { runTlc } from '../../src/tlc/run.js';

let java: JavaRuntime;
let jar: TlcJar;

beforeAll(async () => {
  ({ java, jar } = await needTlc());
}, 300_000);

describe('TLC on the bundled spec', { timeout: 300_000 }, () => {
  // The quickest model (seconds; a stop after the last term is no deadlock
  // there): test/spec-models.test.ts runs the larger ones.
  it('parses Raft.tla and MCRaft.tla, and checks the progress model exhaustively with no error', async () => {
    const result = await runTlc({
      spec: 'spec/MCRaft.tla',
      config: 'spec/MCRaftProgress.cfg',
      workers: 2,
      checkDeadlock: false,
      java,
      jar,
    });
    expect(result.outcome, result.output.slice(-2000)).toEqual({ kind: 'success' });
    expect(result.version).toMatch(/^\d+\.\d+/);
    expect(result.distinctStates).toBeGreaterThan(1_000);
    expect(result.statesGenerated!).toBeGreaterThan(result.distinctStates!);
    expect(result.depth).toBeGreaterThan(10);
    // The JVM's peak memory, read from /proc (these machines are Linux): a
    // running JVM holds tens of MB at least, and far less than the machine.
    expect(result.peakRssBytes).toBeGreaterThan(20 * 2 ** 20);
    expect(result.peakRssBytes).toBeLessThan(totalmem());
  });

  /** Runs TLC on a one-variable module whose Next is `next`. */
  async function checkModule(name: string, next: string) {
    const dir = mkdtempSync(join(tmpdir(), 'broken-spec-'));
    writeFileSync(
      join(dir, `${name}.tla`),
      `---- MODULE ${name} ----\nVARIABLE x\nInit == x = 0\nNext == ${next}\n====\n`,
    );
    writeFileSync(join(dir, `${name}.cfg`), 'INIT Init\nNEXT Next\n');
    return runTlc({ spec: join(dir, `${name}.tla`), java, jar });
  }

  it('reports a syntax error with its file and line', async () => {
    const result = await checkModule('Broken', "x' = x +");
    expect(result.outcome).toMatchObject({ kind: 'parse-error', file: 'Broken.tla', line: 5 });
  });

  it('reports an undefined operator with its file and line', async () => {
    const result = await checkModule('Undefined', "x' = Missing(x)");
    expect(result.outcome).toMatchObject({ kind: 'parse-error', file: 'Undefined.tla', line: 4 });
    expect(result.outcome.kind === 'parse-error' && result.outcome.message).toMatch(/Missing/);
  });
});

describe('TLC setup errors', { timeout: 60_000 }, () => {
  it('a missing jar named by TLA2TOOLS_JAR is a one-line error', async () => {
    await expect(findTlcJar({ env: { TLA2TOOLS_JAR: '/nonexistent/tla2tools.jar' } })).rejects.toThrow(
      /^TLA2TOOLS_JAR names \/nonexistent\/tla2tools.jar, which is not a file/,
    );
  });

  it('missing Java is a one-line error naming what to install', () => {
    expect(() => findJava({ JAVA_HOME: '/nonexistent-jdk' })).toThrow(TlcSetupError);
    expect(() => findJava({ JAVA_HOME: '/nonexistent-jdk' })).toThrow(/needs Java 11 or newer.*install/);
  });

  it('the command-line tools exit non-zero with one line, not a stack trace', () => {
    const run = spawnSync('npx', ['tsx', 'tools/model-check.ts'], {
      encoding: 'utf8',
      env: { ...process.env, JAVA_HOME: '/nonexistent-jdk' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^model-check: TLC needs Java 11 or newer/);
  });
});

describe('the TLC version, from either shape of output', { timeout: 120_000 }, () => {
  it("reads TLC 2.15's -help line and current TLC's manual page with bold codes", () => {
    expect(versionFromHelp('usage: ...\nTLC2 Version 2.15 of Day Month 20?? (rev: d5b5a7f)\n')).toBe(
      'TLC2 Version 2.15 of Day Month 20?? (rev: d5b5a7f)',
    );
    const manual =
      '\x1b[1mNAME\x1b[0m\n\t\x1b[1mTLC\x1b[0m - provides model checking and simulation of TLA+ specifications - Version 2026.04.29.164809\n\n\x1b[1mSYNOPSIS\x1b[0m\n';
    expect(versionFromHelp(manual)).toBe('TLC Version 2026.04.29.164809');
    expect(versionFromHelp('Error: Could not find or load main class tlc2.TLC')).toBeNull();
  });

  it('reads message 2262 of a tool-mode run', () => {
    const out =
      '@!@!@STARTMSG 2262:0 @!@!@\nTLC2 Version 2026.04.29.164809 (rev: cc6b616)\n@!@!@ENDMSG 2262 @!@!@\n@!@!@STARTMSG 2187:0 @!@!@\nRunning breadth-first search\n';
    expect(versionFromToolOutput(out)).toBe('TLC2 Version 2026.04.29.164809 (rev: cc6b616)');
    expect(versionFromToolOutput('no messages')).toBeNull();
  });

  it('asks the bundled TLC, and refuses a jar that is not TLC in one line', () => {
    expect(tlcVersion(java, jar)).toMatch(/^TLC2? Version \S+/);
    const dir = mkdtempSync(join(tmpdir(), 'not-tlc-'));
    const fake = join(dir, 'tla2tools.jar');
    writeFileSync(fake, 'not a jar');
    expect(() => tlcVersion(java, { ...jar, path: fake })).toThrow(/does not run as TLC/);
  });

  it('falls back on a tool-mode run when -help shows no version', () => {
    // A java that answers -help the way a TLC would whose help has no version line.
    const dir = mkdtempSync(join(tmpdir(), 'java-wrapper-'));
    const wrapper = join(dir, 'java');
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase " $* " in *" -help "*) echo "usage: tlc2.TLC [options] SPEC"; exit 0;; esac\nexec "${java.path}" "$@"\n`,
      { mode: 0o755 },
    );
    expect(tlcVersion({ ...java, path: wrapper }, jar)).toMatch(/^TLC2 Version \S+ .*\(rev: \w+\)/);
  });
});
