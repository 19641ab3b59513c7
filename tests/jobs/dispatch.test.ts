import { describe, expect, it } from 'vitest';
import { chooseBackend, whyUndispatchable, type BackendLoad } from '../../electron/jobs/dispatch.js';

const load = (id: string, over: Partial<BackendLoad> = {}): BackendLoad => ({
  id,
  available: true,
  inFlight: 0,
  window: 2,
  dispatched: 0,
  ...over,
});
const anyone = () => true;

describe('chooseBackend', () => {
  it('picks the least-loaded backend', () => {
    expect(chooseBackend([load('a', { inFlight: 1 }), load('b')], anyone)).toBe('b');
  });

  it('spreads equal loads round-robin by how many jobs each was given', () => {
    expect(chooseBackend([load('a', { dispatched: 5 }), load('b', { dispatched: 4 })], anyone)).toBe('b');
  });

  it('skips unavailable backends, full windows and backends that cannot run the workflow', () => {
    const backends = [
      load('down', { available: false }),
      load('full', { inFlight: 2 }),
      load('lacks-model'),
      load('ok', { inFlight: 1 }),
    ];
    expect(chooseBackend(backends, (id) => id !== 'lacks-model')).toBe('ok');
  });

  it('returns undefined when no backend can take the job now', () => {
    expect(chooseBackend([load('a', { inFlight: 2 })], anyone)).toBeUndefined();
    expect(chooseBackend([], anyone)).toBeUndefined();
  });
});

describe('whyUndispatchable', () => {
  it('names the reason a job waits', () => {
    expect(whyUndispatchable([], anyone)).toBe('no-backend');
    expect(whyUndispatchable([load('a', { available: false })], anyone)).toBe('none-available');
    expect(whyUndispatchable([load('a')], () => false)).toBe('none-can-run');
    expect(whyUndispatchable([load('a', { inFlight: 2 })], anyone)).toBeUndefined();
  });
});
