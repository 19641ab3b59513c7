import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runnableConnections } from './connections.js';
import { removeDirs, startTestCore, until, type CoreFixture } from '../core/harness.js';
import { connect, type E2eClient } from '../mcp-e2e/clients.js';

/*
 * The MCP tool walk-through against a REAL ComfyUI (see ../../../shared/comfyui/real/): both client eras,
 * over HTTP and through the built stdio shim, with the model-free fixture workflows
 * EmptyImage -> SlowProgress -> SaveImage (tests/fixtures/workflows). Run with
 *   COMFYUI_URL=http://127.0.0.1:8188 npm run test:comfyui
 */

const url = process.env.COMFYUI_URL;
const fixtureWorkflows = resolve(import.meta.dirname, '..', 'fixtures', 'workflows');
const runnable = runnableConnections(url);

interface HistoryEntry {
  prompt: [number, string, Record<string, { inputs: Record<string, unknown> }>];
  status: { status_str: string; messages: [string, unknown][] };
}

/** ComfyUI's history entries whose SlowProgress node was labelled with this prompt text. */
async function historyFor(comfyUrl: string, prompt: string): Promise<HistoryEntry[]> {
  const history = (await (await fetch(`${comfyUrl}/history?max_items=200`)).json()) as Record<
    string,
    HistoryEntry
  >;
  return Object.values(history).filter((entry) =>
    Object.values(entry.prompt[2]).some((node) => node.inputs.label === prompt),
  );
}

async function queueLength(comfyUrl: string): Promise<number> {
  const queue = (await (await fetch(`${comfyUrl}/queue`)).json()) as {
    queue_running: unknown[];
    queue_pending: unknown[];
  };
  return queue.queue_running.length + queue.queue_pending.length;
}

if (!url) {
  describe.skip('COMFYUI_URL not set: the MCP walk-through against a real ComfyUI is skipped', () => {});
} else {
  describe.each(runnable)('real ComfyUI: %s-era client over %s', (era, via) => {
    let fixture: CoreFixture;
    let project: string;
    let client: E2eClient | undefined;
    const unique = `${era}-${via}-${Date.now()}`;

    beforeAll(async () => {
      fixture = await startTestCore({
        urls: [url],
        settings: { userWorkflowsDir: fixtureWorkflows, defaultWorkflow: 'slow-progress' },
      });
      project = mkdtempSync(join(tmpdir(), 'bridge-real-project-'));
    });
    afterEach(async () => {
      await client?.close();
      client = undefined;
    });
    afterAll(async () => {
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir, project);
    });

    const open = async () => {
      client = await connect(era, via, {
        mcpUrl: fixture.core.mcpUrl,
        token: fixture.core.settings.get().mcpToken,
        shimArgs: ['--data-dir', fixture.dataDir],
        cwd: project,
        roots: [project],
      });
      return client;
    };

    it('walks through every tool', async () => {
      const agent = await open();
      await until(() => fixture.core.pool.snapshot().some((backend) => backend.available), 'ComfyUI healthy');
      const status = await agent.call('check_comfyui_status', {});
      expect(status.structuredContent).toMatchObject({
        backends: [{ url, reachable: true, default_workflow: { id: 'slow-progress', can_run: true } }],
      });

      const steps: string[] = [];
      const generated = await agent.call(
        'generate_image',
        { prompt: `hero ${unique}`, save_path: 'public/hero.png', width: 96, height: 64, seed: 7 },
        { onprogress: (update) => steps.push(update.message ?? '') },
      );
      expect(generated.isError, JSON.stringify(generated.content)).toBeFalsy();
      const heroPath = join(project, 'public', 'hero.png');
      expect(generated.structuredContent).toMatchObject({
        status: 'completed',
        images: [{ path: heroPath, width: 96, height: 64, seed: 7, workflow: 'slow-progress', backend: url }],
      });
      expect(await sharp(heroPath).metadata()).toMatchObject({ width: 96, height: 64, format: 'png' });
      expect(steps).toContain('step 4/4');

      const accepted = await agent.call('batch_generate_images', {
        items: [{ prompt: `a ${unique}` }, { prompt: `b ${unique}`, save_path: 'public/b.jpg' }],
        defaults: { width: 64, height: 64 },
      });
      const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;
      const batch = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 90 });
      expect(batch.structuredContent).toMatchObject({ done: true, completed: 2, failed: 0 });
      expect((await sharp(join(project, 'public', 'b.jpg')).metadata()).format).toBe('jpeg');

      const listed = await agent.call('list_generated_images', { query: unique });
      expect((listed.structuredContent as { images: unknown[] }).images).toHaveLength(3);

      const converted = await agent.call('convert_image', { paths: ['public/hero.png'] });
      expect(converted.structuredContent).toMatchObject({
        results: [{ output_path: join(project, 'public', 'hero.webp') }],
      });
      const listConverted = await agent.call('convert_image', {
        paths: ['public/b.jpg', 'public/hero.png'],
        format: 'avif',
        quality: 60,
      });
      expect(listConverted.structuredContent).toMatchObject({ converted: 2, failed: 0 });
      expect((await sharp(join(project, 'public', 'b.avif')).metadata()).format).toBe('heif');

      const cancelled = await agent.call('cancel_batch', { batch_id: batchId });
      expect(cancelled.structuredContent).toMatchObject({ cancelled: 0, already_finished: 2 });
    });

    it('returns a batch id after the bounded wait; the batch completes later', async () => {
      const agent = await open();
      const prompt = `slow ${unique}`;
      const result = await agent.call('generate_image', {
        prompt,
        workflow: 'slow-progress-long',
        width: 64,
        height: 64,
        wait_seconds: 1,
      });
      expect(result.structuredContent).toMatchObject({ status: 'running' });
      const batchId = (result.structuredContent as { batch_id: string }).batch_id;
      const status = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 100 });
      expect(status.structuredContent).toMatchObject({ done: true, completed: 1 });
    });

    it('cancelling the call interrupts the ComfyUI job', async () => {
      const agent = await open();
      const prompt = `cancelled ${unique}`;
      const controller = new AbortController();
      let sampling = false;
      const call = agent.call(
        'generate_image',
        { prompt, workflow: 'slow-progress-long', width: 64, height: 64 },
        {
          signal: controller.signal,
          onprogress: (update) => (sampling ||= /^step /.test(update.message ?? '')),
        },
      );
      call.catch(() => undefined);
      await until(() => sampling, 'ComfyUI running the prompt', 60_000);
      controller.abort();
      await expect(call).rejects.toThrow();
      let entries: HistoryEntry[] = [];
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        entries = await historyFor(url, prompt);
        if (entries.length > 0 && (await queueLength(url)) === 0) break;
        await new Promise((resolveTimer) => setTimeout(resolveTimer, 200));
      }
      expect(entries).toHaveLength(1);
      expect(entries[0]!.status.messages.map(([event]) => event)).toContain('execution_interrupted');
      expect(entries[0]!.status.status_str).toBe('error');
    });
  });
}
