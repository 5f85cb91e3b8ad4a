// An adversarial campaign against one build of the implementation (correct,
// or with one mutant applied): fast-check schedules are run on the simulator,
// whose own checks are the first oracles (the safety invariants after every
// step; the check that nothing happened unlogged; the progress phase at the
// end of every schedule); their traces are checked by TLC in growing batches,
// the last oracle. The first failure is shrunk to a small schedule that fails
// the same way and saved, with its trace and diagnosis, for replay.
//
// Run as a child process inside a scratch copy of the project (see
// tools/audit.ts), so that the code under test is that copy's src/:
//   tsx <copy>/src/audit/campaign.ts CONFIG.json RESULT.json
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDir } from '../files/output-path.js';
import { checkTraces, formatDiagnosis, type TraceInput } from '../check/trace-checker.js';
import { generateSchedule, parseSchedule, runSchedule, type RunResult, type Schedule, type ScheduleOptions, type Step } from '../sim/schedule.js';
import { findJava, findTlcJar } from '../tlc/jar.js';
import { formatProblem, validateTraceText } from '../trace/validate.js';
import { countCoverage, type Coverage } from './coverage.js';

export interface CampaignConfig {
  readonly label: string;
  readonly maxSchedules: number;
  readonly maxSeconds: number;
  readonly shrinkSeconds: number;
  readonly firstSeed: number;
  readonly schedule?: ScheduleOptions;
  /** Where to save the shrunk failure: <failuresDir>/<label>/. */
  readonly failuresDir: string;
  readonly coverage: boolean;
  /** Replay this schedule file instead of searching. */
  readonly replay?: string;
  /** false: the simulator's oracles only, no TLC (a soak run of many schedules). */
  readonly tlc?: boolean;
}

export interface FailureReport {
  /** Which oracle caught it: see ORACLE_SAYS. */
  readonly oracle: Oracle;
  /** The invariant broken, or the action of the event TLC rejected and what differed. */
  readonly what: string;
  readonly seed: number;
  readonly original: { readonly steps: number; readonly events: number };
  readonly shrunk: { readonly nodes: number; readonly steps: number; readonly events: number; readonly rounds: number };
  readonly diagnosis: readonly string[];
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
  readonly progress: { readonly schedules: number; readonly meanTicks: number; readonly maxTicks: number; readonly maxShareOfBound: number } | null;
  /** Set when the campaign could not do its job (TLC failed, a trace was not checked). */
  readonly error: string | null;
}

export type Oracle = 'tlc' | 'invariant' | 'unlogged' | 'progress' | 'schema';

/** The options every campaign run uses: all the simulator's oracles. */
export const CAMPAIGN_RUN = { checkLogged: true, progress: true } as const;

interface Verdict {
  readonly failed: boolean;
  readonly oracle?: Oracle;
  /** Events up to and including the one that failed. */
  readonly events: number;
  readonly what: string;
  readonly diagnosis: readonly string[];
}

class CampaignError extends Error {}

let tlc: { java: ReturnType<typeof findJava>; jar: Awaited<ReturnType<typeof findTlcJar>> } | null = null;
let useTlc = true;

/**
 * Runs the schedules and judges each by every oracle: the simulator's (the
 * invariants, unlogged steps, progress), and TLC on the trace (up to where
 * the run failed, if it did: a prefix of a run is a behaviour too). The
 * earlier failure, by event, wins. A trace the schema rejects is a failure as
 * well: correct code never writes one.
 */
async function judgeAll(schedules: readonly Schedule[], progressPhase = true): Promise<{ runs: RunResult[]; verdicts: Verdict[] }> {
  const runs = schedules.map((s) => runSchedule(s, { ...CAMPAIGN_RUN, progress: progressPhase }));
  const verdicts: Array<Verdict | null> = runs.map((r, k) => {
    const f = r.failure;
    if (!f) return null;
    const where = f.step < schedules[k]!.steps.length ? `at schedule step ${f.step}` : f.oracle === 'progress' ? 'in the progress phase after the schedule' : "after the schedule's last step";
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
  if (!useTlc) return { runs, verdicts: verdicts.map((v, k) => v ?? { failed: false, events: runs[k]!.events, what: '', diagnosis: [] }) };
  const toCheck: TraceInput[] = [];
  const index: number[] = [];
  runs.forEach((r, k) => {
    if (r.events === 0) return;
    const v = validateTraceText(`schedule-${k}`, r.trace);
    if (!v.ok) {
      const p = v.problems[0]!;
      const at = Math.max(p.line - 1, 0);
      // The earlier failure wins; on the same event, the trace's own fault.
      if (!(verdicts[k] && verdicts[k]!.events < at)) {
        verdicts[k] = { failed: true, oracle: 'schema', events: at, what: `invalid trace: ${p.field}: ${p.message}`, diagnosis: v.problems.map(formatProblem) };
      }
      return;
    }
    toCheck.push({ file: `schedule-${k}`, ...v.trace });
    index.push(k);
  });
  if (toCheck.length > 0) {
    const report = await checkTraces(toCheck, tlc!);
    report.verdicts.forEach((v, j) => {
      const k = index[j]!;
      if (v.status === 'error') throw new CampaignError(v.message);
      if (v.status !== 'rejected') return;
      const d = v.diagnosis;
      const earlier = verdicts[k];
      if (earlier && earlier.events < d.event.i) return;
      const what =
        d.kind === 'disabled'
          ? `${d.event.action} not enabled: ${d.falseConditions.map((c) => c.condition).join('; ')}`
          : d.kind === 'unsafe'
            ? `${d.event.action} breaks ${d.brokenProperties.join(', ')}`
            : `${d.event.action}: ${d.differences.map((x) => x.path).join(', ')}`;
      verdicts[k] = { failed: true, oracle: 'tlc', events: d.event.i, what, diagnosis: formatDiagnosis('trace.ndjson', d) };
    });
  }
  return {
    runs,
    verdicts: verdicts.map((v, k) => v ?? { failed: false, events: runs[k]!.events, what: '', diagnosis: [] }),
  };
}

/** Whether a failure happened in the progress phase, after the schedule's own steps. */
function inProgressPhase(v: Verdict, run: RunResult, schedule: Schedule): boolean {
  const n = schedule.steps.length;
  if (v.oracle === 'invariant' || v.oracle === 'unlogged' || v.oracle === 'progress') return (run.failure?.step ?? 0) >= n;
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
 * Delta debugging over the steps (and the cluster size): remove chunks of
 * steps while the schedule still fails, halving the chunks when none can go,
 * keeping the candidate that fails soonest. Each round's candidates are judged
 * together, in one TLC batch.
 */
async function shrink(schedule: Schedule, first: Verdict, firstRun: RunResult, deadline: number) {
  // The candidates run the progress phase only if the failure was in it: it
  // adds events for TLC to check and a tail to every counterexample.
  const phase = inProgressPhase(first, firstRun, schedule);
  const judge = (candidates: readonly Schedule[]) => judgeAll(candidates, phase);
  let best = truncated(schedule, firstRun, first.events);
  let bestVerdict = first;
  let rounds = 0;
  // A candidate must fail the same way: a shrunk schedule that trips another
  // oracle would report a different bug than the one found.
  const better = (v: Verdict, s: Schedule) =>
    v.failed && v.oracle === first.oracle && (v.events < bestVerdict.events || (v.events === bestVerdict.events && s.steps.length < best.steps.length));
  const adopt = (runs: RunResult[], verdicts: Verdict[], candidates: Schedule[]): boolean => {
    let found = false;
    verdicts.forEach((v, k) => {
      if (better(v, candidates[k]!)) {
        best = truncated(candidates[k]!, runs[k]!, v.events);
        bestVerdict = v;
        found = true;
      }
    });
    return found;
  };
  /** The same steps on 3 servers instead of 5, if that still fails. */
  const fewerNodes = async (): Promise<boolean> => {
    if (best.nodes <= 3 || performance.now() >= deadline) return false;
    const candidates = [{ ...best, nodes: 3 }];
    const { runs, verdicts } = await judge(candidates);
    rounds++;
    if (!verdicts[0]!.failed || verdicts[0]!.oracle !== first.oracle) return false;
    best = truncated(candidates[0]!, runs[0]!, verdicts[0]!.events);
    bestVerdict = verdicts[0]!;
    return true;
  };
  const removeSteps = async (): Promise<void> => {
    let parts = 2;
    while (performance.now() < deadline && best.steps.length > 1) {
      const n = best.steps.length;
      const size = Math.ceil(n / Math.min(parts, n));
      const candidates: Schedule[] = [];
      for (let from = 0; from < n; from += size) {
        candidates.push({ ...best, steps: [...best.steps.slice(0, from), ...best.steps.slice(from + size)] });
      }
      const { runs, verdicts } = await judge(candidates);
      rounds++;
      if (adopt(runs, verdicts, candidates)) parts = Math.max(parts - 1, 2);
      else if (size > 1) parts = Math.min(parts * 2, best.steps.length);
      else break;
    }
  };
  /** Each step replaced by a simpler one (fast-check's way: smaller values, plainer kinds). */
  const simplerSteps = async (): Promise<boolean> => {
    if (performance.now() >= deadline) return false;
    const candidates: Schedule[] = [];
    best.steps.forEach((step, k) => {
      for (const simpler of simplifications(step)) {
        candidates.push({ ...best, steps: [...best.steps.slice(0, k), simpler, ...best.steps.slice(k + 1)] });
      }
    });
    if (candidates.length === 0) return false;
    const { runs, verdicts } = await judge(candidates);
    rounds++;
    return adopt(runs, verdicts, candidates);
  };
  await fewerNodes();
  await removeSteps();
  // A shorter or simpler schedule may fail on fewer servers, or lose more
  // steps, where the first one did not: repeat while anything improves.
  while (performance.now() < deadline && ((await fewerNodes()) || (await simplerSteps()))) await removeSteps();
  return { schedule: best, verdict: bestVerdict, rounds };
}

/** An oracle's name in tables. */
export const ORACLE_NAMES: Record<Oracle, string> = {
  tlc: 'TLC',
  invariant: 'invariant',
  unlogged: 'unlogged step',
  progress: 'progress',
  schema: 'schema',
};

export const ORACLE_SAYS: Record<Oracle, string> = {
  tlc: 'TLC rejected the trace',
  invariant: 'a safety invariant broke',
  unlogged: 'a step happened that the trace does not show',
  progress: 'the cluster made no progress once the faults ended',
  schema: 'the trace is malformed',
};

/** Simpler variants of a step: smaller picks and counts, one timeout instead of two, a plain request instead of a burst. */
function simplifications(step: Step): Step[] {
  switch (step.kind) {
    case 'deliver':
    case 'drop':
    case 'duplicate':
    case 'restart':
      return step.pick > 0 ? [{ ...step, pick: 0 }] : [];
    case 'burst':
      return [{ kind: 'client', key: step.key }];
    case 'staleClient':
      return step.pick > 0 ? [{ ...step, pick: 0 }] : [];
    case 'crashOn':
    case 'isolateOn':
    case 'cutLink':
      return step.node > 0 ? [{ ...step, node: 0 }] : [];
    case 'race':
      return [{ kind: 'timeout', node: step.node }, { kind: 'timeout', node: step.other }];
    case 'partition':
      return [{ kind: 'isolateLeader' }];
    default:
      return [];
  }
}

function save(dir: string, schedule: Schedule, run: RunResult, verdict: Verdict, config: CampaignConfig): void {
  ensureDir(dir);
  writeFileSync(join(dir, 'schedule.json'), JSON.stringify(schedule, null, 1) + '\n');
  writeFileSync(join(dir, 'trace.ndjson'), run.trace);
  writeFileSync(
    join(dir, 'diagnosis.txt'),
    [`${config.label}: ${ORACLE_SAYS[verdict.oracle!]}`, ...verdict.diagnosis, ''].join('\n'),
  );
}

export async function runCampaign(config: CampaignConfig): Promise<CampaignResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  useTlc = config.tlc !== false;
  if (useTlc) tlc = { java: findJava(), jar: await findTlcJar() };
  const coverage: Coverage | null = config.coverage ? {} : null;
  const progress = { schedules: 0, sumTicks: 0, maxTicks: 0, maxShareOfBound: 0 };
  const progressSummary = () =>
    progress.schedules > 0
      ? { schedules: progress.schedules, meanTicks: progress.sumTicks / progress.schedules, maxTicks: progress.maxTicks, maxShareOfBound: progress.maxShareOfBound }
      : null;
  let schedules = 0;
  let events = 0;
  let seed = config.firstSeed;
  let batch = 20;
  try {
    if (config.replay) {
      const schedule = parseSchedule(readFileSync(config.replay, 'utf8'), config.replay);
      const { runs, verdicts } = await judgeAll([schedule]);
      const v = verdicts[0]!;
      const failure: FailureReport | null = v.failed
        ? { oracle: v.oracle!, what: v.what, seed: schedule.seed, original: { steps: schedule.steps.length, events: runs[0]!.events }, shrunk: { nodes: schedule.nodes, steps: schedule.steps.length, events: v.events, rounds: 0 }, diagnosis: v.diagnosis, dir: '' }
        : null;
      return { label: config.label, schedules: 1, events: runs[0]!.events, seconds: elapsed(), failure, coverage: null, progress: null, error: null };
    }
    while (schedules < config.maxSchedules && elapsed() < config.maxSeconds) {
      const plans: Schedule[] = [];
      for (let k = 0; k < batch && schedules + plans.length < config.maxSchedules; k++) plans.push(generateSchedule(seed++, config.schedule));
      const { runs, verdicts } = await judgeAll(plans);
      for (let k = 0; k < plans.length; k++) {
        schedules++;
        events += runs[k]!.events;
        const run = runs[k]!;
        if (coverage) countCoverage(coverage, run);
        if (run.progress) {
          progress.schedules++;
          progress.sumTicks += run.progress.ticks;
          progress.maxTicks = Math.max(progress.maxTicks, run.progress.ticks);
          progress.maxShareOfBound = Math.max(progress.maxShareOfBound, run.progress.ticks / run.progress.bounds.ticks);
        }
        const v = verdicts[k]!;
        if (!v.failed) continue;
        const shrunk = await shrink(plans[k]!, v, runs[k]!, performance.now() + config.shrinkSeconds * 1000);
        const final = await judgeAll([shrunk.schedule], inProgressPhase(v, runs[k]!, plans[k]!));
        const dir = join(config.failuresDir, config.label);
        save(dir, shrunk.schedule, final.runs[0]!, final.verdicts[0]!, config);
        return {
          label: config.label,
          schedules,
          events,
          seconds: elapsed(),
          failure: {
            oracle: v.oracle!,
            what: v.what,
            seed: plans[k]!.seed,
            original: { steps: plans[k]!.steps.length, events: v.events },
            shrunk: { nodes: shrunk.schedule.nodes, steps: shrunk.schedule.steps.length, events: shrunk.verdict.events, rounds: shrunk.rounds },
            diagnosis: final.verdicts[0]!.diagnosis,
            dir,
          },
          coverage,
          progress: progressSummary(),
          error: null,
        };
      }
      batch = Math.min(batch * 2, 160);
    }
    return { label: config.label, schedules, events, seconds: elapsed(), failure: null, coverage, progress: progressSummary(), error: null };
  } catch (err) {
    return { label: config.label, schedules, events, seconds: elapsed(), failure: null, coverage, progress: progressSummary(), error: (err as Error).message };
  }
}

// Entry point when run as the campaign process (not when imported).
const [configPath, resultPath] = process.argv.slice(2);
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && configPath && resultPath) {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as CampaignConfig;
  runCampaign(config).then(
    (result) => writeFileSync(resultPath, JSON.stringify(result, null, 2) + '\n'),
    (err) => {
      writeFileSync(resultPath, JSON.stringify({ label: config.label, error: (err as Error).message }) + '\n');
      process.exitCode = 1;
    },
  );
}
