// One file: the cases share one fake ComfyUI running the model-free edit workflows and the core and client
// helpers at the top.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { cleanupsAfterEach, startTestCore, tempDirs, until, type CoreFixture } from '../core/harness.js';
import { isBuilt, notBuiltMessage } from '../cli/built-cli.js';
import { connect, type E2eClient, type Era } from './clients.js';
import {
  differing,
  editedImage,
  editWorkflowsDir,
  projectWithSource,
  rgba,
  sourcePng,
} from './edit-fixtures.js';

/*
 * Edits as batch items, cancelled, across a restart of the core, on a source changed after acceptance, and through
 * the stdio shim: real MCP clients, the real core, real files, the fake ComfyUI with the model-free edit workflows.
 */

const { tempDir, removeTempDirs } = tempDirs('bridge-edit-batch-');
const cleanups = cleanupsAfterEach();

interface ItemStatus {
  index: number;
  status: string;
  path?: string;
  width?: number;
  height?: number;
  error?: { code: string; message: string };
}
interface BatchStatus {
  done: boolean;
  completed: number;
  cancelled: number;
  failed: number;
  items: ItemStatus[];
}

let fake: FakeComfyUI;
beforeAll(async () => {
  fake = await startFakeComfyUI({ stepMs: 2 });
});
afterAll(async () => {
  await fake.close();
  removeTempDirs();
});

async function startCore(options: { dataDir?: string; outputDir?: string; workspace: string }) {
  return startTestCore({
    urls: [fake.url],
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.outputDir ? { outputDir: options.outputDir } : {}),
    settings: { allowedDirs: [options.workspace], userWorkflowsDir: editWorkflowsDir },
  });
}

async function openHttp(era: Era, fixture: CoreFixture, roots?: string[]): Promise<E2eClient> {
  const client = await connect(era, 'http', {
    mcpUrl: fixture.core.mcpUrl,
    token: fixture.core.settings.get().mcpToken,
    ...(roots ? { roots } : {}),
  });
  cleanups.push(() => client.close());
  return client;
}

async function submit(agent: E2eClient, args: Record<string, unknown>): Promise<string> {
  const result = await agent.call('batch_generate_images', args);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return (result.structuredContent as { batch_id: string }).batch_id;
}

async function finished(agent: E2eClient, batchId: string): Promise<BatchStatus> {
  for (;;) {
    const result = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 20 });
    const status = result.structuredContent as unknown as BatchStatus;
    if (status.done) return status;
  }
}

describe.each<Era>(['2025', '2026'])('%s-era client over HTTP: edits in batches', (era) => {
  let fixture: CoreFixture;
  let workspace: string;
  let sites = 0;
  beforeAll(async () => {
    workspace = tempDir();
    fixture = await startCore({ workspace });
  });
  afterAll(() => fixture.core.stop());
  const project = () => projectWithSource(workspace, `site-${++sites}`);

  it('five variants of one product shot, and a cut-out, are one batch', async () => {
    const { site, hero } = await project();
    const agent = await openHttp(era, fixture, [site]);
    const batchId = await submit(agent, {
      defaults: { image: 'public/hero.png', mode: 'restyle', prompt: 'studio light' },
      items: [
        { seed: 1 },
        { seed: 2 },
        { seed: 3, strength: 0.2 },
        { seed: 4, mode: 'outpaint', extend: { left: 8, right: 8 } },
        { seed: 5, mode: 'upscale', prompt: undefined },
        { mode: 'remove_background' },
      ],
    });
    const status = await finished(agent, batchId);
    expect(status, JSON.stringify(status.items)).toMatchObject({ completed: 6, failed: 0 });
    const expected: [string, number, number][] = [
      ['hero.edited-1.png', 40, 30],
      ['hero.edited-2.png', 40, 30],
      ['hero.edited-3.png', 40, 30],
      ['hero.extended-4.png', 56, 30],
      ['hero.upscaled-5.png', 80, 60],
      ['hero.cutout-6.png', 40, 30],
    ];
    for (const [index, [name, width, height]] of expected.entries()) {
      const item = status.items[index]!;
      expect(item).toMatchObject({ path: join(site, 'public', name), width, height });
      expect(await sharp(item.path).metadata()).toMatchObject({ width, height });
    }
    expect((await sharp(status.items[5]!.path).metadata()).hasAlpha).toBe(true);
    expect(readFileSync(hero).equals(await sourcePng())).toBe(true);
  });

  it('a bad edit item refuses the whole batch, naming the item', async () => {
    const { site } = await project();
    const agent = await openHttp(era, fixture, [site]);
    const result = await agent.call('batch_generate_images', {
      items: [{ prompt: 'fine' }, { image: 'public/hero.png', prompt: 'no mode' }],
    });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({
      error: { code: 'invalid_arguments', message: 'items[1]: an edit item needs both image and mode.' },
    });
    const generateWithMask = await agent.call('batch_generate_images', {
      items: [{ prompt: 'a fox', mask: 'public/hero.png' }],
    });
    expect(generateWithMask.structuredContent).toMatchObject({
      error: {
        code: 'invalid_arguments',
        message: 'items[0]: mask applies to edits: give image and mode too.',
      },
    });
  });

  it('cancel stops an edit batch: its edits leave ComfyUI and write nothing', async () => {
    const { site } = await project();
    const agent = await openHttp(era, fixture, [site]);
    fake.holdSampling(true);
    cleanups.push(() => fake.holdSampling(false));
    const batchId = await submit(agent, {
      defaults: { image: 'public/hero.png', mode: 'restyle', prompt: 'held' },
      items: [{ seed: 1 }, { seed: 2 }],
    });
    await until(
      () => fixture.core.scheduler.get(batchId)!.jobs.some((job) => job.state === 'running'),
      'an edit running',
    );
    const cancelled = await agent.call('cancel_batch', { batch_id: batchId });
    expect(cancelled.structuredContent).toMatchObject({ cancelled: 2, already_finished: 0 });
    fake.holdSampling(false);
    const status = await finished(agent, batchId);
    expect(status).toMatchObject({ cancelled: 2, completed: 0 });
    await until(() => fake.queueLength === 0, 'ComfyUI idle');
    // Nothing was written for the cancelled edits, and ComfyUI ran neither to the end.
    expect(existsSync(join(site, 'public', 'hero.edited-1.png'))).toBe(false);
    expect(existsSync(join(site, 'public', 'hero.edited-2.png'))).toBe(false);
    for (const job of fixture.core.scheduler.get(batchId)!.jobs)
      expect(fake.executions.get(job.dispatch?.promptId ?? `${job.id}-1`) ?? 0).toBe(0);
  });

  it('a source changed after the call was accepted fails its edit as source_changed', async () => {
    const { site, hero } = await project();
    const agent = await openHttp(era, fixture, [site]);
    fixture.core.scheduler.setPaused(true);
    cleanups.push(() => fixture.core.scheduler.setPaused(false));
    const batchId = await submit(agent, { items: [{ image: hero, mode: 'upscale' }] });
    writeFileSync(
      hero,
      await sharp({ create: { width: 40, height: 30, channels: 3, background: '#f00' } })
        .png()
        .toBuffer(),
    );
    fixture.core.scheduler.setPaused(false);
    const status = await finished(agent, batchId);
    expect(status.items[0]).toMatchObject({ status: 'failed', error: { code: 'source_changed' } });
    expect(status.items[0]!.error!.message).toContain(hero);
    expect(existsSync(join(site, 'public', 'hero.upscaled-1.png'))).toBe(false);
  });
});

describe('restart in the middle of an edit batch', () => {
  it('stops the core with edits in flight; the next core on the same data folder finishes them, each run once', async () => {
    const workspace = tempDir();
    const dataDir = tempDir('bridge-edit-data-');
    const outputDir = tempDir('bridge-edit-out-');
    const { site, hero } = await projectWithSource(workspace, 'site');
    const region = { x: 0, y: 0, width: 10, height: 30 };

    const first = await startCore({ workspace, dataDir, outputDir });
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await first.core.stop();
    });
    fake.holdSampling(true);
    cleanups.push(() => fake.holdSampling(false));
    const agent = await openHttp('2026', first, [site]);
    const batchId = await submit(agent, {
      items: [
        { image: 'public/hero.png', mode: 'inpaint', prompt: 'a door', region },
        { image: 'public/hero.png', mode: 'upscale', scale: 4 },
      ],
    });
    await until(
      () => first.core.scheduler.get(batchId)!.jobs.some((job) => job.state === 'running'),
      'an edit running',
    );
    await agent.close();
    await first.core.stop();
    stopped = true;
    // ComfyUI finishes the run while no bridge listens; the next core collects it rather than running it again.
    fake.holdSampling(false);

    const second = await startCore({ workspace, dataDir, outputDir });
    cleanups.push(() => second.core.stop());
    const again = await openHttp('2025', second, [site]);
    const status = await finished(again, batchId);
    expect(status, JSON.stringify(status.items)).toMatchObject({ completed: 2, failed: 0 });
    const inpainted = status.items[0]!.path!;
    expect(inpainted).toBe(join(site, 'public', 'hero.edited-1.png'));
    const [edited, original] = await Promise.all([rgba(inpainted), rgba(hero)]);
    const inside = (x: number) => x < region.width;
    expect(differing(edited, original, (x) => !inside(x))).toBe(0);
    expect(differing(edited, original, inside)).toBeGreaterThan(0);
    expect(await sharp(status.items[1]!.path).metadata()).toMatchObject({ width: 160, height: 120 });
    for (const job of second.core.scheduler.get(batchId)!.jobs)
      expect(fake.submitted.filter((prompt) => prompt.promptId.startsWith(job.id))).toHaveLength(1);
  });
});

describe('failover of an edit', () => {
  it('a backend killed mid-edit: the edit goes to the other backend, which gets the source uploaded too', async () => {
    const fakes = [await startFakeComfyUI({ stepMs: 2 }), await startFakeComfyUI({ stepMs: 2 })];
    cleanups.push(async () => {
      for (const one of fakes) await one.close();
    });
    const workspace = tempDir();
    const { site } = await projectWithSource(workspace, 'site');
    const fixture = await startTestCore({
      urls: fakes.map((one) => one.url),
      settings: { allowedDirs: [workspace], userWorkflowsDir: editWorkflowsDir },
    });
    cleanups.push(() => fixture.core.stop());
    for (const one of fakes) one.holdSampling(true);
    const agent = await openHttp('2026', fixture, [site]);
    const batchId = await submit(agent, { items: [{ image: 'public/hero.png', mode: 'upscale' }] });
    await until(() => fakes.some((one) => one.queueLength > 0), 'the edit on a backend');
    const victim = fakes.find((one) => one.queueLength > 0)!;
    const survivor = fakes.find((one) => one !== victim)!;
    expect([victim.uploadRequests, survivor.uploadRequests]).toEqual([1, 0]);
    survivor.holdSampling(false);
    await victim.kill();
    const status = await finished(agent, batchId);
    expect(status.items[0], JSON.stringify(status.items)).toMatchObject({
      status: 'completed',
      width: 80,
      height: 60,
    });
    expect(survivor.uploadRequests).toBe(1);
    const job = fixture.core.scheduler.get(batchId)!.jobs[0]!;
    expect([job.dispatch?.backend, job.attempts]).toEqual([survivor.url, 2]);
    expect(status.items[0]!.path).toBe(join(site, 'public', 'hero.upscaled-1.png'));
  });
});

describe('an upload that gets no answer', () => {
  it('is sent again after a pause, like a POST /prompt without answer, and the edit completes', async () => {
    const one = await startFakeComfyUI({ stepMs: 2 });
    cleanups.push(() => one.close());
    const workspace = tempDir();
    const { site } = await projectWithSource(workspace, 'site');
    const fixture = await startTestCore({
      urls: [one.url],
      settings: { allowedDirs: [workspace], userWorkflowsDir: editWorkflowsDir },
      tuning: { comfyRequestTimeoutMs: 1_000 },
    });
    cleanups.push(() => fixture.core.stop());
    const agent = await openHttp('2026', fixture, [site]);
    one.setHangingPaths(['/upload/image']);
    const batchId = await submit(agent, { items: [{ image: 'public/hero.png', mode: 'upscale' }] });
    const job = fixture.core.scheduler.get(batchId)!.jobs[0]!;
    await until(() => job.attempts === 1 && job.state === 'pending', 'the first upload given up on');
    one.setHangingPaths([]);
    const status = await finished(agent, batchId);
    expect(status.items[0], JSON.stringify(status.items)).toMatchObject({ status: 'completed', width: 80 });
    expect(job.attempts).toBe(2);
  });
});

describe.skipIf(!isBuilt).each<Era>(['2025', '2026'])(
  '%s-era client through the stdio shim: edit_image',
  (era) => {
    if (!isBuilt) console.warn(`tests/mcp-e2e: ${notBuiltMessage}`);
    it('edits a source relative to the shim folder, in a core the shim starts itself', async () => {
      const dataDir = tempDir('bridge-edit-shim-data-');
      const { site, hero } = await projectWithSource(tempDir('bridge-edit-shim-'), 'site');
      const client = await connect(era, 'stdio', {
        shimArgs: [
          '--port',
          '0',
          '--data-dir',
          dataDir,
          '--output-dir',
          join(dataDir, 'out'),
          '--comfyui',
          fake.url,
          '--workflows-dir',
          editWorkflowsDir,
        ],
        cwd: site,
      });
      cleanups.push(() => client.close());
      const upscaled = editedImage(
        await client.call('edit_image', { image: 'public/hero.png', mode: 'upscale' }),
      );
      expect(upscaled).toMatchObject({
        path: join(site, 'public', 'hero.upscaled.png'),
        width: 80,
        height: 60,
        source: hero,
      });
      const cutout = editedImage(
        await client.call('edit_image', {
          image: 'public/hero.png',
          mode: 'remove_background',
          save_path: 'cut.webp',
        }),
      );
      expect(cutout).toMatchObject({ path: join(site, 'cut.webp'), has_alpha: true });
      expect(await sharp(cutout.path).metadata()).toMatchObject({ format: 'webp', hasAlpha: true });
      // The other three modes through the shim too: exact sizes beside the source.
      const restyled = editedImage(
        await client.call('edit_image', { image: 'public/hero.png', mode: 'restyle', prompt: 'a poster' }),
      );
      expect(restyled).toMatchObject({
        path: join(site, 'public', 'hero.edited.png'),
        width: 40,
        height: 30,
      });
      const region = { x: 0, y: 0, width: 10, height: 10 };
      const inpainted = editedImage(
        await client.call('edit_image', { image: hero, mode: 'inpaint', prompt: 'a hat', region }),
      );
      expect([inpainted.width, inpainted.height]).toEqual([40, 30]);
      const extend = { left: 8, right: 8, top: 0, bottom: 4 };
      const extended = editedImage(
        await client.call('edit_image', { image: hero, mode: 'outpaint', prompt: 'sky', extend }),
      );
      expect(await sharp(extended.path).metadata()).toMatchObject({ width: 56, height: 34 });
    });
  },
);
