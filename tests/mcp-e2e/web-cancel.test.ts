import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';
import { cleanupsAfterEach, sd15Models, startTestCore, tempDirs, until } from '../core/harness.js';
import { gatedPool } from '../web/gated-pool.js';
import { connect, type CallResult } from './clients.js';

/*
 * cancel_batch stops web variants too: a batch whose images are written but whose variants are still being made
 * (one asset caught with a first variant on disk) or waiting for the pool. The variants' files go, their state is
 * recorded failed with code `cancelled` (kept on disk: the next core does not make them again), the images stay,
 * and check_batch_status says done.
 */

const { tempDir, removeTempDirs } = tempDirs('bridge-web-cancel-');

interface Status {
  done: boolean;
  completed: number;
  cancelled: number;
  items: {
    status: string;
    path?: string;
    web?: { status: string; variants?: unknown[]; error?: { code: string; message: string } };
  }[];
}

function statusOf(result: CallResult): Status {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as unknown as Status;
}

/** Variant files of the batch's two images (`door-640.avif`, …) and any temp file a write left. */
function variantFiles(folder: string): string[] {
  return readdirSync(folder).filter(
    (name) => /^(?:door|fox)-\d+\.(?:avif|webp|jpg)$/u.test(name) || name.startsWith('.'),
  );
}

describe('cancel_batch and web variants', () => {
  const cleanups = cleanupsAfterEach();

  it('stops the variants being made or waiting: files removed, recorded cancelled, not resumed, batch done', async () => {
    cleanups.push(removeTempDirs);
    const fake = await startFakeComfyUI({ models: sd15Models, stepMs: 2, textured: 'photo' });
    cleanups.push(() => fake.close());
    const dataDir = tempDir();
    const site = tempDir();
    const folder = join(site, 'public');
    mkdirSync(folder);
    // The first three encodes go through (the first image's decode, then its first variants, or the second
    // image's decode): one asset is caught half made; everything else waits for a gate never opened.
    const held = gatedPool({ admit: 3 });
    const first = await startTestCore({
      urls: [fake.url],
      dataDir,
      settings: { allowedDirs: [site] },
      tuning: { webPool: held.pool },
    });
    let firstStopped = false;
    cleanups.push(async () => {
      held.open();
      if (!firstStopped) await first.core.stop();
    });
    const agent = await connect('2026', 'http', {
      mcpUrl: first.core.mcpUrl,
      token: first.core.settings.get().mcpToken,
      roots: [site],
    });
    let agentClosed = false;
    cleanups.push(async () => {
      if (!agentClosed) await agent.close();
    });

    const accepted = await agent.call('batch_generate_images', {
      items: [
        { prompt: 'a red door', save_path: 'public/door.png' },
        { prompt: 'a fox in the snow', save_path: 'public/fox.png' },
      ],
      defaults: { workflow: 'sd15', width: 1024, height: 768, web: 'card' },
    });
    expect(accepted.isError, JSON.stringify(accepted.content)).toBeFalsy();
    const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;
    await until(
      () => first.core.scheduler.get(batchId)!.jobs.every((job) => job.state === 'completed'),
      'both images written',
      60_000,
    );
    await until(() => variantFiles(folder).length > 0, 'a first variant written', 120_000);
    await until(() => held.waiting > 0, 'the other variants waiting for the pool');
    const before = statusOf(await agent.call('check_batch_status', { batch_id: batchId }));
    expect(before.done).toBe(false);
    expect(before.items.map((item) => item.web?.status)).toEqual(['pending', 'pending']);

    const cancelled = await agent.call('cancel_batch', { batch_id: batchId });
    expect(cancelled.isError, JSON.stringify(cancelled.content)).toBeFalsy();
    // The images were already finished: only their variants are stopped.
    expect(cancelled.structuredContent).toEqual({ batch_id: batchId, cancelled: 0, already_finished: 2 });

    // Answered once the variants stopped: no variant file, nothing half written, the images kept.
    expect(variantFiles(folder)).toEqual([]);
    expect(existsSync(join(folder, 'door.png'))).toBe(true);
    expect(existsSync(join(folder, 'fox.png'))).toBe(true);
    const after = statusOf(await agent.call('check_batch_status', { batch_id: batchId }));
    expect(after).toMatchObject({ done: true, completed: 2, cancelled: 0 });
    for (const [index, name] of ['door.png', 'fox.png'].entries()) {
      expect(after.items[index]).toMatchObject({
        status: 'completed',
        path: join(folder, name),
        web: { status: 'failed', error: { code: 'cancelled' } },
      });
      expect(after.items[index]!.web!.variants).toBeUndefined();
    }
    expect(after.items[0]!.web!.error!.message).toContain('the image itself is kept');
    expect(held.waiting).toBe(0);

    // Durable: the batch file says so, and the next core on this data folder reports it done without making them.
    await agent.close();
    agentClosed = true;
    await first.core.stop();
    firstStopped = true;
    // Settled (every item and its variants finished): kept with the finished batches.
    const stored = JSON.parse(
      readFileSync(join(dataDir, 'batches', 'finished', `${batchId}.json`), 'utf8'),
    ) as {
      jobs: { state: string; web?: { status: string; error?: { code: string } } }[];
    };
    expect(stored.jobs.map((job) => [job.state, job.web?.status, job.web?.error?.code])).toEqual([
      ['completed', 'failed', 'cancelled'],
      ['completed', 'failed', 'cancelled'],
    ]);
    // Held shut: a resumed asset would wait here, and check_batch_status would say done: false.
    const reopened = gatedPool();
    const second = await startTestCore({
      urls: [fake.url],
      dataDir,
      settings: { allowedDirs: [site] },
      tuning: { webPool: reopened.pool },
    });
    cleanups.push(async () => {
      reopened.open();
      await second.core.stop();
    });
    const again = await connect('2026', 'http', {
      mcpUrl: second.core.mcpUrl,
      token: second.core.settings.get().mcpToken,
      roots: [site],
    });
    cleanups.push(() => again.close());
    const restarted = statusOf(await again.call('check_batch_status', { batch_id: batchId }));
    expect(restarted.done).toBe(true);
    expect(restarted.items.map((item) => [item.status, item.web?.status, item.web?.error?.code])).toEqual([
      ['completed', 'failed', 'cancelled'],
      ['completed', 'failed', 'cancelled'],
    ]);
    expect(reopened.waiting).toBe(0);
    expect(variantFiles(folder)).toEqual([]);
    // ComfyUI made each image once.
    expect(fake.submitted).toHaveLength(2);
  }, 300_000);
});
