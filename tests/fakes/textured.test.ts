import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeComfyUI, type FakeComfyUI } from './fake-comfyui.js';

/** The benchmarks' option: a run saves a real, noisy PNG of the requested size rather than one flat colour. */
describe('fake ComfyUI with textured images', () => {
  let fake: FakeComfyUI | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const graph = (color: number) => ({
    '1': { class_type: 'EmptyImage', inputs: { width: 1024, height: 1024, batch_size: 1, color } },
    '2': { class_type: 'SaveImage', inputs: { filename_prefix: 'bench', images: ['1', 0] } },
  });

  async function runAndDownload(server: FakeComfyUI, color: number): Promise<Buffer> {
    const queued = await fetch(`${server.url}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: graph(color) }),
    });
    expect(queued.status).toBe(200);
    const { prompt_id: promptId } = (await queued.json()) as { prompt_id: string };
    let image: { filename: string; subfolder: string; type: string } | undefined;
    for (let attempt = 0; attempt < 200 && !image; attempt++) {
      const history = (await (await fetch(`${server.url}/history/${promptId}`)).json()) as Record<
        string,
        { outputs: Record<string, { images?: { filename: string; subfolder: string; type: string }[] }> }
      >;
      image = history[promptId]?.outputs['2']?.images?.[0];
      if (!image) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(image).toBeDefined();
    const view = await fetch(`${server.url}/view?${new URLSearchParams({ ...image! })}`);
    expect(view.status).toBe(200);
    return Buffer.from(await view.arrayBuffer());
  }

  it('saves a 1024² PNG with real detail, the same pixels for every run of that size', async () => {
    fake = await startFakeComfyUI({ textured: true, stepMs: 0 });
    const first = await runAndDownload(fake, 0x336699);
    const second = await runAndDownload(fake, 0x996633);

    const meta = await sharp(first).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 1024]);
    // A flat 1024² PNG is a few kB; noise makes it about as large as a diffusion model's output.
    expect(first.length).toBeGreaterThan(500_000);
    const { channels } = await sharp(first).stats();
    expect(channels[0]!.stdev).toBeGreaterThan(2);
    expect(second.equals(first)).toBe(true);
  });

  it('keeps flat colours without the option', async () => {
    fake = await startFakeComfyUI({ stepMs: 0 });
    const png = await runAndDownload(fake, 0x336699);
    const { channels } = await sharp(png).stats();
    expect(channels.map((channel) => channel.stdev)).toEqual([0, 0, 0]);
    expect(png.length).toBeLessThan(50_000);
  });
});
