import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runnableConnections } from './connections.js';
import { startTestCore, tempDirs, until, type CoreFixture } from '../core/harness.js';
import { connect, type E2eClient } from '../mcp-e2e/clients.js';
import {
  differing,
  editedImage,
  editWorkflowsDir,
  projectWithSource,
  rgba,
} from '../mcp-e2e/edit-fixtures.js';

/*
 * edit_image against a REAL ComfyUI (../../../shared/comfyui/real/): every mode through MCP, both client eras, over
 * HTTP and through the built stdio shim, with the model-free edit workflows (tests/fixtures/edit-workflows: core
 * nodes plus SlowProgress), so the source really is uploaded to ComfyUI's input folder and read by LoadImage. The
 * pixels are ComfyUI's own: ImageInvert inverts, ImagePadForOutpaint pads, JoinImageWithAlpha cuts out. Run with
 *   COMFYUI_URL=http://127.0.0.1:8188 npm run test:comfyui
 */

const url = process.env.COMFYUI_URL;
const runnable = runnableConnections(url);
const { tempDir, removeTempDirs } = tempDirs('bridge-real-edit-');

/** The RGBA pixel at (x, y). */
function pixel(image: { data: Buffer; width: number }, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return [...image.data.subarray(at, at + 4)];
}

if (!url) {
  describe.skip('COMFYUI_URL not set: edit_image against a real ComfyUI is skipped', () => {});
} else {
  describe.each(runnable)('real ComfyUI: edit_image, %s-era client over %s', (era, via) => {
    let fixture: CoreFixture;
    let workspace: string;
    let client: E2eClient | undefined;
    let sites = 0;

    beforeAll(async () => {
      workspace = tempDir();
      fixture = await startTestCore({
        urls: [url],
        settings: { allowedDirs: [workspace], userWorkflowsDir: editWorkflowsDir },
      });
      await until(() => fixture.core.pool.snapshot().some((backend) => backend.available), 'ComfyUI healthy');
    });
    afterEach(async () => {
      await client?.close();
      client = undefined;
    });
    afterAll(async () => {
      await fixture.core.stop();
      removeTempDirs();
    });

    const open = async () => {
      const project = await projectWithSource(workspace, `site-${era}-${via}-${++sites}`);
      client = await connect(era, via, {
        mcpUrl: fixture.core.mcpUrl,
        token: fixture.core.settings.get().mcpToken,
        shimArgs: ['--data-dir', fixture.dataDir],
        cwd: project.site,
        roots: [project.site],
      });
      return { ...project, agent: client, before: readFileSync(project.hero) };
    };

    it('restyle and upscale: exact sizes, ComfyUI’s pixels, the source untouched', async () => {
      const { agent, hero, site, before } = await open();
      const restyled = editedImage(
        await agent.call('edit_image', { image: 'public/hero.png', mode: 'restyle', prompt: 'a poster' }),
      );
      expect(restyled).toMatchObject({
        path: join(site, 'public', 'hero.edited.png'),
        width: 40,
        height: 30,
      });
      // The model-free restyle inverts: the blue left half turns yellow (ComfyUI computes in float32, so an
      // inverted 200 comes back as 54 or 55).
      const [red, green, blue, alpha] = pixel(await rgba(restyled.path), 5, 5);
      expect([red, green, alpha]).toEqual([255, 235, 255]);
      expect(Math.abs(blue! - 55)).toBeLessThanOrEqual(1);

      const upscaled = editedImage(
        await agent.call('edit_image', { image: hero, mode: 'upscale', scale: 2 }),
      );
      expect(await sharp(upscaled.path).metadata()).toMatchObject({ width: 80, height: 60, format: 'png' });
      expect(readFileSync(hero).equals(before)).toBe(true);
    });

    it('inpaint with a region: outside it every pixel is the source, inside it ComfyUI’s', async () => {
      const { agent, hero, before } = await open();
      const region = { x: 4, y: 3, width: 20, height: 10 };
      const image = editedImage(
        await agent.call('edit_image', { image: hero, mode: 'inpaint', prompt: 'a hat', region }),
      );
      const inside = (x: number, y: number) =>
        x >= region.x && x < region.x + region.width && y >= region.y && y < region.y + region.height;
      const [edited, original] = await Promise.all([rgba(image.path), rgba(hero)]);
      expect([edited.width, edited.height]).toEqual([40, 30]);
      expect(differing(edited, original, (x, y) => !inside(x, y))).toBe(0);
      expect(differing(edited, original, inside)).toBe(region.width * region.height);
      expect(readFileSync(hero).equals(before)).toBe(true);
    });

    it('outpaint: the exact padded size, the source moved by the padding', async () => {
      const { agent, hero } = await open();
      const extend = { left: 64, right: 0, top: 10, bottom: 20 };
      const image = editedImage(
        await agent.call('edit_image', { image: hero, mode: 'outpaint', prompt: 'more sky', extend }),
      );
      expect([image.width, image.height]).toEqual([104, 60]);
      const written = await rgba(image.path);
      expect([written.width, written.height]).toEqual([104, 60]);
      expect(pixel(written, 64 + 5, 10 + 5)).toEqual([0, 20, 200, 255]);
    });

    it('remove_background: alpha measured on the written file', async () => {
      const { agent, hero, site } = await open();
      const image = editedImage(await agent.call('edit_image', { image: hero, mode: 'remove_background' }));
      expect(image).toMatchObject({ path: join(site, 'public', 'hero.cutout.png'), has_alpha: true });
      // The white right half becomes transparent, the blue left half stays opaque.
      expect(image.transparent_fraction).toBeCloseTo(0.5, 2);
      const written = await rgba(image.path);
      expect(pixel(written, 5, 5)).toEqual([0, 20, 200, 255]);
      expect(pixel(written, 35, 5)[3]).toBe(0);
    });
  });
}
