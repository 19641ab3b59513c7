import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiRoutes, type DashboardEvent } from '../../shared/dashboard-api.js';
import { cleanupsAfterEach, removeDirs, startTestCore, toolContext, until } from '../core/harness.js';
import { apiOf, openEvents } from '../dashboard/helpers.js';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';
import { modelName, startFileServer, workflowsWith, type FileServerOptions } from './support.js';

/*
 * The dashboard's model download end to end: a real core, a fake ComfyUI whose model folders are real folders
 * (its folder API names them, its lists read them), and a real HTTP file server on 127.0.0.1:0 that honours
 * Range and can cut a connection part-way.
 */

const cleanups = cleanupsAfterEach();

async function setUp(bytes: Buffer, sidecar: { bytes: number; sha256: string }, cut: FileServerOptions = {}) {
  const server = await startFileServer(bytes, cut);
  cleanups.push(() => server.close());
  const workflowsDir = workflowsWith(server.url, sidecar);
  cleanups.push(() => removeDirs(workflowsDir));
  const modelsDir = mkdtempSync(join(tmpdir(), 'comfy-models-'));
  cleanups.push(() => removeDirs(modelsDir));
  const comfy = await startFakeComfyUI({
    modelsDir,
    stepMs: 2,
    device: {
      name: 'cuda:0 NVIDIA GeForce RTX 3060 : cudaMallocAsync',
      type: 'cuda',
      vramTotal: 12_884_901_888,
    },
  });
  cleanups.push(() => comfy.close());
  const fixture = await startTestCore({
    urls: [comfy.url],
    bundledWorkflowsDir: workflowsDir,
  });
  cleanups.push(async () => {
    await fixture.core.stop();
    removeDirs(fixture.dataDir, fixture.outputDir);
  });
  await until(() => fixture.core.pool.snapshot()[0]?.available === true, 'backend available');
  const events = await openEvents(fixture.core);
  if (events.kind !== 'open') throw new Error('events refused');
  cleanups.push(() => events.socket.close());
  return { server, modelsDir, fixture, api: apiOf(fixture.core), events: events.events };
}

const downloads = (events: DashboardEvent[]) =>
  events.flatMap((event) => (event.type === 'download' ? [event.download] : []));

describe('model download from the dashboard', () => {
  it('offers the model, downloads it with progress, continues after a cut with Range, and the workflow then runs', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { server, modelsDir, fixture, api, events } = await setUp(
      bytes,
      { bytes: bytes.length, sha256 },
      { cutFirst: 1, cutAfter: 1024 * 1024 },
    );

    const offered = apiRoutes.models.response.parse((await api.call('/api/models')).json());
    expect(offered).toMatchObject({
      local: true,
      runnable: false,
      backend: fixture.core.pool.snapshot()[0]!.url,
    });
    expect(offered.offer).toMatchObject({
      workflow: 'sd15',
      fits: true,
      license: { name: 'CreativeML OpenRAIL-M' },
      files: [
        { file: modelName, folder: 'checkpoints', url: server.url, present: false, bytes: bytes.length },
      ],
    });
    expect(offered.offer!.files[0]!.target).toBe(join(modelsDir, 'checkpoints'));

    const started = await api.call('/api/models/sd15/download', { method: 'POST' });
    expect(started.status, started.body.toString()).toBe(200);
    expect(apiRoutes.downloadModel.response.parse(started.json())).toMatchObject({ state: 'running' });
    await until(() => downloads(events).some((view) => view.state !== 'running'), 'download finished');

    const views = downloads(events);
    expect(views.at(-1)).toMatchObject({ state: 'done', workflow: 'sd15' });
    const progress = views.filter((view) => view.state === 'running').map((view) => view.received);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // The first connection broke after 1 MiB; the second asked only for what the partial file lacked (fetch may
    // drop the last chunks it had buffered when the body errors, so the partial holds at most that 1 MiB).
    expect(server.ranges).toHaveLength(2);
    expect(server.ranges[0]).toBe('');
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(server.ranges[1]!)?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(1024 * 1024);

    const target = join(modelsDir, 'checkpoints', modelName);
    expect(readFileSync(target).equals(bytes)).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(readdirSync(join(modelsDir, 'checkpoints'))).toEqual([modelName]);

    const after = apiRoutes.models.response.parse((await api.call('/api/models')).json());
    expect(after.runnable).toBe(true);
    const { ctx } = toolContext();
    const image = await fixture.core.service.generateImage(
      { prompt: 'a lighthouse at dusk', width: 64, height: 64, save_path: 'first.png' },
      ctx,
    );
    expect(image).toMatchObject({ status: 'completed', images: [{ workflow: 'sd15' }] });
    expect(existsSync(image.images[0]!.path)).toBe(true);
  });

  it('refuses a file whose SHA-256 differs from the sidecar and removes the partial file', async () => {
    const bytes = randomBytes(256 * 1024);
    const wrong = createHash('sha256').update('something else').digest('hex');
    const { modelsDir, api, events } = await setUp(bytes, { bytes: bytes.length, sha256: wrong });

    await api.call('/api/models/sd15/download', { method: 'POST' });
    await until(() => downloads(events).some((view) => view.state !== 'running'), 'download finished');
    const last = downloads(events).at(-1)!;
    expect(last.state).toBe('failed');
    expect(last.error).toContain(`not the ${wrong} its sidecar records; the partial file was removed`);
    expect(readdirSync(join(modelsDir, 'checkpoints'))).toEqual([]);
    const view = apiRoutes.models.response.parse((await api.call('/api/models')).json());
    expect(view.runnable).toBe(false);
    expect(view.download).toMatchObject({ state: 'failed' });
  });

  it('refuses a file of the wrong size and removes the partial file', async () => {
    const bytes = randomBytes(64 * 1024);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { modelsDir, api, events } = await setUp(bytes, { bytes: bytes.length + 1, sha256 });

    await api.call('/api/models/sd15/download', { method: 'POST' });
    await until(() => downloads(events).some((view) => view.state !== 'running'), 'download finished');
    expect(downloads(events).at(-1)).toMatchObject({
      state: 'failed',
      error: `${modelName} came to ${bytes.length} bytes where ${bytes.length + 1} were expected; the partial file was removed.`,
    });
    expect(readdirSync(join(modelsDir, 'checkpoints'))).toEqual([]);
  });

  // A ComfyUI reached at another address than loopback: this machine's own LAN address stands in for another one.
  const lanAddress = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && !entry.internal && entry.family === 'IPv4')?.address;
  it.skipIf(!lanAddress)(
    'lists links and target folders for a ComfyUI on another machine, and downloads nothing',
    async () => {
      const bytes = randomBytes(1024);
      const server = await startFileServer(bytes);
      cleanups.push(() => server.close());
      const workflowsDir = workflowsWith(server.url, {
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
      const modelsDir = mkdtempSync(join(tmpdir(), 'comfy-models-'));
      cleanups.push(() => removeDirs(workflowsDir, modelsDir));
      const comfy = await startFakeComfyUI({ modelsDir, host: lanAddress! });
      cleanups.push(() => comfy.close());
      const fixture = await startTestCore({ urls: [comfy.url], bundledWorkflowsDir: workflowsDir });
      cleanups.push(async () => {
        await fixture.core.stop();
        removeDirs(fixture.dataDir, fixture.outputDir);
      });
      await until(() => fixture.core.pool.snapshot()[0]?.available === true, 'backend available');
      const api = apiOf(fixture.core);

      const view = apiRoutes.models.response.parse((await api.call('/api/models')).json());
      expect(view).toMatchObject({ local: false, runnable: false, backend: comfy.url });
      expect(view.offer?.files).toEqual([
        expect.objectContaining({ url: server.url, target: join(modelsDir, 'checkpoints'), present: false }),
      ]);
      const refused = await api.call('/api/models/sd15/download', { method: 'POST' });
      expect(refused.status).toBe(409);
      expect(refused.json()).toMatchObject({ error: { code: 'comfyui_remote' } });
      expect(server.ranges).toEqual([]);
      expect(existsSync(join(modelsDir, 'checkpoints'))).toBe(false);
    },
  );
});
