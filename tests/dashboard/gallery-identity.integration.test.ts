/*
 * The gallery acts only on the file a record made (issue 10, item 6): generated through a real MCP client into a
 * project root on the real core with the fake ComfyUI, then looked at, served and deleted over the dashboard API.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiRoutes, galleryPageSchema, type GalleryItem } from '../../shared/dashboard-api.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, type TestClient } from '../mcp/harness.js';
import {
  cleanupsAfterEach,
  removeDirs,
  startSd15Fake,
  startTestCore,
  type CoreFixture,
} from '../core/harness.js';
import { apiOf } from './helpers.js';

const cleanups = cleanupsAfterEach();

interface Session {
  fixture: CoreFixture;
  client: TestClient;
  /** The client's project root (canonical: the checks compare real locations). */
  project: string;
  /** A folder beside the project that no allowed folder covers. */
  outside: string;
  api: ReturnType<typeof apiOf>;
}

async function session(): Promise<Session> {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'gallery-identity-')));
  const project = join(base, 'project');
  const outside = join(base, 'outside');
  mkdirSync(project);
  mkdirSync(outside);
  const comfy: FakeComfyUI = await startSd15Fake();
  const fixture = await startTestCore({ urls: [comfy.url] });
  const client = await connect('2026', new URL(fixture.core.mcpUrl), {
    roots: [project],
    token: fixture.core.settings.get().mcpToken,
  });
  cleanups.push(async () => {
    await client.close();
    await fixture.core.stop();
    await comfy.close();
    removeDirs(base, fixture.dataDir, fixture.outputDir);
  });
  return { fixture, client, project, outside, api: apiOf(fixture.core) };
}

/** generate_image over MCP; returns the gallery id of the image written. */
async function generate(s: Session, prompt: string, savePath: string): Promise<string> {
  const result = await s.client.callTool('generate_image', {
    prompt,
    save_path: savePath,
    overwrite: true,
    workflow: 'sd15',
    width: 96,
    height: 64,
  });
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  const written = (result.structuredContent as { images: { path: string }[] }).images[0]!.path;
  const record = (await s.fixture.core.gallery.loaded())
    .list({ query: prompt })
    .items.find((candidate) => candidate.path === written);
  expect(record, `a gallery record for ${written}`).toBeDefined();
  return record!.id;
}

async function galleryItemOf(s: Session, id: string): Promise<GalleryItem | undefined> {
  const page = galleryPageSchema.parse((await s.api.call('/api/gallery?limit=500')).json());
  return page.items.find((item) => item.id === id);
}

async function deleteEntry(s: Session, id: string) {
  const reply = await s.api.call(`/api/gallery/${id}`, { method: 'DELETE' });
  expect(reply.status, reply.body.toString()).toBe(200);
  return apiRoutes.deleteImage.response.parse(reply.json());
}

function trashed(s: Session): Buffer[] {
  const trash = join(s.fixture.dataDir, 'trash');
  return existsSync(trash) ? readdirSync(trash).map((name) => readFileSync(join(trash, name))) : [];
}

describe('gallery entries and the files they made', () => {
  it('deleting the old entry of an overwritten file keeps the current file and says why', async () => {
    const s = await session();
    const oldId = await generate(s, 'a hero banner, first take', 'public/hero.webp');
    const newId = await generate(s, 'a hero banner, second take', 'public/hero.webp');
    const hero = join(s.project, 'public', 'hero.webp');
    const current = readFileSync(hero);

    expect(await galleryItemOf(s, oldId)).toMatchObject({ fileState: 'replaced' });
    expect(await galleryItemOf(s, newId)).toMatchObject({ fileState: 'present' });
    // The old entry no longer shows the new file as its own.
    expect((await s.api.call(`/api/gallery/${oldId}/image`)).status).toBe(404);
    expect((await s.api.call(`/api/gallery/${newId}/image`)).body.equals(current)).toBe(true);

    const answer = await deleteEntry(s, oldId);
    expect(answer).toMatchObject({ deleted: true, file: 'replaced' });
    expect(answer.message).toMatch(/left in place/);
    expect(readFileSync(hero).equals(current)).toBe(true);
    expect((await s.fixture.core.gallery.loaded()).get(oldId)).toBeUndefined();
    expect(trashed(s)).toEqual([]);

    // The current entry's delete still moves its file to the trash.
    expect(await deleteEntry(s, newId)).toMatchObject({ file: 'trashed' });
    expect(existsSync(hero)).toBe(false);
    expect(trashed(s).some((bytes) => bytes.equals(current))).toBe(true);
  });

  it('neither serves nor deletes through a folder replaced by a link to an outside file of the same name', async () => {
    const s = await session();
    const id = await generate(s, 'an icon', 'public/icon.png');
    const recorded = (await s.fixture.core.gallery.loaded()).get(id)!;
    // An entry from before identities were kept, for the same path: only the folder check can stop it.
    s.fixture.core.gallery.add({
      ...recorded,
      id: 'legacy-entry',
      file: undefined,
      allowedFolder: undefined,
    });

    const secret = Buffer.from('not an image the bridge made');
    const outsideFile = join(s.outside, 'icon.png');
    writeFileSync(outsideFile, Buffer.concat([secret, Buffer.alloc(recorded.bytes - secret.length)]));
    // The same size and an old time, so that nothing but where the file really is tells it apart.
    utimesSync(
      outsideFile,
      new Date(Date.parse(recorded.createdAt) - 60_000),
      new Date(Date.parse(recorded.createdAt) - 60_000),
    );
    const outsideBytes = readFileSync(outsideFile);
    renameSync(join(s.project, 'public'), join(s.project, 'public-moved'));
    symlinkSync(s.outside, join(s.project, 'public'));

    for (const entry of [id, 'legacy-entry']) {
      expect(await galleryItemOf(s, entry)).toMatchObject({ fileState: 'replaced' });
      for (const kind of ['image', 'thumbnail']) {
        const served = await s.api.call(`/api/gallery/${entry}/${kind}`);
        expect(served.status, `${entry} ${kind}`).toBe(404);
        expect(served.body.includes(secret)).toBe(false);
      }
      expect(await deleteEntry(s, entry)).toMatchObject({ file: 'replaced' });
    }
    expect(readFileSync(outsideFile).equals(outsideBytes)).toBe(true);
    expect(trashed(s)).toEqual([]);
  });

  it('shows an entry whose file was moved as missing, and deleting it leaves the moved file alone', async () => {
    const s = await session();
    const id = await generate(s, 'a logo', 'public/logo.png');
    const moved = join(s.project, 'logo-kept.png');
    renameSync(join(s.project, 'public', 'logo.png'), moved);
    const bytes = readFileSync(moved);

    expect(await galleryItemOf(s, id)).toMatchObject({ fileState: 'missing' });
    const answer = await deleteEntry(s, id);
    expect(answer).toMatchObject({ file: 'missing' });
    expect(readFileSync(moved).equals(bytes)).toBe(true);
  });
});
