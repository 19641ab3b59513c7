// One file: every /api route tested on a real core with the fake SD 1.5 ComfyUI, through the fixtures and the
// finishedBatch helper at the top.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  apiErrorSchema,
  apiRoutes,
  galleryPageSchema,
  workflowListSchema,
} from '../../shared/dashboard-api.js';
import { createHeadlessDesktop } from '../../electron/desktop-headless.js';
import { silentLogger } from '../../electron/log.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import {
  cleanupsAfterEach,
  removeDirs,
  startSd15Fake,
  startTestCore,
  toolContext,
  until,
  type CoreFixture,
} from '../core/harness.js';
import { apiOf, eventually, send } from './helpers.js';

const cleanups = cleanupsAfterEach();

async function fake(): Promise<FakeComfyUI> {
  const started = await startSd15Fake();
  cleanups.push(() => started.close());
  return started;
}

async function core(options: Parameters<typeof startTestCore>[0]): Promise<CoreFixture> {
  const fixture = await startTestCore(options);
  cleanups.push(async () => {
    await fixture.core.stop();
    removeDirs(fixture.dataDir, fixture.outputDir);
  });
  return fixture;
}

/** Runs a finished batch of `count` small SD 1.5 images; returns its id. */
async function finishedBatch(fixture: CoreFixture, count: number): Promise<string> {
  const { ctx } = toolContext();
  const items = Array.from({ length: count }, (_, i) => ({ prompt: `a red fox, take ${i}` }));
  const accepted = await fixture.core.service.batchGenerateImages(
    { items, defaults: { workflow: 'sd15', width: 96, height: 64 } },
    ctx,
  );
  const status = await fixture.core.service.checkBatchStatus(
    { batch_id: accepted.batch_id, wait_seconds: 60 },
    ctx,
  );
  expect(status).toMatchObject({ done: true, completed: count });
  return accepted.batch_id;
}

function errorCode(body: unknown): string {
  return apiErrorSchema.parse(body).error.code;
}

describe('dashboard API on a real core', () => {
  it("answers every route with its contract's schema", async () => {
    const comfy = await fake();
    const fixture = await core({ urls: [comfy.url] });
    const api = apiOf(fixture.core);
    const batchId = await finishedBatch(fixture, 2);
    const imageId = (await fixture.core.gallery.loaded()).list().items[0]!.id;
    await until(() => fixture.core.pool.snapshot()[0]?.available === true, 'backend available');

    // Reveal needs a desktop and Start ComfyUI a command; their own tests check their answers.
    const calls: Record<
      Exclude<keyof typeof apiRoutes, 'revealImage' | 'startComfyui'>,
      { path: string; body?: unknown }
    > = {
      status: { path: '/api/status' },
      batches: { path: '/api/batches' },
      cancelBatch: { path: `/api/batches/${batchId}/cancel` },
      gallery: { path: '/api/gallery?limit=1' },
      workflows: { path: '/api/workflows' },
      settings: { path: '/api/settings' },
      updateSettings: { path: '/api/settings', body: { defaultWaitSeconds: 30 } },
      connect: { path: '/api/connect' },
      models: { path: '/api/models' },
      // Every file is there already: done at once, nothing fetched.
      downloadModel: { path: '/api/models/sd15/download' },
      checklist: { path: '/api/checklist' },
      dismissChecklist: { path: '/api/checklist/dismiss' },
      deleteImage: { path: `/api/gallery/${imageId}` },
    };
    for (const [name, call] of Object.entries(calls) as [
      keyof typeof apiRoutes,
      (typeof calls)[keyof typeof calls],
    ][]) {
      const route = apiRoutes[name];
      const reply = await api.call(call.path, { method: route.method, body: call.body });
      expect(reply.status, `${route.method} ${call.path}: ${reply.body.toString()}`).toBe(200);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(reply.headers['cache-control']).toBe('no-store');
      route.response.parse(reply.json());
    }

    const status = apiRoutes.status.response.parse((await api.call('/api/status')).json());
    expect(status.mcpUrl).toBe(fixture.core.mcpUrl);
    expect(status.backends).toEqual([expect.objectContaining({ url: comfy.url, reachable: true })]);
    expect(status.backends[0]!.devices.length).toBeGreaterThan(0);

    const batches = apiRoutes.batches.response.parse((await api.call('/api/batches')).json());
    const batch = batches.batches.find((candidate) => candidate.id === batchId)!;
    expect(batch).toMatchObject({ done: true, counts: { total: 2, completed: 2 } });
    expect(batch.items.map((item) => item.state)).toEqual(['completed', 'completed']);
    // The deleted image's item keeps its path but no longer points into the gallery; the other one does.
    const kept = batch.items.find((item) => item.imageId !== undefined);
    const deleted = batch.items.find((item) => item.imageId === undefined);
    expect(kept!.imageId).toBe(kept!.jobId);
    expect(existsSync(kept!.path!)).toBe(true);
    expect(deleted!.imageId).toBeUndefined();
    expect(deleted!.jobId).toBe(imageId);
  });

  it('reveals an image through the desktop, and says headless (serve) cannot instead of reporting success', async () => {
    const comfy = await fake();
    const revealed: string[] = [];
    const headless = await core({ urls: [comfy.url] });
    const desktop = createHeadlessDesktop({
      trashDir: join(headless.dataDir, 'trash'),
      logger: silentLogger,
    });
    const withDesktop = await core({
      urls: [comfy.url],
      desktop: { ...desktop, revealInFolder: (path) => void revealed.push(path) },
    });
    for (const fixture of [headless, withDesktop]) await finishedBatch(fixture, 1);

    const headlessImage = (await headless.core.gallery.loaded()).list().items[0]!;
    const refused = await apiOf(headless.core).call(`/api/gallery/${headlessImage.id}/reveal`, {
      method: 'POST',
    });
    expect(refused.status).toBe(501);
    const { error } = apiErrorSchema.parse(refused.json());
    expect(error.code).toBe('not_available');
    expect(error.message).toBe(
      `Reveal in folder needs the desktop app; this bridge runs headless (serve). Its folder is ${dirname(headlessImage.path)}.`,
    );

    const desktopImage = (await withDesktop.core.gallery.loaded()).list().items[0]!;
    const shown = await apiOf(withDesktop.core).call(`/api/gallery/${desktopImage.id}/reveal`, {
      method: 'POST',
    });
    expect(shown.status).toBe(200);
    expect(apiRoutes.revealImage.response.parse(shown.json())).toEqual({ ok: true });
    expect(revealed).toEqual([desktopImage.path]);
  });

  it('refuses a request without the token, with a wrong one, and from a foreign origin or host', async () => {
    const fixture = await core({ urls: ['http://127.0.0.1:9'] });
    const { token } = apiOf(fixture.core);

    const missing = await send(fixture.core.url, { path: '/api/status' });
    expect(missing.status).toBe(401);
    expect(errorCode(missing.json())).toBe('unauthorized');
    // Read as plain text by curl and agents: no Markdown backticks, and it names where the token comes from.
    expect(JSON.stringify(missing.json())).not.toContain('`');
    expect(JSON.stringify(missing.json())).toContain('comfyui-mcp-bridge serve');
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);

    const wrong = await send(fixture.core.url, {
      path: '/api/status',
      headers: { Authorization: `Bearer ${token}x` },
    });
    expect(wrong.status).toBe(401);
    expect((await send(fixture.core.url, { path: `/api/status?token=${token}x` })).status).toBe(401);
    expect((await send(fixture.core.url, { path: `/api/status?token=${token}` })).status).toBe(200);
    // The token of /mcp is not the dashboard's.
    expect((await send(fixture.core.url, { path: '/api/status?token=' })).status).toBe(401);

    const foreignOrigin = await send(fixture.core.url, {
      path: '/api/status',
      headers: { Authorization: `Bearer ${token}`, Origin: 'http://evil.example' },
    });
    expect(foreignOrigin.status).toBe(403);
    expect(errorCode(foreignOrigin.json())).toBe('forbidden_origin');

    const ownOrigin = await send(fixture.core.url, {
      path: '/api/status',
      headers: { Authorization: `Bearer ${token}`, Origin: fixture.core.url },
    });
    expect(ownOrigin.status).toBe(200);

    const foreignHost = await send(fixture.core.url, {
      path: '/api/status',
      headers: { Authorization: `Bearer ${token}`, Host: `evil.example:${new URL(fixture.core.url).port}` },
    });
    expect(foreignHost.status).toBe(403);
    expect(errorCode(foreignHost.json())).toBe('forbidden_host');
  });

  it('names unknown routes, wrong methods and bad input with apiErrorSchema bodies', async () => {
    const fixture = await core({ urls: ['http://127.0.0.1:9'] });
    const api = apiOf(fixture.core);
    const cases: [string, { method?: string; body?: unknown }, number, string][] = [
      ['/api/nothing', {}, 404, 'not_found'],
      ['/api/status', { method: 'POST' }, 405, 'method_not_allowed'],
      ['/api/batches/b_unknown/cancel', { method: 'POST' }, 404, 'batch_not_found'],
      ['/api/gallery/unknown', { method: 'DELETE' }, 404, 'image_not_found'],
      ['/api/gallery/unknown/thumbnail', {}, 404, 'image_not_found'],
      ['/api/gallery?limit=0', {}, 400, 'invalid_query'],
      ['/api/gallery?cursor=not-a-cursor', {}, 400, 'invalid_cursor'],
      ['/api/settings', { method: 'PATCH', body: { port: 'eighty' } }, 400, 'invalid_settings'],
      ['/api/settings', { method: 'PATCH', body: { dashboardToken: 'mine' } }, 400, 'invalid_settings'],
      ['/api/settings', { method: 'PATCH', body: { defaultWorkflow: 'nope' } }, 400, 'unknown_workflow'],
    ];
    for (const [path, options, status, code] of cases) {
      const reply = await api.call(path, options);
      expect(reply.status, `${options.method ?? 'GET'} ${path}`).toBe(status);
      expect(errorCode(reply.json()), path).toBe(code);
    }
    const notJson = await send(fixture.core.url, {
      path: '/api/settings',
      method: 'PATCH',
      headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(errorCode(notJson.json())).toBe('invalid_json');
  });

  it('serves thumbnails as WebP and full images in their own format, by id, revalidated by ETag', async () => {
    const comfy = await fake();
    const fixture = await core({ urls: [comfy.url] });
    const api = apiOf(fixture.core);
    await finishedBatch(fixture, 1);
    const record = (await fixture.core.gallery.loaded()).list().items[0]!;

    const thumbnail = await api.call(`/api/gallery/${record.id}/thumbnail`);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers['content-type']).toBe('image/webp');
    expect(thumbnail.headers['cache-control']).toMatch(/^private/);
    expect((await sharp(thumbnail.body).metadata()).format).toBe('webp');

    // Images are loaded by <img>, which cannot send headers: the token rides in the query.
    const full = await send(fixture.core.url, { path: `/api/gallery/${record.id}/image?token=${api.token}` });
    expect(full.status).toBe(200);
    expect(full.headers['content-type']).toBe(`image/${record.format}`);
    expect(full.body.equals(readFileSync(record.path))).toBe(true);

    const again = await api.call(`/api/gallery/${record.id}/image`, {
      headers: { 'If-None-Match': String(full.headers.etag) },
    });
    expect(again.status).toBe(304);
    expect(again.body.byteLength).toBe(0);
  });

  it('deletes to the trash folder and forgets the record', async () => {
    const comfy = await fake();
    const fixture = await core({ urls: [comfy.url] });
    const api = apiOf(fixture.core);
    await finishedBatch(fixture, 2);
    const record = (await fixture.core.gallery.loaded()).list().items[0]!;
    const content = readFileSync(record.path);

    const reply = await api.call(`/api/gallery/${record.id}`, { method: 'DELETE' });
    expect(apiRoutes.deleteImage.response.parse(reply.json())).toMatchObject({ deleted: true });
    expect(existsSync(record.path)).toBe(false);
    const trashDir = join(fixture.dataDir, 'trash');
    const trashed = readdirSync(trashDir).map((name) => readFileSync(join(trashDir, name)));
    expect(trashed.some((bytes) => bytes.equals(content))).toBe(true);

    const page = galleryPageSchema.parse((await api.call('/api/gallery')).json());
    expect(page.total).toBe(1);
    expect(page.items.map((item) => item.id)).not.toContain(record.id);
    expect((await api.call(`/api/gallery/${record.id}/image`)).status).toBe(404);
    expect((await api.call(`/api/gallery/${record.id}`, { method: 'DELETE' })).status).toBe(404);

    // A file deleted outside the bridge: only the entry is left to remove, and nothing else is trashed.
    const other = (await fixture.core.gallery.loaded()).list().items[0]!;
    rmSync(other.path);
    const trashedBefore = readdirSync(trashDir).length;
    const gone = await api.call(`/api/gallery/${other.id}`, { method: 'DELETE' });
    expect(gone.status).toBe(200);
    expect((await fixture.core.gallery.loaded()).get(other.id)).toBeUndefined();
    expect(readdirSync(trashDir)).toHaveLength(trashedBefore);
  });

  it('lists a workflow dropped into the user folder, with its detected parameters, without a restart', async () => {
    const comfy = await fake();
    const fixture = await core({ urls: [comfy.url] });
    const api = apiOf(fixture.core);
    await until(() => fixture.core.pool.snapshot()[0]?.available === true, 'backend available');
    const before = workflowListSchema.parse((await api.call('/api/workflows')).json());
    expect(before.workflows.find((workflow) => workflow.id === 'sd15')).toMatchObject({
      source: 'bundled',
      status: 'ok',
      validation: [{ backend: comfy.url, runnable: true, messages: [] }],
    });
    const flux = before.workflows.find((workflow) => workflow.id === 'flux-schnell')?.validation[0];
    expect(flux?.runnable).toBe(false);
    expect(flux?.messages.some((message) => message.includes('"flux1-schnell.safetensors"'))).toBe(true);
    expect(before.defaultId).toBe('sd15');

    const graph = readFileSync(join(import.meta.dirname, '..', '..', 'workflows', 'sd15.json'), 'utf8');
    writeFileSync(join(before.userFolder, 'my-fox.json'), graph);
    let mine: (typeof before.workflows)[number] | undefined;
    await eventually(async () => {
      const list = workflowListSchema.parse((await api.call('/api/workflows')).json());
      mine = list.workflows.find((workflow) => workflow.id === 'my-fox');
      return mine !== undefined;
    }, 'the dropped workflow is listed');
    expect(mine).toMatchObject({ source: 'user', status: 'ok' });
    expect(mine!.parameters.map((parameter) => parameter.name)).toEqual(
      expect.arrayContaining(['prompt', 'negative_prompt', 'width', 'height', 'seed']),
    );
    expect(mine!.validation).toEqual([{ backend: comfy.url, runnable: true, messages: [] }]);

    const chosen = await api.call('/api/settings', { method: 'PATCH', body: { defaultWorkflow: 'my-fox' } });
    expect(chosen.status).toBe(200);
    const after = workflowListSchema.parse((await api.call('/api/workflows')).json());
    expect(after.defaultId).toBe('my-fox');
    expect(after.defaultReason).toContain('chosen default');
  });

  it('says what an empty folder setting stands for, so that its field can show it', async () => {
    const fixture = await core({ urls: ['http://127.0.0.1:9'] });
    const answer = apiRoutes.settings.response.parse(
      (await apiOf(fixture.core).call('/api/settings')).json(),
    );
    expect(answer.folderDefaults).toEqual({
      outputDir: join(homedir(), 'Pictures', 'ComfyUI MCP Bridge'),
      userWorkflowsDir: join(fixture.dataDir, 'workflows'),
    });
  });

  it('applies a one-field settings patch without touching the rest, and reports what needs a restart', async () => {
    const fixture = await core({ urls: ['http://127.0.0.1:9'], settings: { maxInFlightPerBackend: 3 } });
    const api = apiOf(fixture.core);
    const patched = apiRoutes.updateSettings.response.parse(
      (await api.call('/api/settings', { method: 'PATCH', body: { defaultWaitSeconds: 12 } })).json(),
    );
    expect(patched.settings).toMatchObject({ defaultWaitSeconds: 12, maxInFlightPerBackend: 3 });
    expect(patched.settings).not.toHaveProperty('dashboardToken');
    expect(patched.restartRequired).toEqual([]);

    const moved = apiRoutes.updateSettings.response.parse(
      (await api.call('/api/settings', { method: 'PATCH', body: { port: 8555, host: 'localhost' } })).json(),
    );
    expect(moved.restartRequired.sort()).toEqual(['host', 'port']);
    const later = apiRoutes.settings.response.parse((await api.call('/api/settings')).json());
    expect(later.restartRequired.sort()).toEqual(['host', 'port']);
  });

  it('refuses a relative folder with a 400 that says what to give instead, and changes nothing', async () => {
    // A relative folder would be resolved against the process's working directory, which nobody chose.
    const fixture = await core({ urls: ['http://127.0.0.1:9'] });
    const api = apiOf(fixture.core);
    const chosen = mkdtempSync(join(tmpdir(), 'bridge-chosen-'));
    cleanups.push(() => removeDirs(chosen));
    const before = apiRoutes.settings.response.parse((await api.call('/api/settings')).json()).settings;
    const refused: [Record<string, unknown>, string, string][] = [
      [{ outputDir: 'images' }, 'outputDir', 'images'],
      [{ outputDir: './out/../images', defaultWaitSeconds: 5 }, 'outputDir', './out/../images'],
      [{ userWorkflowsDir: 'my workflows' }, 'userWorkflowsDir', 'my workflows'],
      [{ allowedDirs: [chosen, 'shared/pictures'] }, 'allowedDirs[1]', 'shared/pictures'],
    ];
    for (const [patch, field, value] of refused) {
      const reply = await api.call('/api/settings', { method: 'PATCH', body: patch });
      expect(reply.status, JSON.stringify(patch)).toBe(400);
      const { error } = apiErrorSchema.parse(reply.json());
      expect(error.code).toBe('relative_path');
      expect(error.message).toContain(`${field} must be a full (absolute) path, but "${value}" is relative`);
      expect(error.message).toContain(process.cwd());
      expect(error.message).toContain(`Give the full path, such as "${join(homedir(), value)}"`);
    }
    // Nothing of a refused patch was applied, not even its valid fields.
    const after = apiRoutes.settings.response.parse((await api.call('/api/settings')).json()).settings;
    expect(after).toEqual(before);

    const accepted = await api.call('/api/settings', {
      method: 'PATCH',
      body: { outputDir: chosen, allowedDirs: [chosen] },
    });
    expect(accepted.status).toBe(200);
    expect(apiRoutes.updateSettings.response.parse(accepted.json()).settings).toMatchObject({
      outputDir: chosen,
      allowedDirs: [chosen],
    });
    // Empty still means the default folder.
    const reset = await api.call('/api/settings', { method: 'PATCH', body: { outputDir: '' } });
    expect(reset.status).toBe(200);
    expect(fixture.core.settings.get().outputDir).toBe('');
  });

  it('takes a changed ComfyUI URL into use without a restart', async () => {
    const [first, second] = [await fake(), await fake()];
    const fixture = await core({ urls: [first.url] });
    const api = apiOf(fixture.core);
    const reply = await api.call('/api/settings', { method: 'PATCH', body: { comfyuiUrls: [second.url] } });
    expect(reply.status).toBe(200);

    await eventually(async () => {
      const { backends } = apiRoutes.status.response.parse((await api.call('/api/status')).json());
      return backends.length === 1 && backends[0]!.url === second.url && backends[0]!.reachable;
    }, 'the status shows only the new ComfyUI, reachable');
    const executedBefore = first.executions.size;
    await finishedBatch(fixture, 1);
    expect(second.executions.size).toBe(1);
    expect(first.executions.size).toBe(executedBefore);
  });

  it('gives copy-ready snippets for every client with the real URL and shim command', async () => {
    const fixture = await core({ urls: ['http://127.0.0.1:9'] });
    const info = apiRoutes.connect.response.parse((await apiOf(fixture.core).call('/api/connect')).json());
    expect(info.mcpUrl).toBe(fixture.core.mcpUrl);
    expect(info.snippets.map((snippet) => snippet.client).sort()).toEqual([
      'claude-code',
      'claude-desktop',
      'cline',
      'codex',
      'cursor',
      'gemini-cli',
      'vscode',
      'windsurf',
    ]);
    for (const snippet of info.snippets.filter((s) => s.client !== 'claude-desktop'))
      expect(snippet.text, snippet.client).toContain(fixture.core.mcpUrl);
    // The data folder always: the agent's client starts the shim with its own default data folder.
    expect(info.shim.args).toEqual([
      expect.stringMatching(/bin[\\/]comfyui-mcp-bridge\.js$/),
      'stdio',
      '--data-dir',
      fixture.dataDir,
    ]);
    expect(existsSync(info.shim.args[0]!)).toBe(true);
    // This Node (or Electron's executable acting as Node) runs the launcher.
    expect(info.shim.command).toBe(process.execPath);
    expect(info.shim.env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    const desktop = info.snippets.find((snippet) => snippet.client === 'claude-desktop')!;
    expect(JSON.parse(desktop.text)).toEqual({
      mcpServers: { comfyui: { command: info.shim.command, args: info.shim.args, env: info.shim.env } },
    });
  });
});
