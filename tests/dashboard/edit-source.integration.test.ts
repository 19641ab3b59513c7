/*
 * The gallery side of edits over the real dashboard API: the listing's mode filter (with the text filter and
 * cursor paging) and an edit's source served by id, read again at each request (gallery/edit-source.ts). Edits are
 * made through a real MCP client on the real core with the fake ComfyUI running the model-free edit workflows.
 */
import {
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorSchema, galleryPageSchema, type GalleryPage } from '../../shared/dashboard-api.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { startSd15Fake, startTestCore, tempDirs, type CoreFixture } from '../core/harness.js';
import { connect, type E2eClient } from '../mcp-e2e/clients.js';
import { editedImage, editWorkflowsDir, projectWithSource } from '../mcp-e2e/edit-fixtures.js';
import { apiOf, send } from './helpers.js';

const { tempDir, removeTempDirs } = tempDirs('gallery-edits-');

describe('edits in the dashboard gallery', () => {
  let fake: FakeComfyUI;
  let fixture: CoreFixture;
  let workspace: string;
  let client: E2eClient | undefined;
  let sites = 0;

  beforeAll(async () => {
    fake = await startSd15Fake();
    workspace = realpathSync(tempDir());
    fixture = await startTestCore({
      urls: [fake.url],
      settings: { allowedDirs: [workspace], userWorkflowsDir: editWorkflowsDir },
    });
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await fixture.core.stop();
    await fake.close();
    removeTempDirs();
  });

  const project = async () => {
    const made = await projectWithSource(workspace, `site-${++sites}`);
    client = await connect('2026', 'http', {
      mcpUrl: fixture.core.mcpUrl,
      token: fixture.core.settings.get().mcpToken,
      roots: [made.site],
    });
    return { ...made, agent: client };
  };
  const edit = async (agent: E2eClient, args: Record<string, unknown>) => {
    const image = editedImage(await agent.call('edit_image', { image: 'public/hero.png', seed: 1, ...args }));
    const record = (await fixture.core.gallery.loaded())
      .list({ limit: 500 })
      .items.find((r) => r.path === image.path);
    expect(record, `a gallery record for ${image.path}`).toBeDefined();
    return record!;
  };
  const page = async (query: string): Promise<GalleryPage> => {
    const reply = await apiOf(fixture.core).call(`/api/gallery?${query}`);
    expect(reply.status, reply.body.toString()).toBe(200);
    return galleryPageSchema.parse(reply.json());
  };
  const errorOf = (body: Buffer) => apiErrorSchema.parse(JSON.parse(body.toString('utf8'))).error;

  it('filters the listing by mode, with the text filter and cursor paging, and lists an edit’s mode and source', async () => {
    const { agent, hero } = await project();
    const first = await edit(agent, {
      mode: 'restyle',
      prompt: 'a lighthouse poster',
      save_path: 'public/a.png',
    });
    const second = await edit(agent, {
      mode: 'restyle',
      prompt: 'a lighthouse etching',
      save_path: 'public/b.png',
    });
    const upscaled = await edit(agent, { mode: 'upscale', scale: 2 });
    const generated = await agent.call('generate_image', {
      prompt: 'a lighthouse photo',
      save_path: 'public/photo.png',
      width: 64,
      height: 64,
    });
    expect(generated.isError, JSON.stringify(generated.content)).toBeFalsy();

    const restyles = await page('mode=restyle&query=lighthouse&limit=1');
    expect(restyles.items.map((item) => item.id)).toEqual([second.id]);
    expect(restyles.items[0]!.edit).toEqual({ mode: 'restyle', source: hero });
    const next = await page(`mode=restyle&query=lighthouse&limit=1&cursor=${restyles.nextCursor!}`);
    expect(next.items.map((item) => item.id)).toEqual([first.id]);
    expect(next.nextCursor).toBeUndefined();
    expect((await page('mode=restyle&query=etching')).items.map((item) => item.id)).toEqual([second.id]);

    expect((await page('mode=upscale')).items.map((item) => item.id)).toContain(upscaled.id);
    expect((await page('mode=upscale')).items.every((item) => item.edit?.mode === 'upscale')).toBe(true);
    const plain = await page('mode=generate&query=lighthouse');
    expect(plain.items.map((item) => item.prompt)).toEqual(['a lighthouse photo']);
    expect(plain.items[0]!.edit).toBeUndefined();
    expect((await page('mode=outpaint')).items).toEqual([]);

    const wrong = await apiOf(fixture.core).call('/api/gallery?mode=sharpen');
    expect(wrong.status).toBe(400);
    expect(errorOf(wrong.body).code).toBe('invalid_query');
  });

  it('serves the source of an edit with the token, as the file it is now; 401 without; none for a generation', async () => {
    const { agent, hero } = await project();
    const record = await edit(agent, { mode: 'upscale', scale: 2 });
    const api = apiOf(fixture.core);

    const served = await api.call(`/api/gallery/${record.id}/source`);
    expect(served.status, served.body.toString()).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.body.equals(readFileSync(hero))).toBe(true);
    const again = await api.call(`/api/gallery/${record.id}/source`, {
      headers: { 'If-None-Match': String(served.headers.etag) },
    });
    expect(again.status).toBe(304);
    // The source changed since: the new bytes, under a new ETag.
    writeFileSync(hero, readFileSync(record.path));
    const changed = await api.call(`/api/gallery/${record.id}/source`, {
      headers: { 'If-None-Match': String(served.headers.etag) },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.equals(readFileSync(record.path))).toBe(true);

    for (const headers of [{}, { Authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const refused = await send(fixture.core.url, { path: `/api/gallery/${record.id}/source`, headers });
      expect(refused.status).toBe(401);
      expect(refused.body.includes(readFileSync(hero))).toBe(false);
    }
    const withQueryToken = await send(fixture.core.url, {
      path: `/api/gallery/${record.id}/source?token=${api.token}`,
    });
    expect(withQueryToken.status).toBe(200);

    const generated = await agent.call('generate_image', {
      prompt: 'plain',
      save_path: 'public/p.png',
      width: 64,
      height: 64,
    });
    expect(generated.isError, JSON.stringify(generated.content)).toBeFalsy();
    const plain = (await fixture.core.gallery.loaded()).list({ query: 'plain', mode: 'generate' }).items[0]!;
    const none = await api.call(`/api/gallery/${plain.id}/source`);
    expect(none.status).toBe(404);
    expect(errorOf(none.body).code).toBe('not_an_edit');
    expect((await api.call('/api/gallery/no-such-id/source')).status).toBe(404);
  });

  it('refuses a source whose folder was swapped for a link to an outside folder holding a file of the same name', async () => {
    const { agent, site } = await project();
    const record = await edit(agent, { mode: 'restyle', prompt: 'a poster' });
    const outside = realpathSync(tempDir('gallery-outside-'));
    const secret = readFileSync(join(site, 'public', 'hero.png'));
    // A valid PNG, so that only where it is (not what it is) can stop it.
    writeFileSync(join(outside, 'hero.png'), secret);
    writeFileSync(join(outside, 'marker.txt'), 'outside');
    renameSync(join(site, 'public'), join(site, 'public-moved'));
    symlinkSync(outside, join(site, 'public'));

    const refused = await apiOf(fixture.core).call(`/api/gallery/${record.id}/source`);
    expect(refused.status).toBe(404);
    expect(refused.headers['content-type']).toMatch(/json/);
    const error = errorOf(refused.body);
    expect(error.code).toBe('source_outside_allowed_folders');
    expect(error.message).toMatch(/symbolic link/);
  });

  it('refuses a source when the edit’s allowed folder itself was swapped for a link', async () => {
    const { agent, site } = await project();
    const record = await edit(agent, { mode: 'restyle', prompt: 'a poster' });
    const outside = realpathSync(tempDir('gallery-outside-'));
    mkdirSync(join(outside, 'public'));
    writeFileSync(join(outside, 'public', 'hero.png'), readFileSync(join(site, 'public', 'hero.png')));
    renameSync(site, `${site}-moved`);
    symlinkSync(outside, site);

    const refused = await apiOf(fixture.core).call(`/api/gallery/${record.id}/source`);
    expect(refused.status).toBe(404);
    expect(errorOf(refused.body)).toMatchObject({ code: 'source_outside_allowed_folders' });
  });

  it('says 404 source_missing once the source is deleted, and refuses a source that is no longer an image', async () => {
    const { agent, hero } = await project();
    const record = await edit(agent, { mode: 'restyle', prompt: 'a poster' });
    const api = apiOf(fixture.core);

    writeFileSync(hero, 'not an image any more');
    const notImage = await api.call(`/api/gallery/${record.id}/source`);
    expect(notImage.status).toBe(415);
    expect(errorOf(notImage.body).code).toBe('source_not_served');

    rmSync(hero);
    const gone = await api.call(`/api/gallery/${record.id}/source`);
    expect(gone.status).toBe(404);
    const error = errorOf(gone.body);
    expect(error.code).toBe('source_missing');
    expect(error.message).toContain(hero);
  });
});
