// The one base of every error the harness expects and explains: its message
// is a whole line for the user (naming the file, the field or the process),
// and it carries the exit code a tool ends with. Anything else that reaches a
// tool's main is a defect of the harness, and is still told in one line.

/** The exit codes of every tool. */
export const EXIT = {
  /** The check ran and everything passed. */
  ok: 0,
  /**
   * The check ran and found something, or could not do its job or judge what
   * it saw (an inconclusive run, a command that may or may not have taken
   * effect: the message or the JSON report says which).
   */
  failed: 1,
  /** Wrong usage or bad input: nothing was checked. */
  badInput: 2,
} as const;

export class HarnessError extends Error {
  /** What a tool that stops on this error exits with. */
  get exitCode(): number {
    return EXIT.failed;
  }
}

/** Wrong usage or input a tool refuses before it does anything: exit 2. */
export class BadInputError extends HarnessError {
  override get exitCode(): number {
    return EXIT.badInput;
  }
}

/** The exit code for anything thrown: its own for a HarnessError, 1 otherwise. */
export function exitCodeOf(err: unknown): number {
  return err instanceof HarnessError ? err.exitCode : EXIT.failed;
}

/** What to tell of anything thrown: an error's message (never its stack), or the value itself. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text || (err instanceof Error ? err.name : 'unknown error');
}
