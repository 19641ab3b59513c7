import { describe, expect, it } from 'vitest';
import { reachabilityTransition, unreachableReason } from '../../electron/jobs/reachability.js';

const a = 'http://127.0.0.1:8188';
const b = 'http://127.0.0.1:8000';
const down = (url: string) => ({ url, available: false, probed: true });

describe('reachability', () => {
  it('names every URL once all were probed and none answers', () => {
    expect(unreachableReason([down(a), down(b)])).toBe(
      `no ComfyUI reachable at ${a}, ${b} — start ComfyUI or check the URL`,
    );
  });

  it('says nothing while a backend is usable, still being probed, or none is configured', () => {
    expect(unreachableReason([down(a), { url: b, available: true, probed: true }])).toBeUndefined();
    expect(unreachableReason([down(a), { url: b, available: false, probed: false }])).toBeUndefined();
    expect(unreachableReason([])).toBeUndefined();
  });

  it('reports an outage once and its end once', () => {
    expect(reachabilityTransition([down(a)], false)).toBe('outage');
    expect(reachabilityTransition([down(a)], true)).toBeUndefined();
    expect(reachabilityTransition([{ url: a, available: true, probed: true }], true)).toBe('recovered');
    expect(reachabilityTransition([{ url: a, available: true, probed: true }], false)).toBeUndefined();
  });
});
