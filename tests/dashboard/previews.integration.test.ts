import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { DashboardEvent } from '../../shared/dashboard-api.js';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';
import {
  cleanupsAfterEach,
  removeDirs,
  sd15Models,
  startTestCore,
  toolContext,
  until,
} from '../core/harness.js';
import { isEvent, nextEvent, openEvents } from './helpers.js';

const cleanups = cleanupsAfterEach();

type PreviewEvent = Extract<DashboardEvent, { type: 'preview' }>;

/** The red of the frame's first pixel: the fake's previews shade from blue to red as the steps advance. */
async function redOf(event: PreviewEvent): Promise<number> {
  const bytes = Buffer.from(event.image.slice(event.image.indexOf(',') + 1), 'base64');
  expect((await sharp(bytes).metadata()).format).toBe('jpeg');
  const { data } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return data[0]!;
}

describe('sampler previews on /api/events', () => {
  it('streams a running job’s frames as they change, none after it finished, and never writes one', async () => {
    const comfy = await startFakeComfyUI({ models: sd15Models, stepMs: 0, samplerPreviews: true });
    cleanups.push(() => comfy.close());
    const fixture = await startTestCore({ urls: [comfy.url] });
    cleanups.push(async () => {
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir);
    });
    const outcome = await openEvents(fixture.core);
    if (outcome.kind !== 'open') throw new Error(`events refused with ${outcome.status}`);
    cleanups.push(() => outcome.socket.terminate());
    const { events } = outcome;

    comfy.holdSampling(true);
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: [{ prompt: 'a heron forming' }], defaults: { workflow: 'sd15', width: 96, height: 64 } },
      toolContext().ctx,
    );
    const batchId = accepted.batch_id;
    const previews = () => events.filter(isEvent('preview')).filter((event) => event.batchId === batchId);

    // Held after step 1: its frame arrives, and nothing else can.
    await until(() => previews().length === 1, 'the first frame');
    const first = previews()[0]!;
    const firstRed = await redOf(first);

    comfy.releaseSteps(1);
    await until(() => previews().length === 2, 'the frame of step 2');
    const second = previews()[1]!;
    expect(second.jobId).toBe(first.jobId);
    expect(second.image).not.toBe(first.image);
    expect(await redOf(second)).toBeGreaterThan(firstRed);

    comfy.holdSampling(false);
    const done = await nextEvent(
      events,
      (event): event is Extract<DashboardEvent, { type: 'batch' }> =>
        event.type === 'batch' && event.batch.id === batchId && event.batch.done,
      'the batch done',
    );
    expect(done.batch.items[0]?.state).toBe('completed');
    await until(() => events.some(isEvent('gallery')), 'the gallery addition');

    // The finished job's snapshot came after its last frame: a frame still waiting for its window was dropped.
    const finishedAt = events.findIndex(
      (event) =>
        event.type === 'batch' &&
        event.batch.id === batchId &&
        event.batch.items.some((item) => item.state === 'completed'),
    );
    const lastFrameAt = events.findLastIndex((event) => event.type === 'preview');
    expect(lastFrameAt).toBeLessThan(finishedAt);

    // On disk: the one finished image, nothing of the frames.
    const files = readdirSync(fixture.outputDir, { recursive: true }).map(String);
    expect(files).toEqual([done.batch.items[0]!.path!.slice(fixture.outputDir.length + 1)]);
    expect((await fixture.core.gallery.loaded()).list().items.map((record) => record.path)).toEqual([
      done.batch.items[0]!.path,
    ]);
  });
});
