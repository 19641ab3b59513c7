import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { isBuilt, notBuiltMessage } from '../cli/built-cli.js';
import { removeDirs, startSd15Fake, startTestCore, until, type CoreFixture } from '../core/harness.js';
import { connect, type E2eClient, type Era, type Progress, type Via } from './clients.js';

/*
 * The whole MCP surface end to end: the real core (scheduler, pipeline, gallery, sharp) in front of the fake
 * ComfyUI, reached by both client eras over Streamable HTTP and through the built stdio shim, which finds
 * the running core through its data folder and forwards to it.
 */

const connections: [Era, Via][] = [
  ['2025', 'http'],
  ['2026', 'http'],
  ['2025', 'stdio'],
  ['2026', 'stdio'],
];
if (!isBuilt) console.warn(`tests/mcp-e2e: ${notBuiltMessage}`);
const runnable = connections.filter(([, via]) => via === 'http' || isBuilt);

const size = { workflow: 'sd15', width: 96, height: 64 };

interface WebResult {
  variants: { path: string; format: string; width: number; height: number; bytes: number }[];
  html: string;
}

/** ComfyUI's record of a prompt, from its /history: how it ended. */
async function historyStatus(fake: FakeComfyUI, promptId: string) {
  const history = (await (await fetch(`${fake.url}/history/${promptId}`)).json()) as Record<
    string,
    { status: { status_str: string; messages: [string, unknown][] } }
  >;
  return history[promptId]?.status;
}

async function wasInterrupted(fake: FakeComfyUI, promptId: string): Promise<boolean> {
  const status = await historyStatus(fake, promptId);
  return status?.messages.some(([event]) => event === 'execution_interrupted') ?? false;
}

describe.each(runnable)('%s-era client over %s', (era, via) => {
  let fake: FakeComfyUI;
  let fixture: CoreFixture;
  let project: string;
  let shimCwd: string;
  let client: E2eClient | undefined;

  beforeAll(async () => {
    fake = await startSd15Fake(2);
    fixture = await startTestCore({ urls: [fake.url] });
    project = mkdtempSync(join(tmpdir(), 'bridge-project-'));
    shimCwd = mkdtempSync(join(tmpdir(), 'bridge-shim-cwd-'));
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    fake.setStepMs(2);
  });
  afterAll(async () => {
    await fixture.core.stop();
    await fake.close();
    removeDirs(fixture.dataDir, fixture.outputDir, project, shimCwd);
  });

  const open = async (roots?: string[]) => {
    client = await connect(era, via, {
      mcpUrl: fixture.core.mcpUrl,
      token: fixture.core.settings.get().mcpToken,
      shimArgs: ['--data-dir', fixture.dataDir],
      cwd: shimCwd,
      ...(roots === undefined ? {} : { roots }),
    });
    return client;
  };

  it('lists the eight tools', async () => {
    const { tools } = await (await open()).listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'batch_generate_images',
      'cancel_batch',
      'check_batch_status',
      'check_comfyui_status',
      'convert_image',
      'edit_image',
      'generate_image',
      'list_generated_images',
    ]);
    if (via === 'stdio') expect(client!.stderr()).toContain('forwarding to the running app');
  });

  it('walks through every tool; a relative save path lands under the client root', async () => {
    const agent = await open([project]);

    const status = await agent.call('check_comfyui_status', {});
    expect(status.isError).toBeFalsy();
    expect(status.structuredContent).toMatchObject({ backends: [{ url: fake.url, reachable: true }] });

    const progress: Progress[] = [];
    const generated = await agent.call(
      'generate_image',
      { prompt: 'a lighthouse at dusk', save_path: 'public/hero.png', seed: 42, ...size },
      { onprogress: (update) => progress.push(update) },
    );
    expect(generated.isError, JSON.stringify(generated.content)).toBeFalsy();
    const heroPath = join(project, 'public', 'hero.png');
    expect(generated.structuredContent).toMatchObject({
      status: 'completed',
      images: [{ path: heroPath, width: 96, height: 64, seed: 42, format: 'png' }],
    });
    expect(await sharp(heroPath).metadata()).toMatchObject({ width: 96, height: 64, format: 'png' });
    expect(generated.content).toContainEqual(expect.objectContaining({ type: 'resource_link' }));
    expect(progress.some((update) => /^step \d+\/\d+$/.test(update.message ?? ''))).toBe(true);

    const accepted = await agent.call('batch_generate_images', {
      items: [{ prompt: 'a red door' }, { prompt: 'a blue door', save_path: 'public/doors/blue.jpg' }],
      defaults: size,
    });
    const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;
    expect(accepted.structuredContent).toMatchObject({ total: 2 });
    const batch = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 60 });
    expect(batch.structuredContent).toMatchObject({ done: true, total: 2, completed: 2, failed: 0 });
    expect(existsSync(join(project, 'public', 'doors', 'blue.jpg'))).toBe(true);

    const listed = await agent.call('list_generated_images', { query: 'lighthouse' });
    const listedPaths = (listed.structuredContent as { images: { path: string }[] }).images.map(
      (image) => image.path,
    );
    expect(listedPaths).toContain(heroPath);

    const converted = await agent.call('convert_image', { paths: ['public/hero.png'], quality: 70 });
    expect(converted.isError, JSON.stringify(converted.content)).toBeFalsy();
    expect(converted.structuredContent).toMatchObject({
      converted: 1,
      results: [{ output_path: join(project, 'public', 'hero.webp'), original_kept: true }],
    });
    expect((await sharp(join(project, 'public', 'hero.webp')).metadata()).format).toBe('webp');

    // The same image made web-ready: AVIF beside it, its variants, and the snippet with the web root's URLs.
    const web = await agent.call('convert_image', {
      paths: ['public/hero.png'],
      format: 'avif',
      web: { purpose: 'thumbnail', formats: ['avif', 'jpeg'] },
    });
    expect(web.isError, JSON.stringify(web.content)).toBeFalsy();
    const [made] = (web.structuredContent as { results: { output_path: string; web: WebResult }[] }).results;
    expect(made!.output_path).toBe(join(project, 'public', 'hero.avif'));
    expect((await sharp(made!.output_path).metadata()).format).toBe('heif');
    // The ladder (160, 320, 640) stops at the 96 px source.
    expect(made!.web.variants.map((variant) => [variant.format, variant.width, variant.height])).toEqual([
      ['avif', 96, 64],
      ['jpeg', 96, 64],
    ]);
    for (const variant of made!.web.variants) {
      const decoded = await sharp(variant.path).raw().toBuffer({ resolveWithObject: true });
      expect([decoded.info.width, statSync(variant.path).size]).toEqual([variant.width, variant.bytes]);
    }
    expect(made!.web.html).toContain('<source type="image/avif" srcset="/hero-96.avif 96w"');
    expect(made!.web.html).toContain('src="/hero-96.jpg"');
    expect(JSON.stringify(web.content)).toContain('<picture>');

    const folder = await agent.call('convert_image', { directory: 'public/doors' });
    expect(folder.structuredContent).toMatchObject({ converted: 1, failed: 0 });
    expect(existsSync(join(project, 'public', 'doors', 'blue.webp'))).toBe(true);

    const cancelled = await agent.call('cancel_batch', { batch_id: batchId });
    expect(cancelled.structuredContent).toMatchObject({ cancelled: 0, already_finished: 2 });
  });

  it(
    via === 'stdio'
      ? "without roots, a relative save path lands in the shim's working directory"
      : 'without roots, a relative save path lands in the output folder',
    async () => {
      const agent = await open();
      const result = await agent.call('generate_image', {
        prompt: 'a cat',
        save_path: 'img/cat.png',
        ...size,
      });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      const expected = join(via === 'stdio' ? shimCwd : fixture.outputDir, 'img', 'cat.png');
      expect(result.structuredContent).toMatchObject({ images: [{ path: expected }] });
      expect(existsSync(expected)).toBe(true);
    },
  );

  it('returns status "running" with a batch id after the bounded wait; the batch later completes', async () => {
    const agent = await open([project]);
    // 20 steps of 150 ms cannot finish within the 1 s wait.
    fake.setStepMs(150);
    const result = await agent.call('generate_image', {
      prompt: 'a slow sunrise',
      save_path: 'slow/sunrise.png',
      wait_seconds: 1,
      ...size,
    });
    expect(result.structuredContent).toMatchObject({ status: 'running', images: [] });
    const batchId = (result.structuredContent as { batch_id: string }).batch_id;
    expect(batchId).toEqual(expect.any(String));

    const status = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 60 });
    expect(status.structuredContent).toMatchObject({
      done: true,
      completed: 1,
      items: [{ status: 'completed', path: join(project, 'slow', 'sunrise.png') }],
    });
    expect(existsSync(join(project, 'slow', 'sunrise.png'))).toBe(true);
  });

  it('cancelling the call interrupts the ComfyUI job', async () => {
    const agent = await open([project]);
    fake.setStepMs(100);
    const submittedBefore = fake.submitted.length;
    const controller = new AbortController();
    let sampling = false;
    const call = agent.call(
      'generate_image',
      { prompt: 'never finished', save_path: 'cancelled.png', ...size },
      {
        signal: controller.signal,
        onprogress: (update) => (sampling ||= /^step /.test(update.message ?? '')),
      },
    );
    call.catch(() => undefined);
    await until(() => sampling, 'ComfyUI sampling the prompt');
    const promptId = fake.submitted[submittedBefore]!.promptId;
    controller.abort(new Error('the user pressed stop'));
    await expect(call).rejects.toThrow();

    await until(() => fake.queueLength === 0, 'ComfyUI idle again');
    expect(await wasInterrupted(fake, promptId)).toBe(true);
    expect(fake.executions.get(promptId)).toBeUndefined();
    expect(existsSync(join(project, 'cancelled.png'))).toBe(false);
  });

  it('cancel_batch cancels pending items and interrupts the running one', async () => {
    const agent = await open([project]);
    fake.setStepMs(100);
    const submittedBefore = fake.submitted.length;
    const accepted = await agent.call('batch_generate_images', {
      items: Array.from({ length: 6 }, (_, index) => ({ prompt: `door ${index}` })),
      defaults: size,
    });
    const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;
    await until(() => fake.submitted.length > submittedBefore, 'the first item reaching ComfyUI');

    const cancelled = await agent.call('cancel_batch', { batch_id: batchId });
    expect(cancelled.isError, JSON.stringify(cancelled.content)).toBeFalsy();
    const { cancelled: count } = cancelled.structuredContent as { cancelled: number };
    expect(count).toBeGreaterThanOrEqual(5);

    const status = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 30 });
    expect(status.structuredContent).toMatchObject({ done: true, total: 6, pending: 0, running: 0 });
    const counts = status.structuredContent as { cancelled: number; completed: number };
    expect(counts.cancelled).toBe(count);
    expect(counts.completed + counts.cancelled).toBe(6);

    // The running item was interrupted, the ones queued in ComfyUI were taken out of its queue, and no
    // prompt of this batch ran to completion after the cancel.
    await until(() => fake.queueLength === 0, 'ComfyUI idle again');
    const sent = fake.submitted.slice(submittedBefore).map((prompt) => prompt.promptId);
    const outcomes = await Promise.all(
      sent.map(async (promptId) => {
        if (fake.executions.get(promptId) === 1) return 'completed';
        if (await wasInterrupted(fake, promptId)) return 'interrupted';
        return (await historyStatus(fake, promptId)) ? 'failed' : 'never ran';
      }),
    );
    expect(outcomes).toContain('interrupted');
    expect(outcomes).not.toContain('failed');
    expect(outcomes.filter((outcome) => outcome === 'completed')).toHaveLength(counts.completed);
  });
});
