// An adversarial campaign against one build of the implementation (correct,
// or with one mutant applied): fast-check schedules are run on the simulator,
// whose own checks are the first oracles (the safety invariants after every
// step; the check that nothing happened unlogged; the progress phase at the
// end of every schedule); their traces are checked against spec/Raft.tla, the
// last oracle. The search and the shrinking check traces in this process
// (src/check/in-process-checker.ts), thousands of times faster than a TLC
// run; TLC stays the judge: the shrunk counterexample and a sample of the
// accepted traces are checked by TLC as well, and any verdict on which TLC
// and the in-process checker differ stops the campaign with both printed.
// The first failure is shrunk to a 1-minimal schedule (no step can be left
// out or made simpler, and no server dropped, with the run still failing the
// same way) and saved, with its trace and diagnosis, for replay.
//
// Run as a child process inside a scratch copy of the project (see
// tools/audit.ts), so that the code under test is that copy's src/:
//   tsx <copy>/src/audit/campaign.ts CONFIG.json RESULT.json
import { readFileSync } from 'node:fs';
import { writeNamedFile } from '../files/writes.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeIfOrphaned } from '../files/cleanup.js';
import { ensureDir } from '../files/output-path.js';
import { disagreement } from '../check/differential.js';
import { checkTraceInProcess } from '../check/in-process-checker.js';
import { checkTraces, type TraceInput } from '../check/trace-checker.js';
import { formatDiagnosis, type Diagnosis, type TraceVerdict } from '../verdict/diagnosis.js';
import {
  generateSchedule,
  parseSchedule,
  runSchedule,
  type RunResult,
  type Schedule,
  type ScheduleOptions,
  type Step,
} from '../sim/schedule.js';
import { summarizeAvailability, type AvailabilitySummary } from '../sim/availability.js';
import { ATTACKS, simulatedAttack } from '../sim/attacks.js';
import { COMPACTION_ATTACKS, compactionSchedule } from '../sim/compaction.js';
import { findJava, findTlcJar } from '../tlc/jar.js';
import { formatProblem, validateTraceText, validateTraceValues } from '../trace/validate.js';
import { countCoverage, type Coverage } from './coverage.js';
import { shrinkSchedule } from './shrink.js';
import { oracleSays, type CampaignOracle } from '../verdict/oracles.js';
import { HarnessError } from '../errors/harness-error.js';

/** The snapshot policy of the correct implementation's snapshot seeds: small, so that runs compact often. */
export const ALTERNATE_SNAPSHOTS = 3;

export interface CampaignConfig {
  readonly label: string;
  readonly maxSchedules: number;
  readonly maxSeconds: number;
  readonly shrinkSeconds: number;
  readonly firstSeed: number;
  readonly schedule?: ScheduleOptions;
  /** Every other seed (the even ones) runs with PreVote and CheckQuorum on, the rest as `schedule` says: the correct implementation's campaigns, so that both protocols are searched. */
  readonly alternateGuards?: boolean;
  /** Every third seed runs with a snapshot every ALTERNATE_SNAPSHOTS entries (the correct implementation's campaigns, as for the guards). */
  readonly alternateSnapshots?: boolean;
  /** Where to save the shrunk failure: <failuresDir>/<label>/. */
  readonly failuresDir: string;
  readonly coverage: boolean;
  /** Replay this schedule file instead of searching. */
  readonly replay?: string;
  /** false: the simulator's oracles only, no spec check (a soak run of many schedules). */
  readonly tlc?: boolean;
  /** How many accepted traces TLC checks as well, spread over the campaign (default 3). */
  readonly confirmSample?: number;
  /**
   * Leave TLC's judgement to the caller: the traces TLC must judge (the
   * counterexample's and the sample's) are written into this folder and
   * listed in the result (CampaignResult.toConfirm), so that an audit can
   * judge every campaign's in one TLC run (tools/audit.ts). Without it the
   * campaign runs TLC itself.
   */
  readonly confirmDir?: string;
  /** Seconds (of shrinkSeconds) spent on the small-scope search for a shorter counterexample once a bug is found, if it has more than SMALL_ENOUGH events (default 5). */
  readonly smallScopeSeconds?: number;
}

export interface FailureReport {
  /** Which oracle caught it: see src/verdict/oracles.ts. */
  readonly oracle: CampaignOracle;
  /** The invariant broken, or the action of the event TLC rejected and what differed. */
  readonly what: string;
  readonly seed: number;
  readonly original: { readonly steps: number; readonly events: number };
  readonly shrunk: {
    readonly nodes: number;
    readonly steps: number;
    readonly events: number;
    /** Candidate schedules run while shrinking. */
    readonly rounds: number;
    /** Whether no single step can be left out or made simpler, and no server dropped (false if the deadline came first). */
    readonly minimal: boolean;
    readonly seconds: number;
    /** Events the schedule's own steps wrote, without the progress phase (for a failure in that phase, the rest of its events). */
    readonly scheduleEvents: number;
    /** The small-scope search: short schedules run, and how many failed the same way sooner. */
    readonly smallScope: { readonly schedules: number; readonly failures: number };
  };
  /** TLC's own verdict on the shrunk counterexample agreed with the in-process checker's. */
  readonly confirmedByTlc: boolean;
  readonly diagnosis: readonly string[];
  /** For the spec's oracle: the rejected event's diagnosis, as structured data (reports draw it without checking again). */
  readonly spec: Diagnosis | null;
  readonly dir: string;
}

export interface CampaignResult {
  readonly label: string;
  readonly schedules: number;
  readonly events: number;
  readonly seconds: number;
  readonly failure: FailureReport | null;
  readonly coverage: Coverage | null;
  /** How many ticks the progress phase took to settle, over the schedules that passed it. */
  readonly progress: ProgressSummary | null;
  /** How available the cluster was over the schedules' ticks: elections, time with no leader able to commit, requests. */
  readonly availability: AvailabilitySummary | null;
  /** Set when the campaign could not do its job (TLC failed, a trace was not checked, the two checkers disagreed). */
  readonly error: string | null;
  /** Traces both TLC and the in-process checker judged (the counterexample and the sample of accepted ones), all in agreement. */
  readonly confirmed?: {
    readonly traces: number;
    readonly events: number;
    readonly tlcSeconds: number;
    /** With confirmDir: the trace files TLC is still to judge (the counterexample's first, if there is one). */
    readonly toConfirm?: readonly string[];
  };
}

/** The options every campaign run uses: all the simulator's oracles. */
export const CAMPAIGN_RUN = { checkLogged: true, progress: true } as const;

interface Verdict {
  readonly failed: boolean;
  readonly oracle?: CampaignOracle;
  /** Events up to and including the one that failed. */
  readonly events: number;
  readonly what: string;
  readonly diagnosis: readonly string[];
  /** The spec checker's diagnosis, when it was the spec that rejected the trace. */
  readonly spec?: Diagnosis;
}

class CampaignError extends HarnessError {}

let tlc: { java: ReturnType<typeof findJava>; jar: Awaited<ReturnType<typeof findTlcJar>> } | null = null;
let checkSpec = true;

/** A verdict of the spec's checker as a campaign verdict, or null if it accepted. */
function specVerdict(v: TraceVerdict): Verdict | null {
  if (v.status === 'error') throw new CampaignError(v.message);
  if (v.status !== 'rejected') return null;
  const d = v.diagnosis;
  const what =
    d.kind === 'disabled'
      ? `${d.event.action} not enabled: ${d.falseConditions.map((c) => c.condition).join('; ')}`
      : d.kind === 'unsafe'
        ? `${d.event.action} breaks ${d.brokenProperties.join(', ')}`
        : `${d.event.action}: ${d.differences.map((x) => x.path).join(', ')}`;
  return {
    failed: true,
    oracle: 'tlc',
    events: d.event.i,
    what,
    diagnosis: formatDiagnosis('trace.ndjson', d),
    spec: d,
  };
}

/** What the spec's checkers need of a judged run: its trace (and the run, whose text it is), and the in-process verdict on it. */
interface Checked {
  readonly input: TraceInput;
  readonly run: RunResult;
  readonly verdict: TraceVerdict;
}

/**
 * Runs the schedules and judges each by every oracle: the simulator's (the
 * invariants, unlogged steps, progress), and the spec on the trace (up to
 * where the run failed, if it did: a prefix of a run is a behaviour too),
 * checked in this process. The earlier failure, by event, wins. A trace the
 * schema rejects is a failure as well: correct code never writes one.
 */
function judgeAll(
  schedules: readonly Schedule[],
  progressPhase = true,
): { runs: RunResult[]; verdicts: Verdict[]; checked: Array<Checked | null> } {
  const runs = schedules.map((s) => runSchedule(s, { ...CAMPAIGN_RUN, progress: progressPhase }));
  const checked: Array<Checked | null> = runs.map(() => null);
  const verdicts: Array<Verdict | null> = runs.map((r, k) => {
    const f = r.failure;
    if (!f) return null;
    const where =
      f.step < schedules[k]!.steps.length
        ? `at schedule step ${f.step}`
        : f.oracle === 'progress'
          ? 'in the progress phase after the schedule'
          : "after the schedule's last step";
    const head =
      f.oracle === 'invariant' ? `${f.invariant} violated` : f.oracle === 'unlogged' ? 'unlogged step' : 'no progress';
    return {
      failed: true,
      oracle: f.oracle,
      events: f.event,
      what: `${f.invariant}: ${f.detail}`,
      diagnosis: [`${head} ${where}, after event ${f.event}: ${f.detail}`],
    };
  });
  if (checkSpec) {
    runs.forEach((r, k) => {
      if (r.events === 0) return;
      // The recorded values are what the text would read back as (the
      // validator says when they might not be, and the text is read instead).
      const v =
        validateTraceValues(`schedule-${k}`, r.header, r.recorded) ?? validateTraceText(`schedule-${k}`, r.trace);
      if (!v.ok) {
        const p = v.problems[0]!;
        const at = Math.max(p.line - 1, 0);
        // The earlier failure wins; on the same event, the trace's own fault.
        if (!(verdicts[k] && verdicts[k]!.events < at)) {
          verdicts[k] = {
            failed: true,
            oracle: 'schema',
            events: at,
            what: `invalid trace: ${p.field}: ${p.message}`,
            diagnosis: v.problems.map(formatProblem),
          };
        }
        return;
      }
      const input: TraceInput = { file: `schedule-${k}`, ...v.trace };
      const verdict = checkTraceInProcess(input);
      checked[k] = { input, run: r, verdict };
      const spec = specVerdict(verdict);
      if (spec && !(verdicts[k] && verdicts[k]!.events < spec.events)) verdicts[k] = spec;
    });
  }
  return {
    runs,
    verdicts: verdicts.map((v, k) => v ?? { failed: false, events: runs[k]!.events, what: '', diagnosis: [] }),
    checked,
  };
}

/**
 * TLC judges the traces too; its verdicts must be the in-process checker's.
 * A difference is a bug in one of the two checkers: the campaign stops and
 * says both. Returns the events checked and TLC's time.
 */
async function confirmWithTlc(traces: readonly Checked[]): Promise<{ events: number; ms: number }> {
  if (traces.length === 0) return { events: 0, ms: 0 };
  const report = await checkTraces(
    traces.map((t) => t.input),
    tlc!,
  );
  report.verdicts.forEach((v, k) => {
    if (v.status === 'error') throw new CampaignError(v.message);
    const detail = disagreement(v, traces[k]!.verdict);
    if (detail)
      throw new CampaignError(
        `TLC and the in-process checker disagree on a trace (a bug in one of them):\n  ${detail}`,
      );
  });
  return { events: traces.reduce((n, t) => n + (t.input.events as readonly unknown[]).length, 0), ms: report.wallMs };
}

/** Whether a failure happened in the progress phase, after the schedule's own steps. */
function inProgressPhase(v: Verdict, run: RunResult, schedule: Schedule): boolean {
  const n = schedule.steps.length;
  if (v.oracle === 'invariant' || v.oracle === 'unlogged' || v.oracle === 'progress')
    return (run.failure?.step ?? 0) >= n;
  // TLC or the schema, at event v.events: past the last step's events, if every step ran.
  return run.stepEvents.length === n && v.events > (run.stepEvents.at(-1) ?? 0);
}

/** The schedule cut right after the step that produced event `events`. */
function truncated(s: Schedule, run: RunResult, events: number): Schedule {
  if (run.failure) return { ...s, steps: s.steps.slice(0, run.failure.step + 1) };
  const k = run.stepEvents.findIndex((n) => n >= events);
  return k < 0 ? s : { ...s, steps: s.steps.slice(0, k + 1) };
}

/**
 * Shrinks a failing schedule (see shrink.ts) to one that fails by the same
 * oracle. Every candidate is judged in this process, so this takes
 * thousands of runs where TLC allowed dozens.
 */
function shrink(schedule: Schedule, first: Verdict, firstRun: RunResult, deadline: number) {
  const started = performance.now();
  // The candidates run the progress phase only if the failure was in it: it
  // adds events to check and a tail to every counterexample.
  let phase = inProgressPhase(first, firstRun, schedule);
  let best = truncated(schedule, firstRun, first.events);
  let bestVerdict = first;
  let rounds = 0;
  // A safety failure inside the progress phase is a failure of the schedule
  // followed by what the phase did, spelled out as steps: those steps can
  // then be shrunk like the others (most deliveries of a fair network are
  // beside the point). Not a liveness failure: that needs the whole phase.
  if (phase && first.oracle !== 'progress') {
    const spelled: Schedule = { ...schedule, steps: [...schedule.steps, ...firstRun.progressSteps] };
    const { runs, verdicts } = judgeAll([spelled], false);
    rounds++;
    const v = verdicts[0]!;
    if (v.failed && v.oracle === first.oracle && v.events <= first.events) {
      phase = false;
      best = truncated(spelled, runs[0]!, v.events);
      bestVerdict = v;
    }
  }
  const judge = (candidate: Schedule) => {
    const { runs, verdicts } = judgeAll([candidate], phase);
    const v = verdicts[0]!;
    if (!v.failed || v.oracle !== first.oracle) return null;
    return { events: v.events, cut: truncated(candidate, runs[0]!, v.events), verdict: v };
  };
  const shrunk = shrinkSchedule(best, bestVerdict.events, bestVerdict, {
    judge,
    simplifications,
    fewestNodes: 3,
    pairsUpTo: PAIRS_UP_TO,
    deadline,
  });
  return {
    schedule: shrunk.best,
    verdict: shrunk.verdict,
    rounds: rounds + shrunk.rounds,
    minimal: shrunk.minimal,
    phase,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Pairs of steps are left out together only from schedules this short. */
const PAIRS_UP_TO = 40;

/** A counterexample of at most this many events is not worth a small-scope search. */
const SMALL_ENOUGH = 20;

/** The schedules of the small-scope search: 3 servers, short runs. */
const SMALL_SCOPE = { clusterSizes: [3], minSteps: 20, maxSteps: 100 } as const;

/** Smaller picks than `pick`: the first few messages (or servers), and half of it. */
function smallerPicks(pick: number): number[] {
  return [...new Set([0, 1, 2, 3, pick >> 1])].filter((p) => p < pick);
}

/** Simpler variants of a step: smaller picks and counts, one timeout instead of two, a plain request instead of a burst. */
function simplifications(step: Step): Step[] {
  switch (step.kind) {
    case 'deliver':
    case 'drop':
    case 'duplicate':
    case 'restart':
      return smallerPicks(step.pick).map((pick) => ({ ...step, pick }));
    case 'burst':
      return [{ kind: 'client', key: step.key }];
    case 'staleClient':
      return smallerPicks(step.pick).map((pick) => ({ ...step, pick }));
    case 'crashOn':
    case 'isolateOn':
    case 'cutLink':
      return step.node > 0 ? [{ ...step, node: 0 }] : [];
    case 'race':
      return [
        { kind: 'timeout', node: step.node },
        { kind: 'timeout', node: step.other },
      ];
    case 'partition':
      return [{ kind: 'isolateLeader' }];
    default:
      return [];
  }
}

function save(dir: string, schedule: Schedule, run: RunResult, verdict: Verdict, config: CampaignConfig): void {
  ensureDir(dir);
  writeNamedFile(join(dir, 'schedule.json'), JSON.stringify(schedule, null, 1) + '\n');
  writeNamedFile(join(dir, 'trace.ndjson'), run.trace);
  writeNamedFile(
    join(dir, 'diagnosis.txt'),
    [`${config.label}: ${oracleSays(verdict.oracle!)}`, ...verdict.diagnosis, ''].join('\n'),
  );
}

/** The short schedules of the small-scope search, and how many failed the same way sooner. */
interface SmallScope {
  schedules: number;
  failures: number;
}

type Shrunk = ReturnType<typeof shrink>;

/**
 * The traces TLC judges besides the in-process checker: the counterexample's
 * and a sample of accepted ones, spread over the campaign (the first accepted
 * one, then one every `stride` schedules). With confirmDir they are written
 * out for the caller's TLC run instead.
 */
class TlcConfirmations {
  private readonly size: number;
  private readonly stride: number;
  private readonly sample: Checked[] = [];
  private readonly judged = { traces: 0, events: 0, ms: 0 };
  private readonly toConfirm: string[] = [];

  constructor(private readonly config: CampaignConfig) {
    this.size = config.confirmSample ?? 3;
    this.stride = Math.max(1, Math.floor(config.maxSchedules / Math.max(this.size, 1)));
  }

  /** Keeps an accepted trace, the `schedules`th of the campaign, if the sample is due one. */
  offer(accepted: Checked, schedules: number): void {
    const due = this.sample.length === 0 || schedules % this.stride === 0;
    if (this.sample.length < this.size && due) this.sample.push(accepted);
  }

  confirmSample(): Promise<void> {
    return this.confirm(this.sample);
  }

  /** The counterexample's trace (when the spec's checker read it) first, then the sample. */
  confirmWith(counterexample: Checked | null): Promise<void> {
    return this.confirm([...(counterexample ? [counterexample] : []), ...this.sample], counterexample !== null);
  }

  /** `counterexample`: the first trace is the counterexample's. */
  async confirm(traces: readonly Checked[], counterexample = false): Promise<void> {
    if (this.config.confirmDir) return this.writeForCaller(this.config.confirmDir, traces, counterexample);
    const r = await confirmWithTlc(traces);
    this.judged.traces += traces.length;
    this.judged.events += r.events;
    this.judged.ms += r.ms;
  }

  private writeForCaller(dir: string, traces: readonly Checked[], counterexample: boolean): void {
    ensureDir(dir);
    for (const [k, t] of traces.entries()) {
      const name = k === 0 && counterexample ? 'counterexample' : `sample-${this.toConfirm.length + 1}`;
      const file = join(dir, `${this.config.label}-${name}.ndjson`);
      writeNamedFile(file, t.run.trace);
      this.toConfirm.push(file);
    }
  }

  summary(): NonNullable<CampaignResult['confirmed']> {
    return {
      traces: this.judged.traces,
      events: this.judged.events,
      tlcSeconds: this.judged.ms / 1000,
      ...(this.config.confirmDir ? { toConfirm: this.toConfirm } : {}),
    };
  }
}

/**
 * How long the progress phase took over the schedules that passed it: the
 * ticks to settle and hold, and the distribution of the calibrated part
 * (ticks to settle beyond the catch-up allowance, the measure SETTLE_TICKS
 * bounds), as counts per tick.
 */
export interface ProgressSummary {
  readonly schedules: number;
  readonly meanTicks: number;
  readonly maxTicks: number;
  readonly maxShareOfBound: number;
  /** The calibrated bound on the settling part (progressBounds' settle) the schedules ran under. */
  readonly settleBound: number;
  /** Per tick count of the settling part, how many schedules took it. */
  readonly settled: Readonly<Record<string, number>>;
}

/** The q-quantile (0 < q <= 1) of a distribution given as counts per value. */
function quantile(counts: Readonly<Record<string, number>>, q: number): number {
  const values = Object.keys(counts)
    .map(Number)
    .sort((a, b) => a - b);
  const total = values.reduce((n, v) => n + counts[v]!, 0);
  let seen = 0;
  for (const v of values) {
    seen += counts[v]!;
    if (seen >= Math.ceil(q * total)) return v;
  }
  return values.at(-1) ?? 0;
}

/** The summary as one line: the distribution of the calibrated part against its bound. */
export function describeProgress(p: ProgressSummary): string {
  const q = (x: number) => quantile(p.settled, x);
  const worst = q(1);
  return (
    `${p.schedules} schedules settled after ${p.meanTicks.toFixed(1)} ticks on average, ${p.maxTicks} at most; ` +
    `ticks to settle beyond catching up: median ${q(0.5)}, 99th percentile ${q(0.99)}, 99.99th ${q(0.9999)}, most ${worst} ` +
    `(bound ${p.settleBound}: ${((100 * worst) / p.settleBound).toFixed(0)} % of it at worst)`
  );
}

/** Summaries of several shares as one. */
export function mergeProgress(parts: readonly ProgressSummary[]): ProgressSummary | null {
  const schedules = parts.reduce((n, p) => n + p.schedules, 0);
  if (schedules === 0) return null;
  const settled: Record<string, number> = {};
  for (const p of parts) for (const [k, n] of Object.entries(p.settled)) settled[k] = (settled[k] ?? 0) + n;
  return {
    schedules,
    meanTicks: parts.reduce((n, p) => n + p.meanTicks * p.schedules, 0) / schedules,
    maxTicks: Math.max(...parts.map((p) => p.maxTicks)),
    maxShareOfBound: Math.max(...parts.map((p) => p.maxShareOfBound)),
    settleBound: Math.max(...parts.map((p) => p.settleBound)),
    settled,
  };
}

/** How many ticks the progress phase took to settle, over the schedules that passed it. */
class ProgressTally {
  private schedules = 0;
  private sumTicks = 0;
  private maxTicks = 0;
  private maxShareOfBound = 0;
  private settleBound = 0;
  private readonly settled: Record<string, number> = {};

  add(run: RunResult): void {
    if (!run.progress) return;
    const { ticks, bounds } = run.progress;
    this.schedules++;
    this.sumTicks += ticks;
    this.maxTicks = Math.max(this.maxTicks, ticks);
    this.maxShareOfBound = Math.max(this.maxShareOfBound, ticks / bounds.ticks);
    this.settleBound = Math.max(this.settleBound, bounds.settle);
    const part = Math.max(0, ticks - bounds.hold - bounds.catchUp);
    this.settled[part] = (this.settled[part] ?? 0) + 1;
  }

  summary(): ProgressSummary | null {
    if (this.schedules === 0) return null;
    return {
      schedules: this.schedules,
      meanTicks: this.sumTicks / this.schedules,
      maxTicks: this.maxTicks,
      maxShareOfBound: this.maxShareOfBound,
      settleBound: this.settleBound,
      settled: { ...this.settled },
    };
  }
}

/** Schedules run per call of judgeAll. */
const BATCH = 50;

/** One campaign: the search (or a replay), its counts so far, and its result. */
class Campaign {
  private readonly started = performance.now();
  private schedules = 0;
  private events = 0;
  private seed: number;
  private readonly coverage: Coverage | null;
  private readonly progress = new ProgressTally();
  private availability: AvailabilitySummary | null = null;
  private readonly confirmations: TlcConfirmations;

  constructor(private readonly config: CampaignConfig) {
    this.seed = config.firstSeed;
    this.coverage = config.coverage ? {} : null;
    this.confirmations = new TlcConfirmations(config);
  }

  /** Generated schedules, batch by batch, until the first failure, the schedule budget or the time budget. */
  async search(): Promise<CampaignResult> {
    while (this.schedules < this.config.maxSchedules && this.elapsed() < this.config.maxSeconds) {
      const plans = this.nextBatch();
      const { runs, verdicts, checked } = judgeAll(plans);
      for (let k = 0; k < plans.length; k++) {
        this.count(runs[k]!);
        const v = verdicts[k]!;
        if (v.failed) return this.result(await this.failureOf(plans[k]!, v, runs[k]!));
        if (checked[k]) this.confirmations.offer(checked[k]!, this.schedules);
      }
    }
    if (checkSpec) await this.confirmations.confirmSample();
    return this.result(null);
  }

  /** One saved schedule, judged as it is: no search, no shrinking. */
  async replay(file: string): Promise<CampaignResult> {
    const schedule = parseSchedule(readFileSync(file, 'utf8'), file);
    const { runs, verdicts, checked } = judgeAll([schedule]);
    if (checkSpec && checked[0]) await this.confirmations.confirm([checked[0]]);
    const v = verdicts[0]!;
    const run = runs[0]!;
    this.schedules = 1;
    this.events = run.events;
    const failure = v.failed ? replayedFailure(schedule, v, run, checkSpec && checked[0] !== null) : null;
    return { ...this.result(failure), coverage: null, progress: null, availability: null };
  }

  result(failure: FailureReport | null, error: string | null = null): CampaignResult {
    return {
      label: this.config.label,
      schedules: this.schedules,
      events: this.events,
      seconds: this.elapsed(),
      failure,
      coverage: this.coverage,
      progress: this.progress.summary(),
      availability: this.availability,
      error,
      confirmed: this.confirmations.summary(),
    };
  }

  private elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  private nextBatch(): Schedule[] {
    const plans: Schedule[] = [];
    while (plans.length < BATCH && this.schedules + plans.length < this.config.maxSchedules)
      plans.push(this.plan(this.seed++));
    return plans;
  }

  /**
   * Seed's schedule: drawn by fast-check, but with a guard on every tenth
   * seed's is one of the attacks (src/sim/attacks.ts) in turn: a follower or
   * the leader cut off for a hundred ticks, or a flapping link. Random
   * schedules seldom keep a leader cut off that long without a heal or a
   * restart between, which a CheckQuorum that never fires needs to show.
   * With snapshots on, every fifth seed's is one of the compaction attacks
   * (src/sim/compaction.ts) in turn: a server left behind its leader's
   * snapshots, a crash as one is installed, snapshots duplicated and
   * reordered.
   */
  private plan(seed: number): Schedule {
    const options = this.scheduleOptions(seed);
    const guards = options?.guards;
    const m = options?.maxEntriesPerMessage;
    const bound = (s: Schedule) => (m === undefined ? s : { ...s, maxEntriesPerMessage: m });
    const every = options?.snapshotEvery;
    if (every && seed % 5 === 0) {
      const attack = COMPACTION_ATTACKS[(seed / 5) % COMPACTION_ATTACKS.length]!;
      return bound(compactionSchedule(attack, seed, every, 3, guards));
    }
    if (!guards || !(guards.preVote || guards.checkQuorum) || seed % 10 !== 0) return generateSchedule(seed, options);
    return bound(simulatedAttack(ATTACKS[(seed / 10) % ATTACKS.length]!, seed, 3, guards));
  }

  private scheduleOptions(seed: number): ScheduleOptions | undefined {
    let options = this.config.schedule;
    if (this.config.alternateGuards && seed % 2 === 0)
      options = { ...options, guards: { preVote: true, checkQuorum: true } };
    if (this.config.alternateSnapshots && seed % 3 === 0) options = { ...options, snapshotEvery: ALTERNATE_SNAPSHOTS };
    return options;
  }

  private count(run: RunResult): void {
    this.schedules++;
    this.events += run.events;
    if (this.coverage) countCoverage(this.coverage, run);
    this.progress.add(run);
    this.availability = summarizeAvailability(
      this.availability ? [this.availability, run.availability] : [run.availability],
    );
  }

  /** The first failure, shrunk (with the small-scope search's help), run once more, confirmed by TLC and saved. */
  private async failureOf(plan: Schedule, v: Verdict, run: RunResult): Promise<FailureReport> {
    const shrinkDeadline = performance.now() + this.config.shrinkSeconds * 1000;
    const { shrunk, small } = this.smallScope(shrink(plan, v, run, shrinkDeadline), v, shrinkDeadline);
    const final = judgeAll([shrunk.schedule], shrunk.phase);
    const finalRun = final.runs[0]!;
    const finalVerdict = final.verdicts[0]!;
    const finalChecked = final.checked[0] ?? null;
    if (!finalVerdict.failed)
      throw new CampaignError(
        `the shrunk schedule of seed ${plan.seed} no longer fails when run again: the simulator is not deterministic`,
      );
    // TLC judges the counterexample (and the sample) too: it is the judge.
    if (checkSpec) await this.confirmations.confirmWith(finalChecked);
    const dir = join(this.config.failuresDir, this.config.label);
    save(dir, shrunk.schedule, finalRun, finalVerdict, this.config);
    return {
      oracle: v.oracle!,
      // What the shrunk run shows (the servers it names are among its own), as its diagnosis does.
      what: finalVerdict.what,
      seed: plan.seed,
      original: { steps: plan.steps.length, events: v.events },
      shrunk: {
        nodes: shrunk.schedule.nodes,
        steps: shrunk.schedule.steps.length,
        events: finalVerdict.events,
        rounds: shrunk.rounds,
        minimal: shrunk.minimal,
        seconds: shrunk.seconds,
        scheduleEvents: Math.min(finalRun.stepEvents.at(-1) ?? 0, finalVerdict.events),
        smallScope: small,
      },
      // With confirmDir, the caller's TLC run decides (and sets it).
      confirmedByTlc: checkSpec && finalChecked !== null && !this.config.confirmDir,
      diagnosis: finalVerdict.diagnosis,
      spec: finalVerdict.spec ?? null,
      dir,
    };
  }

  /**
   * Small scope: the bug found, short schedules on 3 servers may show it in
   * fewer events than the first schedule shrinks to. Each that fails the same
   * way is shrunk in turn, and the smallest counterexample kept. (Not for a
   * liveness failure: the fair phase it needs is most of its events whatever
   * the schedule.)
   */
  private smallScope(first: Shrunk, v: Verdict, shrinkDeadline: number): { shrunk: Shrunk; small: SmallScope } {
    let shrunk = first;
    const small: SmallScope = { schedules: 0, failures: 0 };
    const scopeDeadline = Math.min(shrinkDeadline, performance.now() + (this.config.smallScopeSeconds ?? 5) * 1000);
    const wanted = () => shrunk.verdict.events > SMALL_ENOUGH && v.oracle !== 'progress';
    for (let s = 1; wanted() && performance.now() < scopeDeadline && small.failures < 20; s++) {
      const { guards, maxEntriesPerMessage, snapshotEvery } = first.schedule;
      const plan = generateSchedule(this.config.firstSeed * 7919 + s, {
        ...SMALL_SCOPE,
        ...(guards ? { guards } : {}),
        ...(maxEntriesPerMessage === undefined ? {} : { maxEntriesPerMessage }),
        ...(snapshotEvery ? { snapshotEvery } : {}),
      });
      const r = judgeAll([plan]);
      small.schedules++;
      const sv = r.verdicts[0]!;
      if (!sv.failed || sv.oracle !== v.oracle || sv.events >= shrunk.verdict.events) continue;
      small.failures++;
      const candidate = shrink(plan, sv, r.runs[0]!, Math.min(shrinkDeadline, performance.now() + 2000));
      if (smaller(candidate, shrunk)) shrunk = { ...candidate, rounds: shrunk.rounds + candidate.rounds };
    }
    return { shrunk, small };
  }
}

/** Fewer events, or as many in fewer steps. */
function smaller(a: Shrunk, b: Shrunk): boolean {
  if (a.verdict.events !== b.verdict.events) return a.verdict.events < b.verdict.events;
  return a.schedule.steps.length < b.schedule.steps.length;
}

/** A replayed schedule's failure, as it is (nothing shrunk). */
function replayedFailure(schedule: Schedule, v: Verdict, run: RunResult, confirmedByTlc: boolean): FailureReport {
  return {
    oracle: v.oracle!,
    what: v.what,
    seed: schedule.seed,
    original: { steps: schedule.steps.length, events: run.events },
    shrunk: {
      nodes: schedule.nodes,
      steps: schedule.steps.length,
      events: v.events,
      rounds: 0,
      minimal: false,
      seconds: 0,
      scheduleEvents: Math.min(run.stepEvents.at(-1) ?? 0, v.events),
      smallScope: { schedules: 0, failures: 0 },
    },
    confirmedByTlc,
    diagnosis: v.diagnosis,
    spec: v.spec ?? null,
    dir: '',
  };
}

export async function runCampaign(config: CampaignConfig): Promise<CampaignResult> {
  const campaign = new Campaign(config);
  checkSpec = config.tlc !== false;
  if (checkSpec) tlc = { java: findJava(), jar: await findTlcJar() };
  try {
    return config.replay ? await campaign.replay(config.replay) : await campaign.search();
  } catch (err) {
    if (!(err instanceof CampaignError) && !(err instanceof Error)) throw err;
    return campaign.result(null, (err as Error).message);
  }
}

// Entry point when run as the campaign process (not when imported).
const [configPath, resultPath] = process.argv.slice(2);
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && configPath && resultPath) {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as CampaignConfig;
  // The scratch copy this worker runs in is its parent's to remove; if the parent died, the worker's.
  removeIfOrphaned(dirname(resolve(configPath)));
  runCampaign(config).then(
    (result) => writeNamedFile(resultPath, JSON.stringify(result, null, 2) + '\n'),
    (err) => {
      writeNamedFile(resultPath, JSON.stringify({ label: config.label, error: (err as Error).message }) + '\n');
      process.exitCode = 1;
    },
  );
}
