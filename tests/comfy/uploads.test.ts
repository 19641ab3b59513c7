import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ComfyClient } from '../../electron/comfy/client.js';
import { contentAddressedName, InputUploads, uploadSubfolder } from '../../electron/comfy/uploads.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { expectSuccess, newPromptId, nextEvent } from './client-suite.js';

const png = (r: number) =>
  sharp({ create: { width: 8, height: 6, channels: 3, background: { r, g: 0, b: 0 } } })
    .png()
    .toBuffer();

/** A graph that loads the uploaded file: ComfyUI validates that it exists before running anything. */
const loadGraph = (image: string) => ({
  '1': { class_type: 'LoadImage', inputs: { image } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'upload-check' } },
});

describe('contentAddressedName', () => {
  it('names the same bytes the same way, other bytes and kinds differently', async () => {
    const [a, b] = await Promise.all([png(1), png(2)]);
    expect(contentAddressedName(a, 'image', 'png')).toBe(
      contentAddressedName(Buffer.from(a), 'image', '.PNG'),
    );
    expect(contentAddressedName(a, 'image', 'png')).toMatch(/^image-[0-9a-f]{24}\.png$/);
    expect(contentAddressedName(a, 'image', 'png')).not.toBe(contentAddressedName(b, 'image', 'png'));
    expect(contentAddressedName(a, 'mask', 'png')).toMatch(/^mask-/);
  });
});

describe('InputUploads against the fake ComfyUI', () => {
  const fakes: FakeComfyUI[] = [];
  const clients: ComfyClient[] = [];

  async function backend(): Promise<{ fake: FakeComfyUI; client: ComfyClient }> {
    const fake = await startFakeComfyUI({ stepMs: 5 });
    fakes.push(fake);
    const client = new ComfyClient({ baseUrl: fake.url, reconnectDelayMs: 20, requestTimeoutMs: 5000 });
    clients.push(client);
    await client.connect();
    return { fake, client };
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('uploads a source once for several jobs on one backend, and the name loads', async () => {
    const { fake, client } = await backend();
    const uploads = new InputUploads();
    const source = await png(10);
    const [first, second] = await Promise.all([
      uploads.ensure(client, source, 'image', 'png'),
      uploads.ensure(client, Buffer.from(source), 'image', 'png'),
    ]);
    const third = await uploads.ensure(client, source, 'image', 'png');
    expect(fake.uploadRequests).toBe(1);
    expect(first).toBe(`${uploadSubfolder}/${contentAddressedName(source, 'image', 'png')}`);
    expect([second, third]).toEqual([first, first]);
    expect(existsSync(join(fake.inputDir, first))).toBe(true);
    const promptId = newPromptId();
    await client.submit(loadGraph(first), { promptId });
    expectSuccess(await client.waitFor(promptId));
  });

  it('uploads to each backend that runs a job (failover uploads again)', async () => {
    const a = await backend();
    const b = await backend();
    const uploads = new InputUploads();
    const source = await png(20);
    const onA = await uploads.ensure(a.client, source, 'image', 'png');
    const onB = await uploads.ensure(b.client, source, 'image', 'png');
    await uploads.ensure(a.client, source, 'image', 'png');
    expect([a.fake.uploadRequests, b.fake.uploadRequests]).toEqual([1, 1]);
    expect(onB).toBe(onA);
    expect(existsSync(join(b.fake.inputDir, onB))).toBe(true);
  });

  it('uploads again after the backend restarts', async () => {
    const { fake, client } = await backend();
    const uploads = new InputUploads();
    const source = await png(30);
    const name = await uploads.ensure(client, source, 'image', 'png');
    const down = nextEvent(client, 'connection', (e) => !e.connected);
    await fake.kill();
    await down;
    const up = nextEvent(client, 'connection', (e) => e.connected);
    await fake.restart();
    await up;
    expect(await uploads.ensure(client, source, 'image', 'png')).toBe(name);
    expect(fake.uploadRequests).toBe(2);
  });

  it('forgets a failed upload, so the next job tries again', async () => {
    const { fake, client } = await backend();
    const uploads = new InputUploads();
    const mask = await png(40);
    fake.setMalformed(true);
    await expect(uploads.ensure(client, mask, 'mask', 'png')).rejects.toMatchObject({ status: 500 });
    fake.setMalformed(false);
    const name = await uploads.ensure(client, mask, 'mask', 'png');
    expect(name).toMatch(/^mcp-bridge\/mask-/);
    expect(fake.uploadRequests).toBe(2);
  });
});
