import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect } from '../mcp/harness.js';
import { mcpTokenOf } from '../cli/built-cli.js';
import { startTestCore } from '../core/harness.js';
import { gatedPool } from '../web/gated-pool.js';
import { cleanupList, removeDirs, sd15Models, tempDir, until } from './fixtures.js';
import { isBuilt, notBuiltNote, startServe, stopServe } from './serve-process.js';

/*
 * Web variants are part of the durable job: an image whose file was written but whose variants were not (the
 * bridge stopped, or was SIGKILLed while making them) gets them at the next start, with the batch id it had.
 */

interface Web {
  status: string;
  variants?: { path: string; format: string; width: number; height: number; bytes: number }[];
  html?: string;
}
interface Status {
  done: boolean;
  items: { status: string; path?: string; web?: Web }[];
}

const extensions = ['avif', 'webp', 'jpg'];

function variantFiles(folder: string, stem: string): string[] {
  return readdirSync(folder).filter((name) =>
    new RegExp(`^${stem}-\\d+\\.(?:avif|webp|jpg)$`, 'u').test(name),
  );
}

/** Every reported variant is on disk, decodes, and has the reported size and byte count. */
async function expectIntact(web: Web, count: number): Promise<void> {
  expect(web.status).toBe('done');
  expect(web.variants).toHaveLength(count);
  for (const variant of web.variants!) {
    const bytes = readFileSync(variant.path);
    expect(bytes.byteLength, variant.path).toBe(variant.bytes);
    const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height], variant.path).toEqual([variant.width, variant.height]);
  }
}

describe('web variants survive a stop and a crash', () => {
  const cleanups = cleanupList();
  afterEach(() => cleanups.runAll());

  it('a stop before the variants were made: the next start makes them for the same batch', async () => {
    const fake = await startFakeComfyUI({ models: sd15Models, stepMs: 2, textured: 'photo' });
    cleanups.add(() => fake.close());
    const dataDir = tempDir('web-stop-data');
    const site = tempDir('web-stop-site');
    cleanups.add(() => removeDirs(dataDir, site));
    mkdirSync(join(site, 'public'));
    const held = gatedPool();
    const first = await startTestCore({
      urls: [fake.url],
      dataDir,
      settings: { allowedDirs: [site] },
      tuning: { webPool: held.pool },
    });
    const firstClient = await connect('2026', new URL(first.core.mcpUrl), { token: mcpTokenOf(dataDir) });
    const generated = await firstClient.callTool('generate_image', {
      prompt: 'a harbour at night',
      workflow: 'sd15',
      width: 512,
      height: 384,
      save_path: join(site, 'public', 'harbour.png'),
      web: 'thumbnail',
    });
    expect(generated.isError, JSON.stringify(generated.content)).toBeFalsy();
    const { batch_id: batchId } = generated.structuredContent as { batch_id: string };
    await until(() => held.waiting > 0, 'the variants waiting for the pool');
    await firstClient.close();
    await first.core.stop();
    expect(variantFiles(join(site, 'public'), 'harbour')).toEqual([]);
    const stored = JSON.parse(readFileSync(join(dataDir, 'batches', `${batchId}.json`), 'utf8')) as {
      jobs: { state: string; web?: unknown; spec: { web?: unknown } }[];
    };
    expect(stored.jobs[0]).toMatchObject({ state: 'completed', spec: { web: { option: 'thumbnail' } } });
    expect(stored.jobs[0]!.web).toBeUndefined();

    const second = await startTestCore({ urls: [fake.url], dataDir, settings: { allowedDirs: [site] } });
    cleanups.add(() => second.core.stop());
    const secondClient = await connect('2026', new URL(second.core.mcpUrl), { token: mcpTokenOf(dataDir) });
    cleanups.add(() => secondClient.close());
    const after = (
      await secondClient.callTool('check_batch_status', { batch_id: batchId, wait_seconds: 240 })
    ).structuredContent as Status;
    expect(after.done).toBe(true);
    await expectIntact(after.items[0]!.web!, 9);
    expect(variantFiles(join(site, 'public'), 'harbour')).toHaveLength(9);
    // ComfyUI ran the image once: only its variants were made again.
    expect(fake.submitted).toHaveLength(1);
  }, 300_000);

  it('serve SIGKILLed while making variants: the restart replaces what it left and finishes them', async (context) => {
    if (!isBuilt()) {
      console.warn(`web resume crash test skipped: ${notBuiltNote}`);
      context.skip(notBuiltNote);
    }
    const fake = await startFakeComfyUI({ models: sd15Models, stepMs: 2, textured: 'photo' });
    cleanups.add(() => fake.close());
    const dataDir = tempDir('web-crash-data');
    const site = tempDir('web-crash-site');
    cleanups.add(() => removeDirs(dataDir, site));
    const folder = join(site, 'public');
    mkdirSync(folder);
    const args = ['--data-dir', dataDir, '--comfyui', fake.url, '--allow-dir', site];

    const first = await startServe(args);
    cleanups.add(() => stopServe(first, 'SIGKILL'));
    const firstClient = await connect('2026', new URL(first.mcpUrl), { token: mcpTokenOf(dataDir) });
    const generated = await firstClient.callTool('generate_image', {
      prompt: 'a lake at dawn',
      workflow: 'sd15',
      width: 1024,
      height: 768,
      save_path: join(folder, 'lake.png'),
      web: 'hero',
    });
    expect(generated.isError, JSON.stringify(generated.content)).toBeFalsy();
    const { batch_id: batchId } = generated.structuredContent as { batch_id: string };
    // Killed once the first variant is written: the others are still being made.
    await until(() => variantFiles(folder, 'lake').length > 0, 'a first variant written', 120_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await firstClient.close().catch(() => undefined);
    const leftAtCrash = variantFiles(folder, 'lake');
    expect(leftAtCrash.length).toBeGreaterThan(0);
    expect(leftAtCrash.length).toBeLessThan(12);

    const second = await startServe(args);
    cleanups.add(() => stopServe(second));
    const secondClient = await connect('2026', new URL(second.mcpUrl), { token: mcpTokenOf(dataDir) });
    cleanups.add(() => secondClient.close());
    const after = (
      await secondClient.callTool('check_batch_status', { batch_id: batchId, wait_seconds: 240 })
    ).structuredContent as Status;
    expect(after.done).toBe(true);
    expect(after.items[0]).toMatchObject({ status: 'completed', path: join(folder, 'lake.png') });
    const web = after.items[0]!.web!;
    await expectIntact(web, 12);
    expect(new Set(web.variants!.map((variant) => variant.path.split('.').pop()))).toEqual(
      new Set(extensions),
    );
    expect(variantFiles(folder, 'lake').sort()).toEqual(
      web.variants!.map((variant) => variant.path.slice(folder.length + 1)).sort(),
    );
    // No temp file of an interrupted write is left beside them.
    expect(readdirSync(folder).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(existsSync(join(folder, 'lake.png'))).toBe(true);
    expect(fake.submitted).toHaveLength(1);
  }, 300_000);
});
