// One file: every tool's mapping to MCP is tested through the same fake service, bridge and client set-up.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeError } from '../../electron/errors.js';
import { createLogger } from '../../electron/log.js';
import type { BridgeService } from '../../electron/mcp/service.js';
import { connect, createFakeService, eras, startBridge } from './harness.js';
import type { Bridge, CallResult, TestClient } from './harness.js';

let bridge: Bridge | undefined;
let client: TestClient | undefined;
afterEach(async () => {
  await client?.close();
  await bridge?.close();
  client = undefined;
  bridge = undefined;
});

async function setUp(
  era: (typeof eras)[number],
  overrides: Partial<BridgeService> = {},
  logLines?: string[],
) {
  const fake = createFakeService(overrides);
  bridge = await startBridge(
    fake.service,
    logLines ? { logger: createLogger({ sink: (line) => logLines.push(line) }) } : {},
  );
  client = await connect(era, bridge.url);
  return { fake, client };
}

const textOf = (result: CallResult) =>
  result.content
    .filter((block) => block.type === 'text')
    .map((block) => String(block.text))
    .join('\n');
const blocksOf = (result: CallResult, type: string) => result.content.filter((block) => block.type === type);

async function webpOfSize(side: number): Promise<Buffer> {
  return sharp({ create: { width: side, height: side, channels: 3, background: '#3366cc' } })
    .webp()
    .toBuffer();
}

async function noisyWebp(side: number): Promise<Buffer> {
  // Random pixels do not compress, so even a small image makes a large WebP.
  const raw = randomBytes(side * side * 3);
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .webp({ lossless: true })
    .toBuffer();
}

describe.each(eras)('tool calls from a %s-era client', (era) => {
  it('generate_image passes the exact arguments and returns paths in structuredContent, text and a file link', async () => {
    const { fake, client } = await setUp(era);
    const args = {
      prompt: 'a red fox',
      negative_prompt: 'blurry',
      save_path: 'public/hero.png',
      width: 640,
      height: 384,
      seed: 42,
      format: 'png',
      workflow: 'sdxl-basic',
      overwrite: true,
      wait_seconds: 30,
    };
    const result = await client.callTool('generate_image', args);

    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.method).toBe('generateImage');
    expect(fake.calls[0]!.args).toEqual(args);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      status: 'completed',
      batch_id: 'b-1',
      images: [
        {
          path: '/projects/site/public/hero.png',
          width: 640,
          height: 384,
          format: 'png',
          seed: 42,
          bytes: 1234,
          workflow: 'sdxl-basic',
          backend: 'http://127.0.0.1:8188',
        },
      ],
    });
    expect(textOf(result)).toContain('/projects/site/public/hero.png');
    const [link] = blocksOf(result, 'resource_link');
    expect(fileURLToPath(String(link!.uri))).toBe('/projects/site/public/hero.png');
    expect(link!.mimeType).toBe('image/png');
    expect(blocksOf(result, 'image')).toHaveLength(0);
  });

  it('inlines the preview only when the call asks for it', async () => {
    const preview = await webpOfSize(256);
    const withPreview: Partial<BridgeService> = {
      generateImage: () =>
        Promise.resolve({
          status: 'completed',
          batch_id: 'b-9',
          images: [
            {
              path: '/p/a.webp',
              width: 1024,
              height: 1024,
              format: 'webp',
              seed: 1,
              bytes: 9,
              workflow: 'w',
              backend: 'b',
              previewWebp: preview,
            },
          ],
        }),
    };
    const { client } = await setUp(era, withPreview);

    const asked = await client.callTool('generate_image', { prompt: 'x', preview: true });
    const [image] = blocksOf(asked, 'image');
    expect(image!.mimeType).toBe('image/webp');
    const decoded = await sharp(Buffer.from(String(image!.data), 'base64')).metadata();
    expect([decoded.format, decoded.width]).toEqual(['webp', 256]);
    expect(JSON.stringify(asked.structuredContent)).not.toContain('previewWebp');

    const notAsked = await client.callTool('generate_image', { prompt: 'x' });
    expect(blocksOf(notAsked, 'image')).toHaveLength(0);
    expect(blocksOf(notAsked, 'resource_link')).toHaveLength(1);
  });

  it('drops a preview that is too big to inline', async () => {
    const preview = await noisyWebp(400);
    expect(preview.byteLength).toBeGreaterThan(100 * 1024);
    const { client } = await setUp(era, {
      generateImage: () =>
        Promise.resolve({
          status: 'completed',
          batch_id: 'b',
          images: [
            {
              path: '/p/a.png',
              width: 400,
              height: 400,
              format: 'png',
              seed: 1,
              bytes: 9,
              workflow: 'w',
              backend: 'b',
              previewWebp: preview,
            },
          ],
        }),
    });
    const result = await client.callTool('generate_image', { prompt: 'x', preview: true });
    expect(blocksOf(result, 'image')).toHaveLength(0);
    expect(blocksOf(result, 'resource_link')).toHaveLength(1);
  });

  it('tells the agent to poll check_batch_status when the bounded wait ran out', async () => {
    const { client } = await setUp(era, {
      generateImage: () => Promise.resolve({ status: 'running', batch_id: 'b-slow', images: [] }),
    });
    const result = await client.callTool('generate_image', { prompt: 'x', wait_seconds: 0 });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ status: 'running', batch_id: 'b-slow', images: [] });
    expect(textOf(result)).toMatch(/check_batch_status.*b-slow/);
  });

  it('says why an image went where it did, in structuredContent and in the text', async () => {
    const image = {
      path: '/out/fox-1.png',
      width: 64,
      height: 64,
      format: 'png' as const,
      seed: 1,
      bytes: 10,
      workflow: 'sd15',
      backend: 'http://127.0.0.1:8188',
      saved_to_reason: 'no save_path and no project folder (send roots or project_dir): the output folder',
    };
    const { fake, client } = await setUp(era, {
      generateImage: () => Promise.resolve({ status: 'completed', batch_id: 'b-r', images: [image] }),
    });
    const result = await client.callTool('generate_image', { prompt: 'x', project_dir: '/projects/site' });
    expect(fake.calls[0]!.args).toEqual({ prompt: 'x', project_dir: '/projects/site' });
    expect(result.structuredContent).toEqual({ status: 'completed', batch_id: 'b-r', images: [image] });
    expect(textOf(result)).toContain(`Saved /out/fox-1.png (64x64 png, seed 1); ${image.saved_to_reason}`);
  });

  it('batch_generate_images passes items and defaults and returns the batch id', async () => {
    const { fake, client } = await setUp(era);
    const args = { items: [{ prompt: 'a' }, { seed: 3 }], defaults: { prompt: 'base', width: 512 } };
    const result = await client.callTool('batch_generate_images', args);
    expect(fake.calls[0]!.args).toEqual(args);
    expect(result.structuredContent).toEqual({ batch_id: 'b-2', total: 2 });
    expect(textOf(result)).toContain('check_batch_status');
  });

  it('refuses a batch item without a prompt when defaults have none, before reaching the service', async () => {
    const { fake, client } = await setUp(era);
    const result = await client.callTool('batch_generate_images', { items: [{ prompt: 'a' }, { seed: 3 }] });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('prompt is required');
    expect(fake.calls).toHaveLength(0);
  });

  it('refuses out-of-bounds arguments before reaching the service', async () => {
    const { fake, client } = await setUp(era);
    for (const args of [
      { prompt: 'x', width: 5000 },
      { prompt: 'x'.repeat(4001) },
      { prompt: 'x', seed: -1 },
      { prompt: 'x', wait_seconds: 301 },
      { prompt: 'x', format: 'gif' },
    ]) {
      const result = await client.callTool('generate_image', args);
      expect(result.isError, JSON.stringify(args).slice(0, 60)).toBe(true);
    }
    const tooMany = await client.callTool('batch_generate_images', {
      items: Array.from({ length: 101 }, () => ({ prompt: 'x' })),
    });
    expect(tooMany.isError).toBe(true);
    for (const args of [
      { paths: ['/a.png'], quality: 0 },
      { paths: ['/a.png'], format: 'gif' },
      { paths: [] },
      { paths: Array.from({ length: 101 }, (_, index) => `/a${index}.png`) },
      { paths: ['/a.png'], web: 'banner' },
      { paths: ['/a.png'], web: { purpose: 'og', widths: [640] } },
    ]) {
      const refused = await client.callTool('convert_image', args);
      expect(refused.isError, JSON.stringify(args).slice(0, 60)).toBe(true);
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('check_batch_status lists every item with links to finished files and the failures', async () => {
    const { fake, client } = await setUp(era);
    const result = await client.callTool('check_batch_status', { batch_id: 'b-7', wait_seconds: 5 });
    expect(fake.calls[0]!.args).toEqual({ batch_id: 'b-7', wait_seconds: 5 });
    expect(result.structuredContent).toMatchObject({
      batch_id: 'b-7',
      total: 3,
      completed: 1,
      failed: 1,
      done: false,
    });
    expect(blocksOf(result, 'resource_link').map((link) => fileURLToPath(String(link.uri)))).toEqual([
      '/projects/site/a.png',
    ]);
    expect(textOf(result)).toContain('#1 failed: No model. Install it.');
  });

  it('cancel_batch reports what was cancelled', async () => {
    const { client } = await setUp(era);
    const result = await client.callTool('cancel_batch', { batch_id: 'b-7' });
    expect(result.structuredContent).toEqual({ batch_id: 'b-7', cancelled: 2, already_finished: 1 });
    expect(textOf(result)).toContain('Cancelled 2');
  });

  it('list_generated_images passes the filters and returns the page with its cursor', async () => {
    const { fake, client } = await setUp(era);
    const args = { directory: '/projects/site/public', query: 'fox', limit: 10, cursor: 'c-1' };
    const result = await client.callTool('list_generated_images', args);
    expect(fake.calls[0]!.args).toEqual(args);
    expect(result.structuredContent).toMatchObject({
      next_cursor: 'c-2',
      images: [{ path: '/projects/site/a.png' }],
    });
    expect(textOf(result)).toContain('c-2');
  });

  it('check_comfyui_status takes no arguments and names what the default workflow is missing', async () => {
    const { fake, client } = await setUp(era);
    const result = await client.callTool('check_comfyui_status', {});
    expect(fake.calls[0]!.method).toBe('checkComfyuiStatus');
    expect(result.structuredContent).toMatchObject({
      backends: [{ url: 'http://127.0.0.1:8188', reachable: true }],
    });
    expect(textOf(result)).toContain('missing x.safetensors');
  });

  it('convert_image returns the new files with links and keeps the originals by default', async () => {
    const { fake, client } = await setUp(era);
    const result = await client.callTool('convert_image', {
      paths: ['/p/a.png'],
      format: 'avif',
      quality: 80,
      web: { purpose: 'hero', max_bytes: 150_000 },
    });
    expect(fake.calls[0]!.args).toEqual({
      paths: ['/p/a.png'],
      format: 'avif',
      quality: 80,
      web: { purpose: 'hero', max_bytes: 150_000 },
    });
    expect(result.structuredContent).toMatchObject({
      results: [{ output_path: '/p/a.avif', original_kept: true }, { path: '/x/b.png' }],
    });
    const [link] = blocksOf(result, 'resource_link');
    expect(fileURLToPath(String(link!.uri))).toBe('/p/a.avif');
    expect(link!.mimeType).toBe('image/avif');
  });

  it('convert_image needs exactly one of paths and directory and reports per file', async () => {
    const { fake, client } = await setUp(era);
    const neither = await client.callTool('convert_image', { quality: 50 });
    const both = await client.callTool('convert_image', { paths: ['/x/a.png'], directory: '/x' });
    expect([neither.isError, both.isError]).toEqual([true, true]);
    expect(fake.calls).toHaveLength(0);

    const result = await client.callTool('convert_image', { directory: '/x', recursive: true });
    expect(fake.calls[0]!.args).toEqual({ directory: '/x', recursive: true });
    expect(result.structuredContent).toMatchObject({ converted: 1, failed: 1 });
    expect(blocksOf(result, 'resource_link')).toHaveLength(1);
    expect(textOf(result)).toContain('/x/b.png failed: Not an image.');
  });

  it("convert_image puts each web asset's snippet in the text, for clients that show only text", async () => {
    const html = '<picture><img src="/a-640.jpg" alt="A lake"></picture>';
    const { client } = await setUp(era, {
      convertImage: () =>
        Promise.resolve({
          converted: 1,
          failed: 0,
          results: [
            {
              path: '/p/a.png',
              output_path: '/p/a.webp',
              bytes_before: 10,
              bytes_after: 5,
              width: 8,
              height: 8,
              original_kept: true,
              web: { variants: [{}, {}], alt: 'A lake', html },
            },
          ],
        }),
    });
    const result = await client.callTool('convert_image', { paths: ['/p/a.png'], web: 'card' });
    expect(textOf(result)).toContain(
      `web: 2 variants; alt draft: "A lake". Paste the <picture> snippet (web.html):\n${html}`,
    );
    expect(result.structuredContent).toMatchObject({ results: [{ web: { html } }] });
  });

  it('turns a BridgeError into an error result with code, message, hint and details', async () => {
    const details = { node_errors: { '4': { errors: [{ type: 'value_not_in_list' }] } } };
    const { client } = await setUp(era, {
      generateImage: () =>
        Promise.reject(
          new BridgeError('comfy_unreachable', 'ComfyUI is not reachable at http://127.0.0.1:8188.', {
            hint: 'Start ComfyUI or set its URL in the bridge settings.',
            details,
          }),
        ),
    });
    const result = await client.callTool('generate_image', { prompt: 'x' });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toEqual({
      error: {
        code: 'comfy_unreachable',
        message: 'ComfyUI is not reachable at http://127.0.0.1:8188.',
        hint: 'Start ComfyUI or set its URL in the bridge settings.',
        details,
      },
    });
    expect(textOf(result)).toBe(
      'ComfyUI is not reachable at http://127.0.0.1:8188. Start ComfyUI or set its URL in the bridge settings.',
    );
  });

  it('puts a full stop between a message that lacks one and its hint', async () => {
    const { client } = await setUp(era, {
      generateImage: () =>
        Promise.reject(
          new BridgeError('execution_error', 'CUDA out of memory', { hint: 'Try a smaller size.' }),
        ),
    });
    const result = await client.callTool('generate_image', { prompt: 'x' });
    expect(textOf(result)).toBe('CUDA out of memory. Try a smaller size.');
  });

  it('hides an unexpected exception behind a generic error result and logs it', async () => {
    const logLines: string[] = [];
    const { client } = await setUp(
      era,
      { cancelBatch: () => Promise.reject(new TypeError('secret internals exploded')) },
      logLines,
    );
    const result = await client.callTool('cancel_batch', { batch_id: 'b' });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ error: { code: 'internal_error' } });
    expect(textOf(result)).not.toContain('secret internals');
    expect(textOf(result)).toContain('cancel_batch');
    expect(
      logLines.some((line) => line.includes('ERROR') && line.includes('secret internals exploded')),
    ).toBe(true);
  });
});
