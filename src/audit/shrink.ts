// Shrinking a failing schedule to a 1-minimal one that fails the same way.
// First delta debugging over chunks of steps, and the cluster tried smaller;
// then, until nothing changes, each step left out alone, each step made
// simpler (fast-check's way: smaller picks, plainer kinds), the cluster
// reduced again, and on short schedules pairs of steps left out together.
// A candidate is kept if it fails the same way no later (in events) and with
// no more steps or servers. What "fails the same way" means, and how a step
// is made simpler, is the caller's: here a schedule is only servers and steps.

/** What the shrinker changes: a number of servers and a list of steps. */
export interface Shrinkable<S> {
  readonly nodes: number;
  readonly steps: readonly S[];
}

/** A candidate that failed the same way: after how many events, and the candidate cut right after the step that failed. */
export interface SameFailure<T, V> {
  readonly events: number;
  readonly cut: T;
  /** Whatever the caller wants back about the failure (its verdict). */
  readonly verdict: V;
}

export interface ShrinkProblem<S, T extends Shrinkable<S>, V> {
  /** Runs a candidate: how it failed if it failed the same way, else null. */
  readonly judge: (candidate: T) => SameFailure<T, V> | null;
  /** Simpler variants of a step, the simplest first. */
  readonly simplifications: (step: S) => readonly S[];
  /** Servers to try a larger cluster as. */
  readonly fewestNodes: number;
  /** Pairs of steps are left out together only from schedules this short (the pairs grow with the square). */
  readonly pairsUpTo: number;
  /** performance.now() by which to stop. */
  readonly deadline: number;
}

export interface Shrunk<T, V> {
  readonly best: T;
  readonly verdict: V;
  readonly events: number;
  /** Candidates judged. */
  readonly rounds: number;
  /** Whether no single step can be left out or made simpler, and no server dropped (false if the deadline came first). */
  readonly minimal: boolean;
}

/** Shrinks `start`, which fails after `events` events with `verdict`. */
export function shrinkSchedule<S, T extends Shrinkable<S>, V>(
  start: T,
  events: number,
  verdict: V,
  problem: ShrinkProblem<S, T, V>,
): Shrunk<T, V> {
  const s = new Shrinker(start, events, verdict, problem);
  s.fewerNodes();
  s.removeChunks();
  let minimal = false;
  while (s.timeLeft()) {
    if (s.fewerNodes() || s.onePass()) continue;
    // 1-minimal now; pairs of steps may still go, which makes it smaller still.
    if (s.best.steps.length <= problem.pairsUpTo && s.pairPass()) continue;
    // A pass that the deadline cut short proves nothing.
    minimal = s.timeLeft();
    break;
  }
  return { best: s.best, verdict: s.verdict, events: s.events, rounds: s.rounds, minimal };
}

class Shrinker<S, T extends Shrinkable<S>, V> {
  rounds = 0;

  constructor(
    public best: T,
    public events: number,
    public verdict: V,
    private readonly problem: ShrinkProblem<S, T, V>,
  ) {}

  timeLeft(): boolean {
    return performance.now() < this.problem.deadline;
  }

  /** Judges a candidate; adopts it if it fails the same way, no later and with no more steps or servers (fewer of one if `strictly`). */
  attempt(candidate: T, strictly: boolean): boolean {
    const f = this.problem.judge(candidate);
    this.rounds++;
    if (!f) return false;
    const { cut } = f;
    const best = this.best;
    if (f.events > this.events || cut.steps.length > best.steps.length || cut.nodes > best.nodes) return false;
    const smaller = f.events < this.events || cut.steps.length < best.steps.length || cut.nodes < best.nodes;
    if (strictly && !smaller) return false;
    this.best = cut;
    this.events = f.events;
    this.verdict = f.verdict;
    return true;
  }

  withSteps(steps: readonly S[]): T {
    return { ...this.best, steps };
  }

  without(from: number, size: number): T {
    return this.withSteps([...this.best.steps.slice(0, from), ...this.best.steps.slice(from + size)]);
  }

  /** The same steps on the fewest servers, if that still fails. */
  fewerNodes(): boolean {
    const fewest = this.problem.fewestNodes;
    return this.best.nodes > fewest && this.timeLeft() && this.attempt({ ...this.best, nodes: fewest }, true);
  }

  /** Delta debugging: chunks of steps left out, halving the chunks when none can go. */
  removeChunks(): void {
    let parts = 2;
    while (this.timeLeft() && this.best.steps.length > 1) {
      const n = this.best.steps.length;
      const size = Math.ceil(n / Math.min(parts, n));
      let removed = false;
      for (let from = 0; from < this.best.steps.length && this.timeLeft();) {
        if (this.attempt(this.without(from, size), true)) removed = true;
        else from += size;
      }
      if (removed) parts = Math.max(parts - 1, 2);
      else if (size > 1) parts = Math.min(parts * 2, this.best.steps.length);
      else break;
    }
  }

  /** One pass of single steps left out and made simpler, from the last; whether anything changed. */
  onePass(): boolean {
    let changed = false;
    for (let k = this.best.steps.length - 1; k >= 0 && this.timeLeft(); k--) {
      if (k >= this.best.steps.length) continue;
      if (this.attempt(this.without(k, 1), true)) {
        changed = true;
        continue;
      }
      for (const simpler of this.problem.simplifications(this.best.steps[k]!)) {
        const steps = [...this.best.steps.slice(0, k), simpler, ...this.best.steps.slice(k + 1)];
        if (this.attempt(this.withSteps(steps), false)) {
          changed = true;
          break;
        }
      }
    }
    return changed;
  }

  /** Two steps left out together (a pair that only matters together, such as a send and its delivery); whether any pair could go. */
  pairPass(): boolean {
    for (let a = this.best.steps.length - 1; a > 0 && this.timeLeft(); a--) {
      for (let b = a - 1; b >= 0 && this.timeLeft(); b--) {
        const steps = this.best.steps.filter((_, k) => k !== a && k !== b);
        if (this.attempt(this.withSteps(steps), true)) return true;
      }
    }
    return false;
  }
}
