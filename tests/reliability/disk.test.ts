import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toolContext } from '../core/harness.js';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';
import { tmpfsSkipNote, tryMountTmpfs, unmount } from '../images/tmpfs.js';
import { cleanupList, removeDirs, sd15Models, startReliabilityCore, tempDir } from './fixtures.js';

/*
 * The save location cannot take the file: a full disk (a real ENOSPC from a tiny tmpfs), a read-only file system
 * (EROFS), or a folder without write permission (EACCES, only meaningful when not running as root). Each gives
 * the agent an error that names the cause and what to do, and leaves no partial file behind.
 */

const request = { workflow: 'test-pattern', width: 256, height: 256, wait_seconds: 30 };

describe('disk problems at the save location', () => {
  const cleanups = cleanupList();
  afterEach(() => cleanups.runAll());

  async function bridgeAllowing(folder: string) {
    const fake = await startFakeComfyUI({ models: sd15Models, stepMs: 1 });
    cleanups.add(() => fake.close());
    const fixture = await startReliabilityCore({ urls: [fake.url], settings: { allowedDirs: [folder] } });
    cleanups.add(() => removeDirs(fixture.dataDir, fixture.outputDir));
    cleanups.add(() => fixture.core.stop());
    return fixture;
  }

  function mounted(options: { sizeKb: number; readOnly?: boolean }): string | undefined {
    const base = tempDir('disk');
    const disk = join(base, 'disk');
    mkdirSync(disk);
    cleanups.add(() => removeDirs(base));
    if (!tryMountTmpfs(disk, options)) return undefined;
    cleanups.add(() => unmount(disk));
    return disk;
  }

  it('a full disk: write_disk_full, saying to free space, and no partial file', async (context) => {
    const disk = mounted({ sizeKb: 64 });
    if (!disk) {
      console.warn(`full-disk test skipped: ${tmpfsSkipNote}`);
      return context.skip(tmpfsSkipNote);
    }
    // Fill the disk to the last block.
    for (let i = 0; ; i++) {
      try {
        writeFileSync(join(disk, `filler-${i}`), Buffer.alloc(4096, 1));
      } catch {
        break;
      }
    }
    const before = readdirSync(disk).sort();
    const { core } = await bridgeAllowing(disk);
    const { ctx } = toolContext();
    await expect(
      core.service.generateImage({ prompt: 'no room', save_path: join(disk, 'full.png'), ...request }, ctx),
    ).rejects.toMatchObject({
      code: 'write_disk_full',
      message: expect.stringMatching(/disk holding .* is full \(ENOSPC\)\. Free some space/) as unknown,
    });
    expect(readdirSync(disk).sort()).toEqual(before);
  });

  it('a read-only file system: write_not_writable, naming the folder, and no partial file', async (context) => {
    const disk = mounted({ sizeKb: 64, readOnly: true });
    if (!disk) {
      console.warn(`read-only test skipped: ${tmpfsSkipNote}`);
      return context.skip(tmpfsSkipNote);
    }
    const { core } = await bridgeAllowing(disk);
    const { ctx } = toolContext();
    await expect(
      core.service.generateImage({ prompt: 'read only', save_path: join(disk, 'ro.png'), ...request }, ctx),
    ).rejects.toMatchObject({
      code: 'write_not_writable',
      message: expect.stringMatching(
        /is not writable \(EROFS\)\. Choose a save path in a writable folder/,
      ) as unknown,
    });
    expect(readdirSync(disk)).toEqual([]);
  });

  it('a folder without write permission: write_not_writable and no partial file', async (context) => {
    if (process.getuid?.() === 0) {
      const note = 'root ignores folder permissions; the read-only file system test covers this case';
      console.warn(`permission test skipped: ${note}`);
      return context.skip(note);
    }
    const folder = join(tempDir('locked'), 'locked');
    mkdirSync(folder);
    chmodSync(folder, 0o500);
    cleanups.add(() => chmodSync(folder, 0o700));
    const { core } = await bridgeAllowing(folder);
    const { ctx } = toolContext();
    await expect(
      core.service.generateImage({ prompt: 'locked', save_path: join(folder, 'x.png'), ...request }, ctx),
    ).rejects.toMatchObject({ code: 'write_not_writable' });
    expect(readdirSync(folder)).toEqual([]);
  });
});
