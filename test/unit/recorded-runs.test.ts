// A simulated run is checked from the values it recorded, not from its text
// (src/trace/validate.ts validateTraceValues), and a failure inside the
// progress phase is replayed as an ordinary schedule (RunResult.progressSteps):
// both are shortcuts the audit takes thousands of times a second, so both
// must give exactly what the long way gives.
import { describe, expect, it } from 'vitest';
import { CAMPAIGN_RUN } from '../../src/audit/campaign.js';
import { generateSchedule, parseSchedule, runSchedule } from '../../src/sim/schedule.js';
import type { TraceEvent } from '../../src/raft/events.js';
import { validateTraceText, validateTraceValues } from '../../src/trace/validate.js';

describe('checking a run from its recorded values', () => {
  it('gives the events and the verdict that reading its NDJSON text gives', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const run = runSchedule(generateSchedule(seed), CAMPAIGN_RUN);
      const fromValues = validateTraceValues('x', run.header, run.recorded);
      const fromText = validateTraceText('x', run.trace);
      expect(fromValues, `seed ${seed}`).not.toBeNull();
      expect(JSON.stringify(fromValues), `seed ${seed}`).toBe(JSON.stringify(fromText));
    }
  });

  it('finds the same problem, on the same line and field, in a malformed run', () => {
    const run = runSchedule(generateSchedule(3), CAMPAIGN_RUN);
    const events = run.recorded.map((e) => ({ ...e })) as TraceEvent[];
    const k = events.findIndex((e) => 'state' in e);
    const bad = { ...events[k]!, state: { ...(events[k] as { state: object }).state, logLength: 99 } } as TraceEvent;
    events[k] = bad;
    const text = [JSON.stringify(run.header), ...events.map((e) => JSON.stringify(e))].join('\n') + '\n';
    const fromValues = validateTraceValues('x', run.header, events);
    expect(fromValues?.ok).toBe(false);
    expect(JSON.stringify(fromValues)).toBe(JSON.stringify(validateTraceText('x', text)));
  });

  it('declines values whose text could read back differently, so that the text is read instead', () => {
    const run = runSchedule(generateSchedule(4), CAMPAIGN_RUN);
    const events = [...run.recorded];
    events[0] = { ...events[0]!, peer: undefined } as TraceEvent;
    expect(validateTraceValues('x', run.header, events)).toBeNull();
    events[0] = { ...run.recorded[0]!, i: Number.NaN } as TraceEvent;
    expect(validateTraceValues('x', run.header, events)).toBeNull();
  });
});

describe('the progress phase spelled out as schedule steps', () => {
  it('replays the run event for event, as a schedule file a user can edit', () => {
    let checked = 0;
    for (let seed = 1; checked < 5 && seed < 50; seed++) {
      const schedule = generateSchedule(seed, { minSteps: 20, maxSteps: 60 });
      const run = runSchedule(schedule, CAMPAIGN_RUN);
      if (!run.progress) continue;
      const steps = [...schedule.steps, ...run.progressSteps];
      expect(run.progressSteps[0]).toEqual({ kind: 'calm' });
      expect(run.progressSteps.some((s) => s.kind === 'probe')).toBe(true);
      // Through a schedule file and back: the new kinds parse.
      const spelled = parseSchedule(JSON.stringify({ ...schedule, steps }), 'spelled.json');
      const again = runSchedule(spelled, { ...CAMPAIGN_RUN, progress: false });
      expect(again.failure, `seed ${seed}`).toBeNull();
      expect(again.trace.split('\n').slice(1).join('\n'), `seed ${seed}`).toBe(
        run.trace.split('\n').slice(1).join('\n'),
      );
      checked++;
    }
    expect(checked).toBe(5);
  });
});
