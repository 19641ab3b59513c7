import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workflowListSchema, type DashboardEvent } from '../../shared/dashboard-api.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import {
  cleanupsAfterEach,
  removeDirs,
  startSd15Fake,
  startTestCore,
  toolContext,
  until,
  type CoreFixture,
} from '../core/harness.js';
import { apiOf, isEvent, nextEvent, openEvents, type EventsOutcome } from './helpers.js';

const cleanups = cleanupsAfterEach();

async function fake(stepMs = 2): Promise<FakeComfyUI> {
  const started = await startSd15Fake(stepMs);
  cleanups.push(() => started.close());
  return started;
}

async function core(urls: string[]): Promise<CoreFixture> {
  const fixture = await startTestCore({ urls });
  cleanups.push(async () => {
    await fixture.core.stop();
    removeDirs(fixture.dataDir, fixture.outputDir);
  });
  return fixture;
}

async function connected(fixture: CoreFixture) {
  const outcome = await openEvents(fixture.core);
  if (outcome.kind !== 'open') throw new Error(`events refused with ${outcome.status}`);
  cleanups.push(() => outcome.socket.terminate());
  return outcome;
}

function refusedWith(outcome: EventsOutcome): number | 'open' {
  if (outcome.kind === 'open') {
    outcome.socket.terminate();
    return 'open';
  }
  return outcome.status;
}

const backendReachable = (url: string, reachable: boolean) => (event: DashboardEvent) =>
  event.type === 'status' &&
  event.status.backends.some((backend) => backend.url === url && backend.reachable === reachable);

describe('/api/events on a real core', () => {
  it('refuses a socket without the token, with a wrong one, and from a foreign origin or host', async () => {
    const fixture = await core(['http://127.0.0.1:9']);
    const { token } = apiOf(fixture.core);
    const port = new URL(fixture.core.url).port;
    expect(refusedWith(await openEvents(fixture.core, { token: null }))).toBe(401);
    expect(refusedWith(await openEvents(fixture.core, { token: `${token}x` }))).toBe(401);
    expect(refusedWith(await openEvents(fixture.core, { origin: 'http://evil.example' }))).toBe(403);
    expect(refusedWith(await openEvents(fixture.core, { host: `evil.example:${port}` }))).toBe(403);
    expect(refusedWith(await openEvents(fixture.core, { origin: fixture.core.url }))).toBe('open');
  });

  it("streams a batch's progress, every item's completion and the gallery additions", async () => {
    const comfy = await fake(5);
    const fixture = await core([comfy.url]);
    const { events } = await connected(fixture);
    expect(events[0]?.type).toBe('status');

    const { ctx } = toolContext();
    const items = Array.from({ length: 4 }, (_, i) => ({ prompt: `a heron, study ${i}` }));
    const accepted = await fixture.core.service.batchGenerateImages(
      { items, defaults: { workflow: 'sd15', width: 96, height: 64 } },
      ctx,
    );
    const batchId = accepted.batch_id;

    const progress = await nextEvent(
      events,
      (event): event is Extract<DashboardEvent, { type: 'progress' }> =>
        event.type === 'progress' &&
        event.batchId === batchId &&
        event.phase === 'sampling' &&
        event.value > 0,
      'a progress event of the batch',
    );
    expect(progress.max).toBeGreaterThan(0);
    expect(progress.value).toBeLessThanOrEqual(progress.max);

    const done = await nextEvent(
      events,
      (event): event is Extract<DashboardEvent, { type: 'batch' }> =>
        event.type === 'batch' && event.batch.id === batchId && event.batch.done,
      'the batch snapshot that says done',
    );
    expect(done.batch.counts).toMatchObject({ total: 4, completed: 4, failed: 0 });
    for (const item of done.batch.items) {
      expect(item.state).toBe('completed');
      expect(item.imageId).toBe(item.jobId);
      expect(item.progress).toBeUndefined();
    }
    const running = events.find(
      (event) =>
        event.type === 'batch' &&
        event.batch.id === batchId &&
        event.batch.items.some((item) => item.state === 'running'),
    );
    expect(running, 'a snapshot with a running item').toBeDefined();

    await until(() => events.filter(isEvent('gallery')).length === 4, 'four gallery additions');
    const added = events.filter(isEvent('gallery')).map((event) => [event.change, event.id]);
    expect(added.sort()).toEqual(done.batch.items.map((item) => ['added', item.jobId]).sort());
  });

  it('flips the connection status when ComfyUI stops and starts again', async () => {
    const comfy = await fake();
    const fixture = await core([comfy.url]);
    const { events } = await connected(fixture);
    await until(() => events.some(backendReachable(comfy.url, true)), 'reachable');

    await comfy.kill();
    await until(() => events.some(backendReachable(comfy.url, false)), 'unreachable after the kill');
    const down = events.filter(isEvent('status')).findLast(backendReachable(comfy.url, false));
    expect(down?.type === 'status' && down.status.backends[0]?.problem).toBeTruthy();

    const seen = events.length;
    await comfy.restart();
    await until(
      () => events.slice(seen).some(backendReachable(comfy.url, true)),
      'reachable again after the restart',
    );
  });

  it('announces a workflow dropped into the user folder, gallery removals and settings changes', async () => {
    const comfy = await fake();
    const fixture = await core([comfy.url]);
    const api = apiOf(fixture.core);
    const { events } = await connected(fixture);

    const { userFolder } = workflowListSchema.parse((await api.call('/api/workflows')).json());
    const graph = readFileSync(join(import.meta.dirname, '..', '..', 'workflows', 'sd15.json'), 'utf8');
    writeFileSync(join(userFolder, 'heron.json'), graph);
    await nextEvent(events, isEvent('workflows'), 'a workflows event');
    const list = workflowListSchema.parse((await api.call('/api/workflows')).json());
    expect(list.workflows.map((workflow) => workflow.id)).toContain('heron');

    await api.call('/api/settings', { method: 'PATCH', body: { defaultWorkflow: 'heron' } });
    const settings = await nextEvent(events, isEvent('settings'), 'a settings event');
    expect(settings.settings.defaultWorkflow).toBe('heron');
    expect(settings.settings).not.toHaveProperty('dashboardToken');

    const { ctx } = toolContext();
    await fixture.core.service.generateImage({ prompt: 'a heron', width: 64, height: 64 }, ctx);
    const [record] = (await fixture.core.gallery.loaded()).list().items;
    await api.call(`/api/gallery/${record!.id}`, { method: 'DELETE' });
    const removed = await nextEvent(
      events,
      (event): event is Extract<DashboardEvent, { type: 'gallery' }> =>
        event.type === 'gallery' && event.change === 'removed',
      'a gallery removal',
    );
    expect(removed.id).toBe(record!.id);
  });

  it('closes the sockets cleanly when the core stops', async () => {
    const fixture = await startTestCore({ urls: ['http://127.0.0.1:9'] });
    cleanups.push(() => removeDirs(fixture.dataDir, fixture.outputDir));
    const outcome = await openEvents(fixture.core);
    if (outcome.kind !== 'open') throw new Error('events refused');
    await fixture.core.stop();
    expect(await outcome.closed).toBe(1001);
  });
});
