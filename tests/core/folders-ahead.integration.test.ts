/**
 * A PNG's save folder opened while ComfyUI runs the job, so that the download streams into its temp file from the
 * first byte (electron/bridge/folders-ahead.ts, issue 16): opened when the job starts running, closed when it stops
 * any other way, and used only if the save path still leads to it when the image comes.
 */
import { mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import {
  cleanupsAfterEach,
  generateSd15,
  startCoreOnSd15Fake,
  tempDirs,
  until,
  type CoreFixture,
} from './harness.js';

const { tempDir, removeTempDirs } = tempDirs('folders-ahead-');
afterAll(removeTempDirs);

/** How many of this process's descriptors are open on `folder` (Linux: /proc/self/fd). */
function descriptorsOn(folder: string): number {
  const real = realpathSync(folder);
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(join('/proc/self/fd', fd)) === real;
    } catch {
      return false; // closed since the listing
    }
  }).length;
}

describe.runIf(process.platform === 'linux')('a PNG job’s save folder, opened while ComfyUI runs', () => {
  const cleanups = cleanupsAfterEach();

  async function setUp(): Promise<{ fake: FakeComfyUI; fixture: CoreFixture; folder: string }> {
    const outputDir = tempDir();
    const { fake, fixture } = await startCoreOnSd15Fake(cleanups, { dataDir: tempDir(), outputDir });
    const folder = join(outputDir, 'images');
    mkdirSync(folder);
    return { fake, fixture, folder };
  }

  const generate = (fixture: CoreFixture, folder: string) =>
    generateSd15(fixture, 'a folder opened ahead', join(folder, 'image.png'));

  it('is open during the run and closed when the run is cancelled', async () => {
    const { fake, fixture, folder } = await setUp();
    fake.holdSampling(true);
    const answer = generate(fixture, folder).catch((error: unknown) => error);
    await until(() => fake.queueLength === 1, 'ComfyUI runs the prompt');
    await until(() => descriptorsOn(folder) === 1, 'the save folder is open before the image comes');
    const [batch] = fixture.core.scheduler.list();
    await fixture.core.scheduler.cancel(batch!.id);
    await answer;
    await until(() => descriptorsOn(folder) === 0, 'the folder is closed once the job is cancelled');
    fake.holdSampling(false);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('is not used once the path leads to another folder: the image goes where the path leads now', async () => {
    const { fake, fixture, folder } = await setUp();
    fake.holdSampling(true);
    const answer = generate(fixture, folder);
    await until(() => descriptorsOn(folder) === 1, 'the save folder is open before the image comes');
    const moved = `${folder}-moved`;
    renameSync(folder, moved);
    mkdirSync(folder);
    fake.holdSampling(false);
    const result = await answer;
    expect(result.status).toBe('completed');
    expect(result.images[0]!.path).toBe(join(folder, 'image.png'));
    expect(await sharp(join(folder, 'image.png')).metadata()).toMatchObject({ width: 64, format: 'png' });
    expect(readdirSync(moved)).toEqual([]);
    await until(() => descriptorsOn(moved) === 0, 'the folder opened ahead is closed');
  });
});
