import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeError } from '../../electron/errors.js';
import { readEmbeddedMetadata } from '../../electron/images/render.js';
import { createLogger, type Logger } from '../../electron/log.js';
import { renderComfyStatus } from '../../electron/mcp/results.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';
import {
  removeDirs,
  sd15Models,
  startSd15Fake,
  startTestCore,
  toolContext,
  type CoreFixture,
} from '../core/harness.js';

describe('the bridge service on a real core', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(
    fake?: FakeComfyUI,
    logger?: Logger,
  ): Promise<CoreFixture & { fake: FakeComfyUI; project: string }> {
    const comfy = fake ?? (await startSd15Fake());
    cleanups.push(() => comfy.close());
    const fixture = await startTestCore({ urls: [comfy.url], ...(logger ? { logger } : {}) });
    const project = mkdtempSync(join(tmpdir(), 'project-'));
    cleanups.push(async () => {
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir, project);
    });
    await waitForBackend(fixture);
    return { ...fixture, fake: comfy, project };
  }

  async function waitForBackend({ core }: CoreFixture): Promise<void> {
    for (let i = 0; i < 200 && !core.pool.snapshot().some((backend) => backend.available); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('generates the exact size and format into the project, with metadata and progress', async () => {
    const { core, project } = await setup();
    const { ctx, updates } = toolContext({ roots: [project] });
    const result = await core.service.generateImage(
      {
        prompt: 'a red fox in snow',
        negative_prompt: 'blurry',
        save_path: 'public/img/hero.webp',
        width: 300,
        height: 200,
        seed: 1234,
        workflow: 'sd15',
        preview: true,
      },
      ctx,
    );
    expect(result.status).toBe('completed');
    const image = result.images[0]!;
    expect(image.path).toBe(join(project, 'public', 'img', 'hero.webp'));
    expect(image).toMatchObject({ width: 300, height: 200, format: 'webp', seed: 1234, workflow: 'sd15' });
    const meta = await sharp(image.path).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 300, 200]);
    expect(await readEmbeddedMetadata(readFileSync(image.path))).toMatchObject({
      'bridge-prompt': 'a red fox in snow',
      'bridge-seed': '1234',
    });
    expect(image.previewWebp!.byteLength).toBeLessThanOrEqual(100 * 1024);
    expect(updates.some((update) => update.message?.startsWith('step '))).toBe(true);
    for (let i = 1; i < updates.length; i++)
      expect(updates[i]!.progress).toBeGreaterThan(updates[i - 1]!.progress);
  });

  it('returns status running with a batch id when the bounded wait runs out, and the batch later completes', async () => {
    const fake = await startFakeComfyUI({ models: sd15Models, stepMs: 60 });
    const { core } = await setup(fake);
    const { ctx } = toolContext();
    const result = await core.service.generateImage(
      { prompt: 'slow one', workflow: 'sd15', width: 64, height: 64, wait_seconds: 0.2 },
      ctx,
    );
    expect(result).toMatchObject({ status: 'running', images: [] });
    const status = await core.service.checkBatchStatus({ batch_id: result.batch_id, wait_seconds: 30 }, ctx);
    expect(status).toMatchObject({ done: true, completed: 1 });
    expect(existsSync(status.items[0]!.path!)).toBe(true);
  });

  it('refuses to overwrite an existing file unless asked, and keeps the replaced file', async () => {
    const { core, project, dataDir } = await setup();
    const { ctx } = toolContext({ roots: [project] });
    writeFileSync(join(project, 'logo.png'), 'not really a png');
    const refused = core.service.generateImage(
      { prompt: 'logo', save_path: 'logo.png', workflow: 'sd15' },
      ctx,
    );
    await expect(refused).rejects.toMatchObject({ code: 'file_exists' });
    const replaced = await core.service.generateImage(
      { prompt: 'logo', save_path: 'logo.png', workflow: 'sd15', width: 64, height: 64, overwrite: true },
      ctx,
    );
    expect(replaced.status).toBe('completed');
    const kept = findFile(join(dataDir, 'replaced'), 'logo.png');
    expect(readFileSync(kept!, 'utf8')).toBe('not really a png');
  });

  it('refuses save paths outside the allowed folders and names them', async () => {
    const { core, project, outputDir } = await setup();
    const { ctx } = toolContext({ roots: [project] });
    for (const savePath of ['../escape.png', '/etc/evil.png']) {
      const error = await core.service
        .generateImage({ prompt: 'x', save_path: savePath, workflow: 'sd15' }, ctx)
        .then(
          () => undefined,
          (rejected: unknown) => rejected,
        );
      expect(error).toBeInstanceOf(BridgeError);
      expect((error as BridgeError).message).toContain(outputDir);
    }
  });

  it('fails fast, naming the missing model, when no reachable ComfyUI can run the workflow', async () => {
    const { core } = await setup();
    const { ctx } = toolContext();
    const failure = await core.service
      .generateImage({ prompt: 'x', workflow: 'sdxl', width: 64, height: 64 }, ctx)
      .catch((error: unknown) => error as BridgeError);
    expect(failure).toBeInstanceOf(BridgeError);
    expect(failure).toMatchObject({ code: 'workflow_cannot_run' });
    expect((failure as BridgeError).message).toMatch(/sd_xl_base_1\.0\.safetensors/);
  });

  it('says in the status when no bundled workflow can run, naming the model files to install', async () => {
    const { core } = await setup(await startFakeComfyUI({ models: {} }));
    const { ctx } = toolContext();
    const status = await core.service.checkComfyuiStatus(ctx);
    expect(status.backends[0]).toMatchObject({ reachable: true });
    // Each missing file with the ComfyUI models folder it goes in and its download link (workflows/*.meta.json).
    expect(status.no_default_workflow).toContain(
      'sd15 (checkpoints/v1-5-pruned-emaonly-fp16.safetensors from https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors)',
    );
    expect(status.no_default_workflow).toContain(
      'diffusion_models/flux1-schnell.safetensors from https://huggingface.co/black-forest-labs/FLUX.1-schnell/resolve/main/flux1-schnell.safetensors',
    );
    // The agent is told to ask the user, and which button: it never downloads models itself.
    expect(status.no_default_workflow).toMatch(
      / Do not download models yourself: ask the user to click "Download model" in the bridge dashboard \(Status\)\.$/,
    );

    const failure = await core.service
      .generateImage({ prompt: 'x' }, ctx)
      .catch((error: unknown) => error as BridgeError);
    expect(failure).toMatchObject({ code: 'no_usable_workflow' });
    expect((failure as BridgeError).message).toContain(
      'checkpoints/v1-5-pruned-emaonly-fp16.safetensors from https://huggingface.co/',
    );
    const { install } = (failure as BridgeError).details as {
      install: { workflow: string; models: { file: string; folder: string; url?: string }[] }[];
    };
    expect(install.find((option) => option.workflow === 'sd15')).toEqual({
      workflow: 'sd15',
      models: [
        {
          file: 'v1-5-pruned-emaonly-fp16.safetensors',
          folder: 'checkpoints',
          url: 'https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors',
        },
      ],
    });
  });

  it('reports the default workflow per backend, and no problem, when one can run', async () => {
    const { core } = await setup();
    const { ctx } = toolContext();
    const status = await core.service.checkComfyuiStatus(ctx);
    expect(status.backends[0]!.default_workflow).toMatchObject({ id: 'sd15', can_run: true });
    expect(status.no_default_workflow).toBeUndefined();
  });

  it('names a CPU device as CPU with RAM, not as a GPU with VRAM', async () => {
    // The fake answers /system_stats as the captured ComfyUI started with --cpu (comfyui/API.md).
    const { core } = await setup();
    const { ctx } = toolContext();
    const status = await core.service.checkComfyuiStatus(ctx);
    expect(status.backends[0]).toMatchObject({
      device: 'CPU',
      device_type: 'cpu',
      memory_total_bytes: 25_276_026_880,
      memory_free_bytes: 23_986_651_136,
    });
    expect(status.backends[0]).not.toHaveProperty('vram_total_bytes');
    const text = (renderComfyStatus(status).content[0] as { text: string }).text;
    expect(text).toContain('CPU (22.3 GB RAM free of 23.5 GB)');
    expect(text).not.toMatch(/VRAM/);
  });

  it('keeps the node, exception type and message of a ComfyUI failure, and its traceback in the log only', async () => {
    const lines: string[] = [];
    const { core, fake } = await setup(
      undefined,
      createLogger({ level: 'warn', sink: (line) => lines.push(line) }),
    );
    fake.failNext(1, 'CUDA out of memory');
    const { ctx } = toolContext();
    const failure = await core.service
      .generateImage({ prompt: 'x', workflow: 'sd15', width: 64, height: 64 }, ctx)
      .catch((error: unknown) => error as BridgeError);
    expect(failure).toMatchObject({ code: 'execution_error' });
    expect((failure as BridgeError).message).toMatch(
      /^ComfyUI failed in node \d+ \(\w+\): RuntimeError: CUDA out of memory$/,
    );
    const { comfyui } = (failure as BridgeError).details as { comfyui: Record<string, unknown> };
    expect(Object.keys(comfyui).sort()).toEqual(['exceptionMessage', 'exceptionType', 'nodeId', 'nodeType']);
    expect(comfyui).toMatchObject({
      exceptionType: 'RuntimeError',
      exceptionMessage: 'CUDA out of memory',
    });
    // What the agent gets, and the batch status it may read later, carry no Python traceback.
    const batchId = ((failure as BridgeError).details as { batch_id: string }).batch_id;
    const status = await core.service.checkBatchStatus({ batch_id: batchId }, ctx);
    for (const shown of [JSON.stringify((failure as BridgeError).details), JSON.stringify(status)]) {
      expect(shown).not.toContain('^^^^');
      expect(shown).not.toContain('File \\"<ComfyUI>');
    }
    const logged = lines.find((line) => line.includes('ComfyUI failed running a job'));
    expect(logged).toContain('CUDA out of memory');
    expect(logged).toContain('^^^^');
    expect(logged).toContain('in process_inputs');
  });

  it('rejects a batch whose items would write the same file, queueing nothing', async () => {
    const { core, project } = await setup();
    const { ctx } = toolContext({ roots: [project] });
    const attempt = core.service.batchGenerateImages(
      {
        items: [
          { prompt: 'a', save_path: 'same.png' },
          { prompt: 'b', save_path: 'same.png' },
        ],
        defaults: { workflow: 'sd15' },
      },
      ctx,
    );
    await expect(attempt).rejects.toMatchObject({ code: 'duplicate_save_path' });
    expect(core.scheduler.list()).toHaveLength(0);
  });

  it('names the available workflows when an unknown one is asked for', async () => {
    const { core } = await setup();
    const { ctx } = toolContext();
    await expect(core.service.generateImage({ prompt: 'x', workflow: 'nope' }, ctx)).rejects.toThrow(
      /no workflow "nope".*sd15/,
    );
  });
});

function findFile(dir: string, name: string): string | undefined {
  for (const entry of readdirRecursive(dir)) if (entry.endsWith(`/${name}`)) return entry;
  return undefined;
}

function readdirRecursive(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? readdirRecursive(full) : [full];
  });
}
