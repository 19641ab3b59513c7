import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDirs, startSd15Fake, startTestCore, toolContext } from '../core/harness.js';

// Issue 11 §3: the WebP tools (now convert_image) refused an existing output with "Pass overwrite: true", a
// parameter they did not have (the schema dropped it), so an agent following the advice looped.
describe('convert_image with overwrite', () => {
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
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c33' } })
      .png()
      .toBuffer();
    writeFileSync(join(project, 'a.png'), png);
    writeFileSync(join(project, 'a.webp'), 'an older webp');
    return { ...fixture, project, ctx: toolContext({ roots: [project] }).ctx };
  }

  it('refuses an existing output for one path, then replaces it when asked as the error says', async () => {
    const { core, project, dataDir, ctx } = await setup();
    await expect(core.service.convertImage({ paths: ['a.png'] }, ctx)).rejects.toMatchObject({
      code: 'write_exists',
      message: expect.stringMatching(/Pass overwrite: true/) as string,
    });
    const result = await core.service.convertImage({ paths: ['a.png'], overwrite: true }, ctx);
    expect(result.results[0]!.output_path).toBe(join(project, 'a.webp'));
    expect((await sharp(join(project, 'a.webp')).metadata()).format).toBe('webp');
    expect(readdirSync(join(dataDir, 'replaced'), { recursive: true }).join()).toContain('a.webp');
  });

  it('passes overwrite to each item of a folder', async () => {
    const { core, project, ctx } = await setup();
    const refused = await core.service.convertImage({ directory: '.' }, ctx);
    expect(refused.results[0]!.error).toMatchObject({
      code: 'write_exists',
      message: expect.stringMatching(/Pass overwrite: true/) as string,
    });
    const replaced = await core.service.convertImage({ directory: '.', overwrite: true }, ctx);
    expect(replaced).toMatchObject({ converted: 1, failed: 0 });
    expect((await sharp(join(project, 'a.webp')).metadata()).format).toBe('webp');
  });
});
