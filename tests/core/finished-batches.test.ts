import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiOf } from '../dashboard/helpers.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import {
  cleanupsAfterEach,
  startSd15Fake,
  startTestCore,
  tempDirs,
  toolContext,
  type CoreFixture,
} from './harness.js';

/*
 * Settled batches are read on demand (jobs/batch-store.ts): a start reads only the unsettled ones, so neither its
 * time nor the memory grows with the week of finished work kept on disk, while every way of asking for a finished
 * batch still finds it after a restart.
 */

const cleanups = cleanupsAfterEach();
const { tempDir, removeTempDirs } = tempDirs('bridge-finished-');
afterAll(removeTempDirs);

async function started(fake: FakeComfyUI, dataDir: string, outputDir: string): Promise<CoreFixture> {
  const fixture = await startTestCore({ urls: [fake.url], dataDir, outputDir });
  cleanups.push(() => fixture.core.stop());
  return fixture;
}

describe('finished batches after a restart', () => {
  it('stay on disk only, and still answer check_batch_status, their idempotency key and the dashboard', async () => {
    const fake = await startSd15Fake();
    cleanups.push(() => fake.close());
    const dataDir = tempDir();
    const outputDir = tempDir();
    const { ctx } = toolContext();
    const request = {
      items: [{ prompt: 'a fox, take 1' }, { prompt: 'a fox, take 2' }],
      defaults: { workflow: 'sd15', width: 96, height: 64 },
      idempotency_key: 'nightly-icons',
    };

    const first = await started(fake, dataDir, outputDir);
    const accepted = await first.core.service.batchGenerateImages(request, ctx);
    const done = await first.core.service.checkBatchStatus(
      { batch_id: accepted.batch_id, wait_seconds: 60 },
      ctx,
    );
    expect(done).toMatchObject({ done: true, completed: 2 });
    await first.core.stop();
    expect(readdirSync(join(dataDir, 'batches')).filter((name) => name.endsWith('.json'))).toEqual([]);
    expect(existsSync(join(dataDir, 'batches', 'finished', `${accepted.batch_id}.json`))).toBe(true);

    const second = await started(fake, dataDir, outputDir);
    // Not loaded at start…
    expect(second.core.scheduler.list()).toEqual([]);
    // …and found when asked for.
    const status = await second.core.service.checkBatchStatus({ batch_id: accepted.batch_id }, ctx);
    expect(status).toMatchObject({ batch_id: accepted.batch_id, done: true, completed: 2 });
    expect(status.items.map((item) => item.path)).toEqual(done.items.map((item) => item.path));

    const submittedBefore = fake.submitted.length;
    const retried = await second.core.service.batchGenerateImages(request, ctx);
    expect(retried.batch_id).toBe(accepted.batch_id);
    expect(fake.submitted).toHaveLength(submittedBefore);

    const listed = await apiOf(second.core).call('/api/batches');
    expect(listed.status).toBe(200);
    const body = listed.json() as { batches: { id: string; done: boolean }[] };
    expect(body.batches).toEqual([expect.objectContaining({ id: accepted.batch_id, done: true })]);

    const cancelled = await second.core.service.cancelBatch({ batch_id: accepted.batch_id }, ctx);
    expect(cancelled).toMatchObject({ cancelled: 0 });
  });
});
