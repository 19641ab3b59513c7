import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledWorkflowsDir, removeDirs, startTestCore, until } from '../core/harness.js';
import { connect, type CallResult } from '../mcp-e2e/clients.js';

/*
 * The `web` option on a real ComfyUI: the kit's random-weight SD 1.5 checkpoint (../../../shared/comfyui/real/model/)
 * through the bundled SD 1.5 graph at 1 step, 256×192, asked for over MCP with web: "card"; check_batch_status
 * then reports the variants sharp made from ComfyUI's real output. Run with
 *   URL=$(real/model/start.sh 8190); COMFYUI_URL=$URL npx vitest run --project comfyui-real tests/comfyui-real/web.real.test.ts
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

interface Variant {
  path: string;
  url: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  budget: { max_bytes: number; met: boolean };
}
interface Status {
  done: boolean;
  items: {
    status: string;
    path?: string;
    web?: { status: string; variants?: Variant[]; html?: string; error?: unknown };
  }[];
}

function structured<T>(result: CallResult): T {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as T;
}

/** The bundled SD 1.5 graph at 1 step (a CPU takes tens of seconds per step at 256×192), as a user workflow. */
function twoStepWorkflow(userDir: string): void {
  const graph = JSON.parse(readFileSync(join(bundledWorkflowsDir, 'sd15.json'), 'utf8')) as Record<
    string,
    { class_type: string; inputs: Record<string, unknown> }
  >;
  for (const node of Object.values(graph)) if (node.class_type === 'KSampler') node.inputs.steps = 1;
  writeFileSync(join(userDir, 'sd15-1step.json'), JSON.stringify(graph));
  const { defaultRank: _rank, ...meta } = JSON.parse(
    readFileSync(join(bundledWorkflowsDir, 'sd15.meta.json'), 'utf8'),
  ) as Record<string, unknown>;
  writeFileSync(join(userDir, 'sd15-1step.meta.json'), JSON.stringify(meta));
}

const sharpFormat: Record<string, string> = { avif: 'heif', webp: 'webp', jpeg: 'jpeg' };

if (skipReason) {
  describe.skip(`${skipReason}: the real SD 1.5 run with web variants is skipped`, () => {
    it('makes web variants of a real SD 1.5 image', () => {});
  });
} else {
  const comfyUrl = url!;
  describe('real ComfyUI, SD 1.5, with web variants', () => {
    const dirs: string[] = [];
    afterAll(() => removeDirs(...dirs));

    it('generate_image with web: "card" over MCP, then check_batch_status reports the variants made', async () => {
      const userDir = mkdtempSync(join(tmpdir(), 'real-web-workflows-'));
      const project = mkdtempSync(join(tmpdir(), 'real-web-project-'));
      dirs.push(userDir, project);
      twoStepWorkflow(userDir);
      mkdirSync(join(project, 'public'));
      const fixture = await startTestCore({ urls: [comfyUrl], settings: { userWorkflowsDir: userDir } });
      dirs.push(fixture.dataDir, fixture.outputDir);
      const client = await connect('2026', 'http', {
        mcpUrl: fixture.core.mcpUrl,
        token: fixture.core.settings.get().mcpToken,
        roots: [project],
      });
      try {
        await until(() => fixture.core.pool.snapshot().some((b) => b.available), 'ComfyUI is up', 60_000);
        const started = performance.now();
        let imageSeconds = Number.NaN;
        fixture.core.scheduler.on('job', (job: { state: string }) => {
          if (job.state === 'completed') imageSeconds = (performance.now() - started) / 1000;
        });
        // As an agent calls: a bounded wait, then check_batch_status until done (a loaded CPU may take minutes).
        const generated = structured<{ status: string; batch_id: string; images: { path: string }[] }>(
          await client.call('generate_image', {
            prompt: 'a lighthouse on a cliff at dusk',
            workflow: 'sd15-1step',
            width: 256,
            height: 192,
            seed: 7,
            save_path: 'public/lighthouse.png',
            web: 'card',
            wait_seconds: 45,
          }),
        );
        expect(['completed', 'running']).toContain(generated.status);
        const main = join(project, 'public', 'lighthouse.png');

        let status: Status;
        do {
          status = structured<Status>(
            await client.call('check_batch_status', { batch_id: generated.batch_id, wait_seconds: 45 }),
          );
        } while (!status.done);
        const totalSeconds = (performance.now() - started) / 1000;
        const item = status.items[0]!;
        expect(item).toMatchObject({ status: 'completed', path: main });
        const web = item.web!;
        expect(web.status, JSON.stringify(web.error)).toBe('done');
        const variants = web.variants!;
        console.info(
          `tests/comfyui-real: SD 1.5, 256×192, 1 step, web "card": image ${imageSeconds.toFixed(1)} s, ` +
            `variants done ${totalSeconds.toFixed(1)} s after the call; ` +
            variants.map((v) => `${v.format} ${v.width}×${v.height} ${v.bytes} B`).join(', '),
        );

        // The card ladder capped at a 256 px source: the source width, in AVIF, WebP and the JPEG fallback.
        expect(variants.map((v) => [v.format, v.width, v.height])).toEqual([
          ['avif', 256, 192],
          ['webp', 256, 192],
          ['jpeg', 256, 192],
        ]);
        const extension: Record<string, string> = { avif: 'avif', webp: 'webp', jpeg: 'jpg' };
        for (const variant of variants) {
          const name = `lighthouse-${variant.width}.${extension[variant.format]}`;
          expect(variant.path).toBe(join(project, 'public', name));
          expect(variant.url).toBe(`/${name}`);
          const metadata = await sharp(variant.path).metadata();
          expect([metadata.format, metadata.width, metadata.height], name).toEqual([
            sharpFormat[variant.format],
            variant.width,
            variant.height,
          ]);
          expect(statSync(variant.path).size, name).toBe(variant.bytes);
          expect(variant.bytes, name).toBeLessThanOrEqual(variant.budget.max_bytes);
          expect(variant.budget.met, name).toBe(true);
          // The snippet names every variant by its URL and width.
          expect(web.html).toContain(`${variant.url} ${variant.width}w`);
        }
        expect(web.html).toMatch(/^<picture>/u);
        expect(web.html).toContain('src="/lighthouse-256.jpg"');
        expect(web.html).toContain('width="256"');
        expect(web.html).toContain('height="192"');
      } finally {
        await client.close();
        await fixture.core.stop();
      }
    }, 600_000);
  });
}
