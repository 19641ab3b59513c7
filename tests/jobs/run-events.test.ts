/**
 * ComfyUI's events for a prompt sent before its run is followed (a job claimed as its batch is written,
 * jobs/claim.ts): held, then handed to the run in the order they came, or forgotten with a withdrawn prompt.
 * The ComfyUI client is an EventEmitter standing in for the websocket client; the run table is the real one.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { BackendClient } from '../../electron/jobs/backend-pool.js';
import { newBatch } from '../../electron/jobs/job-book.js';
import { RunEvents } from '../../electron/jobs/run-events.js';
import type { JobPhase } from '../../electron/jobs/run-phase.js';
import { RunTable } from '../../electron/jobs/runs.js';
import type { JobSpec } from '../../electron/jobs/types.js';

function setUp() {
  const comfy = new EventEmitter();
  const events = new EventEmitter();
  const seen: string[] = [];
  const started: string[] = [];
  const runs = new RunTable({
    pool: { adjustInFlight: () => undefined },
    timeoutMs: 60_000,
    onTimeout: () => undefined,
    onSlotFreed: () => undefined,
    onPhase: (phase: JobPhase) => seen.push(phase.phase),
  });
  events.on('progress', (event: { value: number; max: number }) => seen.push(`${event.value}/${event.max}`));
  const runEvents = new RunEvents({
    pool: { client: () => comfy as unknown as BackendClient },
    runs,
    events,
    onStarted: (_backend, promptId) => started.push(promptId),
  });
  runEvents.listen('b1');
  const batch = newBatch([{ prompt: 'a lighthouse' } as JobSpec], 'interactive');
  const job = batch.jobs[0]!;
  const promptId = `${job.id}-1`;
  const track = () => {
    const run = runs.track(job, batch, 'b1', promptId, { slotTaken: true });
    run.classTypes = { '3': 'KSampler', '8': 'VAEDecode', '9': 'SaveImage' };
  };
  const sendRun = () => {
    comfy.emit('started', { promptId });
    comfy.emit('executing', { promptId, node: '3' });
    comfy.emit('progress', { promptId, node: '3', value: 1, max: 2 });
    comfy.emit('progress', { promptId, node: '3', value: 2, max: 2 });
    comfy.emit('executing', { promptId, node: '8' });
  };
  return { comfy, runEvents, seen, started, track, sendRun, promptId };
}

describe('RunEvents: a prompt sent before its run is followed', () => {
  it('holds its events until released, then hands them on in order', () => {
    const { runEvents, seen, started, track, sendRun, promptId, comfy } = setUp();
    runEvents.hold(promptId);
    sendRun();
    // The start is told to failover at once (a prompt given up on is interrupted); the phases wait.
    expect(started).toEqual([promptId]);
    track();
    expect(seen).toEqual([]);
    runEvents.release(promptId);
    expect(seen).toEqual(['loading', 'sampling', '1/2', '2/2', 'decoding']);
    comfy.emit('executing', { promptId, node: '9' });
    expect(seen.at(-1)).toBe('saving');
  });

  it('forgets the events of a withdrawn prompt', () => {
    const { runEvents, seen, track, sendRun, promptId } = setUp();
    runEvents.hold(promptId);
    sendRun();
    runEvents.drop(promptId);
    track();
    runEvents.release(promptId);
    expect(seen).toEqual([]);
  });

  it('hands the events of a prompt not held straight to its run', () => {
    const { seen, track, sendRun } = setUp();
    track();
    sendRun();
    expect(seen).toEqual(['loading', 'sampling', '1/2', '2/2', 'decoding']);
  });
});
