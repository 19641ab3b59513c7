import { describe, expect, it } from 'vitest';
import type { DashboardEvent } from '../../shared/dashboard-api.js';
import {
  applyPreviewEvent,
  forgetFinished,
  formatEta,
  samplingEtaMs,
  stepLine,
  type LivePreviews,
} from '../../renderer/src/state/live-previews.js';
import { batchView, itemView } from './fixtures.js';

const progress = (jobId: string, value: number, max = 20): DashboardEvent => ({
  type: 'progress',
  batchId: 'b1',
  jobId,
  value,
  max,
  phase: 'sampling',
});
const preview = (jobId: string, image: string): DashboardEvent => ({
  type: 'preview',
  batchId: 'b1',
  jobId,
  image,
});

/** Feeds [event, time] pairs through the reducer from an empty state. */
function replay(steps: [DashboardEvent, number][]): LivePreviews {
  return steps.reduce<LivePreviews>((live, [event, at]) => applyPreviewEvent(live, event, at), new Map());
}

describe('live previews', () => {
  it('keeps the newest frame per job', () => {
    const live = replay([
      [preview('j1', 'data:image/jpeg;base64,AAAA'), 0],
      [preview('j2', 'data:image/jpeg;base64,CCCC'), 5],
      [preview('j1', 'data:image/jpeg;base64,BBBB'), 10],
    ]);
    expect(live.get('j1')?.image).toBe('data:image/jpeg;base64,BBBB');
    expect(live.get('j2')?.image).toBe('data:image/jpeg;base64,CCCC');
  });

  it('has no ETA until two different steps were seen, then extrapolates the observed rate', () => {
    const one = replay([[progress('j1', 1), 1_000]]);
    expect(samplingEtaMs(one.get('j1'))).toBeUndefined();
    expect(stepLine({ value: 1, max: 20 }, one.get('j1'))).toBe('Step 1/20');
    // The same step again (a phase event) is no second step.
    const again = applyPreviewEvent(one, progress('j1', 1), 1_500);
    expect(again).toBe(one);

    // Steps 1 → 5 in 2 s: 500 ms a step, 15 steps to go.
    const five = replay([
      [progress('j1', 1), 1_000],
      [progress('j1', 3), 2_100],
      [progress('j1', 5), 3_000],
    ]);
    expect(samplingEtaMs(five.get('j1'))).toBe(7_500);
    expect(stepLine({ value: 5, max: 20 }, five.get('j1'))).toBe('Step 5/20 · about 8 s left');
    expect(samplingEtaMs(applyPreviewEvent(five, progress('j1', 20), 10_000).get('j1'))).toBe(0);
  });

  it('starts timing again when a new sampler run begins (fewer steps, or another step count)', () => {
    const second = replay([
      [progress('j1', 1), 0],
      [progress('j1', 20), 1_900],
      [progress('j1', 1, 10), 5_000],
    ]);
    expect(second.get('j1')).toMatchObject({ first: { step: 1, at: 5_000 }, max: 10 });
    expect(samplingEtaMs(second.get('j1'))).toBeUndefined();
    const rerun = replay([
      [progress('j1', 1), 0],
      [progress('j1', 8), 700],
      [progress('j1', 2), 9_000],
    ]);
    expect(rerun.get('j1')?.first).toEqual({ step: 2, at: 9_000 });
  });

  it('ignores progress before the first step and other events', () => {
    const live = replay([[preview('j1', 'data:image/png;base64,AAAA'), 0]]);
    expect(applyPreviewEvent(live, progress('j1', 0, 0), 10)).toBe(live);
    expect(applyPreviewEvent(live, { type: 'workflows' }, 10)).toBe(live);
  });

  it('forgets a job once its batch shows it finished, and keeps the map when nothing it holds finished', () => {
    const live = replay([
      [preview('job-0', 'data:image/jpeg;base64,AAAA'), 0],
      [preview('job-1', 'data:image/jpeg;base64,BBBB'), 0],
    ]);
    const running = batchView('b1', [itemView(0, { state: 'running' }), itemView(1, { state: 'running' })]);
    expect(forgetFinished(live, running)).toBe(live);
    expect(forgetFinished(live, batchView('b2', [itemView(7, { state: 'completed' })]))).toBe(live);
    const oneDone = batchView('b1', [itemView(0, { state: 'completed' }), itemView(1, { state: 'running' })]);
    expect([...forgetFinished(live, oneDone).keys()]).toEqual(['job-1']);
    const ended = batchView('b1', [itemView(0, { state: 'failed' }), itemView(1, { state: 'cancelled' })]);
    expect(forgetFinished(live, ended).size).toBe(0);
  });

  it('words the ETA in seconds, then minutes', () => {
    expect(formatEta(0)).toBe('finishing');
    expect(formatEta(400)).toBe('about 1 s left');
    expect(formatEta(12_000)).toBe('about 12 s left');
    expect(formatEta(89_000)).toBe('about 89 s left');
    expect(formatEta(185_000)).toBe('about 3 min left');
  });
});
