import { mkdirSync, readFileSync, symlinkSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSd15Fake, startTestCore, tempDirs, toolContext, type CoreFixture } from '../core/harness.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';

/*
 * The MCP App's core side (bridge/result-app.ts) against the real core and the fake ComfyUI: thumbnails and the
 * pick act only on finished items of known batches, and only when the batch's images are variants of one file.
 */

const { tempDir, removeTempDirs } = tempDirs('bridge-result-app-');
let fake: FakeComfyUI;
let fixture: CoreFixture;
let workspace: string;

beforeAll(async () => {
  workspace = tempDir();
  fake = await startSd15Fake();
  fixture = await startTestCore({ urls: [fake.url], settings: { allowedDirs: [workspace] } });
});
afterAll(async () => {
  await fixture.core.stop();
  await fake.close();
  removeTempDirs();
});

async function finishedBatch(saves: string[]): Promise<string> {
  const { core } = fixture;
  const { ctx } = toolContext();
  const { batch_id } = await core.service.batchGenerateImages(
    {
      project_dir: workspace,
      defaults: { prompt: 'a kettle', width: 64, height: 64 },
      items: saves.map((save_path, seed) => ({ save_path, seed })),
    },
    ctx,
  );
  await core.service.checkBatchStatus({ batch_id, wait_seconds: 60 }, ctx);
  return batch_id;
}

it('refuses unknown batches, unfinished items, and images that are not variants of one file', async () => {
  const { resultApp } = fixture.core;
  await expect(resultApp.keepVariant('no-such-batch', 0)).rejects.toMatchObject({ code: 'unknown_batch' });
  const mixed = await finishedBatch(['mixed/a-1.png', 'mixed/b-2.png']);
  await expect(resultApp.keepVariant(mixed, 0)).rejects.toMatchObject({ code: 'not_variants' });
  await expect(resultApp.keepVariant(mixed, 5)).rejects.toMatchObject({ code: 'not_finished' });
  expect(await resultApp.thumbnail(mixed, 5, new AbortController().signal)).toBeUndefined();
  const thumb = await resultApp.thumbnail(mixed, 1, new AbortController().signal);
  expect(thumb?.subarray(8, 12).toString()).toBe('WEBP');
});

it('keeps the chosen variant at the shared path, and leaves the variants and their gallery records', async () => {
  const batchId = await finishedBatch(['pots/pot-1.png', 'pots/pot-2.png']);
  const kept = await fixture.core.resultApp.keepVariant(batchId, 0);
  expect(kept.path).toBe(join(workspace, 'pots', 'pot.png'));
  expect(kept.replaced_kept_at).toBeUndefined();
  expect(readFileSync(kept.path).equals(readFileSync(join(workspace, 'pots', 'pot-1.png')))).toBe(true);
  expect(existsSync(join(workspace, 'pots', 'pot-2.png'))).toBe(true);
  const paths = (await fixture.core.gallery.loaded())
    .list({ query: 'kettle' })
    .items.map((record) => record.path);
  expect(paths).toEqual(expect.arrayContaining([kept.path, join(workspace, 'pots', 'pot-2.png')]));
});

it('writes nothing when the folder became a link out of the allowed folders', async () => {
  const batchId = await finishedBatch(['cups/cup-1.png', 'cups/cup-2.png']);
  const outside = tempDir('bridge-result-app-outside-');
  rmSync(join(workspace, 'cups'), { recursive: true });
  mkdirSync(join(outside, 'cups'));
  symlinkSync(join(outside, 'cups'), join(workspace, 'cups'));
  // The record's file is no longer where it was made: refused before anything is read or written.
  await expect(fixture.core.resultApp.keepVariant(batchId, 0)).rejects.toMatchObject({
    code: 'file_missing',
  });
  expect(existsSync(join(outside, 'cups', 'cup.png'))).toBe(false);
});
