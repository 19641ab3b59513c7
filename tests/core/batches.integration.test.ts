import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { removeDirs, startSd15Fake, startTestCore, toolContext, until, type CoreFixture } from './harness.js';

const items = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ prompt: `a lighthouse, variant ${i}` }));
const defaults = { workflow: 'sd15', width: 96, height: 64 };

/** How many times ComfyUI ran each of a job's prompts (one prompt id per dispatch attempt). */
function runsOf(jobId: string, fakes: FakeComfyUI[]): number {
  let runs = 0;
  for (const fake of fakes) {
    for (const [promptId, count] of fake.executions) if (promptId.startsWith(`${jobId}-`)) runs += count;
  }
  return runs;
}

describe('batches over several ComfyUI backends', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function fakes(count: number, stepMs = 2): Promise<FakeComfyUI[]> {
    const started = await Promise.all(Array.from({ length: count }, () => startSd15Fake(stepMs)));
    cleanups.push(() => Promise.all(started.map((fake) => fake.close())).then(() => undefined));
    return started;
  }

  async function core(options: Parameters<typeof startTestCore>[0]): Promise<CoreFixture> {
    const fixture = await startTestCore(options);
    cleanups.push(async () => {
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir);
    });
    return fixture;
  }

  it('spreads a 40-image batch over two backends and completes every job exactly once', async () => {
    const [a, b] = await fakes(2);
    const { core: bridge } = await core({ urls: [a!.url, b!.url] });
    const { ctx } = toolContext();
    const accepted = await bridge.service.batchGenerateImages({ items: items(40), defaults }, ctx);
    expect(accepted.total).toBe(40);

    const status = await bridge.service.checkBatchStatus(
      { batch_id: accepted.batch_id, wait_seconds: 60 },
      ctx,
    );
    expect(status).toMatchObject({ done: true, total: 40, completed: 40, failed: 0, cancelled: 0 });
    expect(a!.executions.size).toBeGreaterThan(0);
    expect(b!.executions.size).toBeGreaterThan(0);

    const batch = bridge.scheduler.get(accepted.batch_id)!;
    const paths = new Set(status.items.map((item) => item.path));
    expect(paths.size).toBe(40);
    for (const job of batch.jobs) expect(runsOf(job.id, [a!, b!]), job.id).toBe(1);
    for (const path of paths) {
      const meta = await sharp(path).metadata();
      expect([meta.width, meta.height]).toEqual([96, 64]);
    }
    expect((await bridge.gallery.loaded()).size).toBe(40);
  });

  it('completes all 40 when one backend is killed mid-batch', async () => {
    const [a, b] = await fakes(2, 8);
    const { core: bridge } = await core({ urls: [a!.url, b!.url] });
    const { ctx } = toolContext();
    const accepted = await bridge.service.batchGenerateImages({ items: items(40), defaults }, ctx);
    const batch = bridge.scheduler.get(accepted.batch_id)!;
    await until(() => batch.jobs.filter((job) => job.state === 'completed').length >= 10, '10 images done');
    await b!.kill();

    const status = await bridge.service.checkBatchStatus(
      { batch_id: accepted.batch_id, wait_seconds: 60 },
      ctx,
    );
    expect(status).toMatchObject({ done: true, total: 40, completed: 40, failed: 0 });
    expect(new Set(status.items.map((item) => item.path)).size).toBe(40);
    for (const item of status.items) expect(existsSync(item.path!)).toBe(true);
    // Every job that finished after the kill ran on the survivor exactly once.
    for (const job of batch.jobs.filter((job) => job.result?.backend === a!.url)) {
      expect(runsOf(job.id, [a!]), job.id).toBe(1);
    }
    expect((await bridge.gallery.loaded()).size).toBe(40);
  });

  it('resumes a batch after the core stops mid-batch: same id, no duplicate, nothing lost', async () => {
    const [a, b] = await fakes(2, 8);
    const first = await startTestCore({ urls: [a!.url, b!.url] });
    cleanups.push(() => removeDirs(first.dataDir, first.outputDir));
    const { ctx } = toolContext();
    const accepted = await first.core.service.batchGenerateImages({ items: items(40), defaults }, ctx);
    const batch = first.core.scheduler.get(accepted.batch_id)!;
    await until(() => batch.jobs.filter((job) => job.state === 'completed').length >= 10, '10 images done');
    await first.core.stop();
    const doneBeforeStop = batch.jobs
      .filter((job) => job.state === 'completed')
      .map((job) => job.result!.path);

    const { core: second } = await core({
      urls: [a!.url, b!.url],
      dataDir: first.dataDir,
      outputDir: first.outputDir,
    });
    const status = await second.service.checkBatchStatus(
      { batch_id: accepted.batch_id, wait_seconds: 60 },
      ctx,
    );
    expect(status).toMatchObject({ done: true, total: 40, completed: 40, failed: 0 });
    const resumed = second.scheduler.get(accepted.batch_id)!;
    // ComfyUI ran every job once: runs it had when the core went down were picked up, not repeated.
    for (const job of resumed.jobs) expect(runsOf(job.id, [a!, b!]), job.id).toBe(1);
    expect(new Set(status.items.map((item) => item.path)).size).toBe(40);
    for (const path of doneBeforeStop) expect(status.items.some((item) => item.path === path)).toBe(true);
    expect((await second.gallery.loaded()).size).toBe(40);
  });
});
