import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultFileName } from '../../electron/bridge/file-names.js';
import { removeDirs, startSd15Fake, startTestCore, toolContext, until } from '../core/harness.js';

// Issue 11 §3: a save_path naming a folder wrote a hidden ".png" into it ("." wrote "..png").
describe('a save_path that names a folder', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const comfy = await startSd15Fake();
    cleanups.push(() => comfy.close());
    const fixture = await startTestCore({ urls: [comfy.url] });
    const project = mkdtempSync(join(tmpdir(), 'project-'));
    cleanups.push(async () => {
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir, project);
    });
    await until(() => fixture.core.pool.snapshot().some((backend) => backend.available), 'a backend');
    return { core: fixture.core, project };
  }

  it('writes the generated name into that folder, for "dir/", ".", and an existing folder', async () => {
    const { core, project } = await setup();
    mkdirSync(join(project, 'existing'));
    const { ctx } = toolContext({ roots: [project] });
    const cases = [
      { save_path: 'made/', folder: join(project, 'made') },
      { save_path: '.', folder: project },
      { save_path: 'existing', folder: join(project, 'existing') },
    ];
    for (const [index, { save_path, folder }] of cases.entries()) {
      const seed = 100 + index;
      const result = await core.service.generateImage(
        { prompt: 'a red fox', save_path, seed, workflow: 'sd15', width: 64, height: 64 },
        ctx,
      );
      expect(result.status).toBe('completed');
      expect(result.images[0]!.path).toBe(join(folder, defaultFileName('a red fox', seed, 'png')));
    }
    const hidden = [project, join(project, 'made'), join(project, 'existing')].flatMap((dir) =>
      readdirSync(dir).filter((name) => name.startsWith('.')),
    );
    expect(hidden).toEqual([]);
  });

  it('gives batch items in one folder distinct generated names', async () => {
    const { core, project } = await setup();
    const { ctx } = toolContext({ roots: [project] });
    const accepted = await core.service.batchGenerateImages(
      {
        items: [{ prompt: 'one' }, { prompt: 'one' }],
        defaults: { save_path: 'sprites/', seed: 7, workflow: 'sd15', width: 64, height: 64, format: 'webp' },
      },
      ctx,
    );
    const status = await core.service.checkBatchStatus(
      { batch_id: accepted.batch_id, wait_seconds: 60 },
      ctx,
    );
    expect(status).toMatchObject({ done: true, completed: 2 });
    expect(readdirSync(join(project, 'sprites')).sort()).toEqual([
      defaultFileName('one', 7, 'webp', '-1'),
      defaultFileName('one', 7, 'webp', '-2'),
    ]);
  });
});
