import { describe, expect, it } from 'vitest';
import { dispatchGaps, runsFromHistory } from '../../bench/comfy-timeline.js';
import { printLine, verdict } from '../../bench/report.js';
import { median, percentile } from '../../bench/stats.js';

describe('benchmark summaries', () => {
  it('takes nearest-rank percentiles', () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(median(samples)).toBe(5);
    expect(percentile(samples, 95)).toBe(10);
    expect(percentile(samples, 10)).toBe(1);
    expect(percentile([42], 95)).toBe(42);
    expect(percentile([], 50)).toBeNaN();
  });

  it("reads ComfyUI's run spans from /history and the idle gaps between them", () => {
    const entry = (start: number, end: number, terminal = 'execution_success') => ({
      status: {
        messages: [
          ['execution_start', { timestamp: start }],
          ['execution_cached', { timestamp: start + 1 }],
          [terminal, { timestamp: end }],
        ] as [string, { timestamp: number }][],
      },
    });
    const runs = runsFromHistory({
      b: entry(1_000, 1_500),
      a: entry(0, 990, 'execution_error'),
      c: entry(1_503, 2_000, 'execution_interrupted'),
      unfinished: { status: { messages: [['execution_start', { timestamp: 2_001 }]] } },
    });
    expect(runs.map((run) => run.promptId)).toEqual(['a', 'b', 'c']);
    expect(dispatchGaps(runs)).toEqual([10, 3]);
  });

  it('judges a figure against a maximum or a minimum and says which', () => {
    const overhead = { name: 'overhead', value: 30, unit: 'ms', target: { limit: 25, kind: 'max' as const } };
    expect(verdict(overhead)).toEqual({ ratio: 1.2, meets: false });
    const speedUp = {
      name: 'speed-up',
      value: 1.95,
      unit: '×',
      target: { limit: 1.9, kind: 'min' as const },
    };
    expect(verdict(speedUp).meets).toBe(true);
    expect(verdict({ name: 'bytes', value: 8000, unit: 'bytes' })).toEqual({});
    expect(printLine(overhead)).toContain('MISSES');
    expect(printLine(speedUp)).toContain('meets');
  });
});
