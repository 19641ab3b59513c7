import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../../electron/comfy/types.js';
import { readPngText } from '../../electron/images/png-text.js';
import { validateWorkflow } from '../../electron/workflows/validate.js';
import { bundledWorkflowsDir, removeDirs, startTestCore, toolContext, until } from '../core/harness.js';

/*
 * A real diffusion model through the bridge on a real ComfyUI: the kit's random-weight SD 1.5 checkpoint
 * (../../../shared/comfyui/real/model/), a copy of the bundled SD 1.5 workflow at 2 steps, 64×64. Run with
 *   URL=$(real/model/start.sh 8190); COMFYUI_URL=$URL npm run test:comfyui
 */

const url = process.env.COMFYUI_URL;
const checkpoint = 'v1-5-pruned-emaonly-fp16.safetensors';

async function listed(comfyUrl: string): Promise<string[]> {
  try {
    return (await (await fetch(`${comfyUrl}/models/checkpoints`)).json()) as string[];
  } catch {
    return [];
  }
}

const skipReason = !url
  ? 'COMFYUI_URL not set'
  : (await listed(url)).includes(checkpoint)
    ? undefined
    : `the ComfyUI at ${url} lists no ${checkpoint} (build it with real/model/make_checkpoint.py and start real/model/start.sh)`;

if (skipReason) {
  describe.skip(`${skipReason}: the real SD 1.5 run is skipped`, () => {
    it('runs SD 1.5 for real', () => {});
  });
} else {
  const comfyUrl = url!;
  describe('real ComfyUI with the SD 1.5 checkpoint', () => {
    const dirs: string[] = [];
    afterAll(() => removeDirs(...dirs));

    it('generates a 64×64 PNG in 2 steps through the bridge, with step progress and the phases in order', async () => {
      const userDir = mkdtempSync(join(tmpdir(), 'real-sd15-workflows-'));
      const project = mkdtempSync(join(tmpdir(), 'real-sd15-project-'));
      dirs.push(userDir, project);
      const graph = JSON.parse(readFileSync(join(bundledWorkflowsDir, 'sd15.json'), 'utf8')) as Record<
        string,
        { class_type: string; inputs: Record<string, unknown> }
      >;
      for (const node of Object.values(graph)) if (node.class_type === 'KSampler') node.inputs.steps = 2;
      writeFileSync(join(userDir, 'sd15-2steps.json'), JSON.stringify(graph));
      // The bundled sidecar without defaultRank: a user workflow is never the default anyway.
      const { defaultRank: _rank, ...meta } = JSON.parse(
        readFileSync(join(bundledWorkflowsDir, 'sd15.meta.json'), 'utf8'),
      ) as Record<string, unknown>;
      writeFileSync(join(userDir, 'sd15-2steps.meta.json'), JSON.stringify(meta));
      mkdirSync(join(project, 'img'));
      const fixture = await startTestCore({ urls: [comfyUrl], settings: { userWorkflowsDir: userDir } });
      dirs.push(fixture.dataDir, fixture.outputDir);
      try {
        await until(() => fixture.core.pool.snapshot().some((b) => b.available), 'ComfyUI is up', 60_000);
        const { ctx, updates } = toolContext({ roots: [project] });
        const started = performance.now();
        const result = await fixture.core.service.generateImage(
          {
            prompt: 'a lighthouse at dusk',
            workflow: 'sd15-2steps',
            width: 64,
            height: 64,
            seed: 42,
            save_path: 'img/lighthouse.png',
            wait_seconds: 300,
          },
          ctx,
        );
        const seconds = (performance.now() - started) / 1000;
        console.info(
          `tests/comfyui-real: SD 1.5, 64×64, 2 steps: ${seconds.toFixed(1)} s through the bridge`,
        );
        expect(result.status).toBe('completed');
        const path = result.images[0]!.path;
        const bytes = readFileSync(path);
        expect(await sharp(bytes).metadata()).toMatchObject({ width: 64, height: 64, format: 'png' });

        const messages = updates.map((update) => update.message ?? '');
        expect(messages).toContain('step 1/2');
        expect(messages).toContain('step 2/2');
        expect(messages.filter((m) => m.startsWith('waiting'))).toEqual([]);
        const order = ['loading the model', 'step 1/2', 'decoding the image', 'saving the image'].map((m) =>
          messages.indexOf(m),
        );
        expect(
          order.every((index) => index >= 0),
          messages.join(' | '),
        ).toBe(true);
        expect([...order].sort((a, b) => a - b)).toEqual(order);

        // One set of text chunks: ComfyUI's graph under "prompt", the bridge's under its own keys.
        const text = readPngText(bytes);
        expect(() => JSON.parse(text.prompt!) as unknown).not.toThrow();
        expect(text['bridge-prompt']).toBe('a lighthouse at dusk');
      } finally {
        await fixture.core.stop();
      }
    }, 600_000);

    it('passes the real /object_info check for every bundled graph whose nodes this ComfyUI has', async () => {
      const objectInfo = (await (await fetch(`${comfyUrl}/object_info`)).json()) as ObjectInfo;
      // The edit workflows too, but not the cut-outs: their nodes come from custom node packs.
      const edits = [
        'sdxl-restyle',
        'z-image-restyle',
        'sdxl-inpaint',
        'flux-fill-inpaint',
        'sdxl-outpaint',
        'flux-fill-outpaint',
        'upscale-realesrgan',
        'upscale-ultrasharp',
      ];
      for (const id of [
        'sd15',
        'sdxl',
        'sdxl-turbo',
        'flux-schnell',
        'z-image-turbo',
        'test-pattern',
        ...edits,
      ]) {
        const graph = JSON.parse(readFileSync(join(bundledWorkflowsDir, `${id}.json`), 'utf8')) as Parameters<
          typeof validateWorkflow
        >[0];
        const validation = validateWorkflow(graph, objectInfo);
        // Model files other than the kit's checkpoint are absent here; every node and every other choice exists.
        expect(validation.missingNodes, id).toEqual([]);
        expect(validation.invalidValues, id).toEqual([]);
      }
    });
  });
}
