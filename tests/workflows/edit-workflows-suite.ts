import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComfyClient } from '../../electron/comfy/client.js';
import { InputUploads } from '../../electron/comfy/uploads.js';
import { silentLogger } from '../../electron/log.js';
import {
  bindWorkflow,
  createWorkflowLibrary,
  type GenerationParams,
} from '../../electron/workflows/index.js';
import type { WorkflowLibrary } from '../../electron/workflows/index.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { expectSuccess, newPromptId } from '../comfy/client-suite.js';

/**
 * The model-free edit workflows (tests/fixtures/edit-workflows/) bound with the edit placeholders and run end to end:
 * source and mask uploaded, the graph validated and run, the saved image's size and alpha checked. Run against the
 * fake ComfyUI (edit-workflows.test.ts) and a real one (tests/comfyui-real/edit-workflows.real.test.ts, with
 * COMFYUI_URL), where the pixels are checked as well (the fake's images are flat stand-ins).
 */
const folder = new URL('../fixtures/edit-workflows/', import.meta.url).pathname;

/** 40 × 30: blue (no red, so opaque after remove-background) on the left half, white on the right. */
async function source(): Promise<Buffer> {
  const raw = Buffer.alloc(40 * 30 * 3);
  for (let i = 0; i < 40 * 30; i++) raw.set(i % 40 < 20 ? [0, 20, 200] : [255, 255, 255], i * 3);
  return sharp(raw, { raw: { width: 40, height: 30, channels: 3 } })
    .png()
    .toBuffer();
}

/** White (= change) on the top half. */
function mask(): Promise<Buffer> {
  const raw = Buffer.alloc(40 * 30);
  for (let i = 0; i < raw.length; i++) raw[i] = i < raw.length / 2 ? 255 : 0;
  return sharp(raw, { raw: { width: 40, height: 30, channels: 1 } })
    .png()
    .toBuffer();
}

interface Case {
  id: string;
  params: Partial<GenerationParams>;
  size: [number, number];
  alpha: boolean;
  /** Real ComfyUI only: [x, y, expected RGBA]. */
  pixels?: [number, number, number[]][];
}

const cases: Case[] = [
  {
    id: 'restyle',
    params: { prompt: 'a poster' },
    size: [40, 30],
    alpha: false,
    pixels: [[5, 5, [255, 235, 55, 255]]],
  },
  {
    id: 'inpaint',
    params: { prompt: 'a patch' },
    size: [40, 30],
    alpha: false,
    // Inverted inside the mask (top), untouched outside it (bottom).
    pixels: [
      [5, 2, [255, 235, 55, 255]],
      [5, 27, [0, 20, 200, 255]],
      [35, 27, [255, 255, 255, 255]],
    ],
  },
  {
    id: 'outpaint',
    params: {
      prompt: 'more sky',
      extend: { left: 64, right: 0, top: 10, bottom: 20 },
      width: 104,
      height: 60,
    },
    size: [104, 60],
    alpha: false,
    // The source moved right by the 64 pixels added on the left and down by the 10 added on top.
    pixels: [[64 + 5, 10 + 5, [0, 20, 200, 255]]],
  },
  { id: 'upscale', params: { prompt: '', scale: 2 }, size: [80, 60], alpha: false },
  {
    id: 'remove-background',
    params: { prompt: '' },
    size: [40, 30],
    alpha: true,
    pixels: [
      [5, 5, [0, 20, 200, 255]],
      [35, 5, [255, 255, 255, 0]],
    ],
  },
];

/** `url` undefined: a fake ComfyUI started for the suite. */
export function defineEditWorkflowSuite(target: { name: string; url?: string }): void {
  const real = target.url !== undefined;
  describe(`model-free edit workflows on the ${target.name}`, () => {
    let fake: FakeComfyUI | undefined;
    let client: ComfyClient;
    let library: WorkflowLibrary;
    let userDir: string;
    const uploads = new InputUploads();

    beforeAll(async () => {
      if (!real) fake = await startFakeComfyUI({ stepMs: 5 });
      client = new ComfyClient({
        baseUrl: target.url ?? fake!.url,
        requestTimeoutMs: 10_000,
      });
      await client.connect();
      userDir = mkdtempSync(join(tmpdir(), 'edit-workflows-user-'));
      library = await createWorkflowLibrary({ bundledDir: folder, userDir, logger: silentLogger });
    });

    afterAll(async () => {
      await library?.close();
      await client?.close();
      await fake?.close();
      if (userDir) rmSync(userDir, { recursive: true, force: true });
    });

    it.each(cases)('$id', async ({ id, params, size, alpha, pixels }) => {
      const entry = library.get(id);
      if (entry?.status !== 'ok')
        throw new Error(`${id}: ${entry?.status === 'error' ? entry.error : 'missing'}`);
      const input = await uploads.ensure(client, await source(), 'image', 'png');
      const maskName = await uploads.ensure(client, await mask(), 'mask', 'png');
      const bound = bindWorkflow(entry.workflow, {
        prompt: '',
        ...params,
        input_image: input,
        mask_image: maskName,
        seed: 7,
      });
      expect(JSON.stringify(bound.graph)).not.toMatch(/\{\{/);
      const promptId = newPromptId();
      await client.submit(bound.graph, { promptId });
      const result = expectSuccess(await client.waitFor(promptId));
      const ref = bound.outputNodeIds.flatMap((node) => result.outputs[node]?.images ?? [])[0];
      expect(ref).toBeDefined();
      const image = sharp(await client.view(ref!));
      const meta = await image.metadata();
      expect([meta.width, meta.height, meta.hasAlpha]).toEqual([...size, alpha]);
      if (!real || !pixels) return;
      const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      for (const [x, y, rgba] of pixels) {
        const at = (y * info.width + x) * 4;
        // ComfyUI computes in float32: an inverted 200 comes back as 54 or 55.
        const found = [...data.subarray(at, at + 4)];
        expect(
          found.map((v, i) => Math.abs(v - rgba[i]!) <= 1),
          `${id} at ${x},${y}: ${found.join(',')}`,
        ).toEqual([true, true, true, true]);
      }
    });
  });
}
