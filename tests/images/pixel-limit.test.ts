import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertImage } from '../../electron/images/convert.js';
import { ImageTooLargeError } from '../../electron/images/pixel-limit.js';
import { renderImage } from './joined.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { removeDirs, startSd15Fake, startTestCore, toolContext, type CoreFixture } from '../core/harness.js';
import { flatPng } from './flat-png.js';

/*
 * A PNG of a few hundred KB that decodes to 16000 × 16000 pixels went through the WebP conversion (now convert_image) using 1.7 GiB
 * and 19 s. Now every image we decode (a file to convert, an image ComfyUI returns) is refused from its header
 * when it is over the maxInputMegapixels setting (40 by default), before any pixel is decoded.
 */

const huge = flatPng(16_000, 16_000);
const tooLargeMessage =
  /16000 × 16000 = 256,000,000 pixels, over the limit of 40,000,000 \(setting maxInputMegapixels = 40\)/;

let fake: FakeComfyUI;
let fixture: CoreFixture;
let client: Client;
beforeAll(async () => {
  fake = await startSd15Fake(2);
  fixture = await startTestCore({ urls: [fake.url] });
  client = new Client({ name: 'pixel-limit-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(fixture.core.mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${fixture.core.settings.get().mcpToken}` } },
    }),
  );
});
afterAll(async () => {
  await client.close();
  await fixture.core.stop();
  await fake.close();
  removeDirs(fixture.dataDir, fixture.outputDir);
});

function place(name: string, bytes: Buffer): string {
  const file = join(fixture.outputDir, 'inputs', name);
  mkdirSync(join(fixture.outputDir, 'inputs'), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

describe('an image over the pixel limit', () => {
  it('is refused by convert_image with image_too_large, before decoding: memory stays low', async () => {
    expect(huge.byteLength).toBeLessThan(1_000_000);
    const source = place('huge.png', huge);
    const rssBefore = process.memoryUsage().rss;
    const result = await client.callTool({ name: 'convert_image', arguments: { paths: [source] } });
    const rssGrowth = process.memoryUsage().rss - rssBefore;

    expect(result.isError).toBe(true);
    const { error } = result.structuredContent as { error: { code: string; message: string } };
    expect(error.code).toBe('image_too_large');
    expect(error.message).toMatch(tooLargeMessage);
    expect(existsSync(source.replace(/\.png$/, '.webp'))).toBe(false);
    // Decoding would take at least 256 MB (one byte per pixel); the header costs nothing.
    expect(rssGrowth).toBeLessThan(128 * 1024 * 1024);
  });

  it('fails its own item when convert_image has several; the others convert', async () => {
    const big = place('batch-huge.png', huge);
    const small = place('batch-small.png', await sharp(flatPng(64, 64)).png().toBuffer());
    const result = await client.callTool({
      name: 'convert_image',
      arguments: { paths: [big, small] },
    });
    expect(result.structuredContent).toMatchObject({
      converted: 1,
      failed: 1,
      results: [
        {
          path: big,
          error: { code: 'image_too_large', message: expect.stringMatching(tooLargeMessage) as string },
        },
        { path: small, output_path: small.replace(/\.png$/, '.webp') },
      ],
    });
  });

  it('returned by ComfyUI fails the job with image_too_large, naming the backend', async () => {
    fake.setViewBehaviour({ body: huge });
    try {
      const { ctx } = toolContext();
      const generating = fixture.core.service.generateImage(
        { prompt: 'a huge one', workflow: 'sd15', width: 96, height: 64, save_path: 'huge-from-comfyui.png' },
        ctx,
      );
      await expect(generating).rejects.toMatchObject({
        code: 'image_too_large',
        message: expect.stringContaining(`ComfyUI at ${fake.url} returned an image too large`) as string,
      });
      await expect(generating).rejects.toThrow(tooLargeMessage);
      expect(existsSync(join(fixture.outputDir, 'huge-from-comfyui.png'))).toBe(false);
    } finally {
      fake.setViewBehaviour({});
    }
  });

  it('follows the setting: at the limit is converted, one row over is refused', async () => {
    const atLimit = place('at-limit.png', flatPng(1000, 1000));
    const over = place('over.png', flatPng(1000, 1001));
    const common = {
      recoveryDir: join(fixture.dataDir, 'replaced'),
      allowedRoots: [fixture.outputDir],
      maxInputPixels: 1_000_000,
    };
    const converted = await convertImage({ path: atLimit, ...common });
    expect([converted.width, converted.height]).toEqual([1000, 1000]);
    await expect(convertImage({ path: over, ...common })).rejects.toThrow(ImageTooLargeError);
    await expect(
      renderImage(flatPng(1000, 1001), { width: 64, height: 64, format: 'png', maxInputPixels: 1_000_000 }),
    ).rejects.toThrow(
      /1000 × 1001 = 1,001,000 pixels, over the limit of 1,000,000 \(setting maxInputMegapixels = 1\)/,
    );

    fixture.core.settings.update({ maxInputMegapixels: 1 });
    try {
      const { ctx } = toolContext();
      await expect(fixture.core.service.convertImage({ paths: [over] }, ctx)).rejects.toMatchObject({
        code: 'image_too_large',
      });
    } finally {
      fixture.core.settings.update({ maxInputMegapixels: 40 });
    }
  });
});
