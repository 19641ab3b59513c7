import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { galleryPageSchema } from '../../shared/dashboard-api.js';
import { openGallery } from '../../electron/gallery/index.js';
import { silentLogger } from '../../electron/log.js';
import { apiOf } from '../dashboard/helpers.js';
import { connect, type CallResult } from '../mcp-e2e/clients.js';
import { cleanupsAfterEach, startSd15Fake, startTestCore, toolContext, until } from './harness.js';

const cleanups = cleanupsAfterEach();

/*
 * Issue 16 §2: the core is ready before the gallery's index has loaded (a large journal is read after the ready
 * line). The load is held by the core's `beforeGalleryLoad` option, so "while it loads" is a state, not a race.
 */

const seeded = 150;

/** A data folder whose gallery already holds `seeded` generations, older than anything made in the test. */
async function seededDataDir(): Promise<{ dataDir: string; seededPaths: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bridge-gallery-load-'));
  const gallery = await openGallery({ dataDir, logger: silentLogger });
  const seededPaths: string[] = [];
  for (let index = 0; index < seeded; index++) {
    const path = join(dataDir, 'old', `old-${index}.png`);
    seededPaths.push(path);
    gallery.add({
      path,
      prompt: `an old image ${index}`,
      seed: index,
      width: 64,
      height: 64,
      format: 'png',
      bytes: 100,
      workflow: 'sd15',
      backend: 'http://127.0.0.1:8188',
      createdAt: new Date(Date.UTC(2025, 0, 1) + index * 60_000).toISOString(),
    });
  }
  gallery.close();
  return { dataDir, seededPaths };
}

/** A hold on the gallery's load, and whether the core has reached it. */
function loadGate() {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const gate = { reached: 0, release, hold: () => (gate.reached++, held) };
  return gate;
}

function settledFlag(promise: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  void promise.then(
    () => (flag.settled = true),
    () => (flag.settled = true),
  );
  return flag;
}

const listedPaths = (result: CallResult) =>
  (result.structuredContent as { images: { path: string }[] }).images.map((image) => image.path);

describe('the gallery loads after the core is ready', () => {
  it('answers calls while the index loads; a listing waits for it and has every record, once, in order', async () => {
    const fake = await startSd15Fake();
    cleanups.push(() => fake.close());
    const { dataDir, seededPaths } = await seededDataDir();
    const gate = loadGate();
    const fixture = await startTestCore({
      urls: [fake.url],
      dataDir,
      tuning: { beforeGalleryLoad: gate.hold },
    });
    cleanups.push(() => fixture.core.stop());
    // The core started, and its gallery's load has begun and is held there.
    await until(() => gate.reached > 0, 'the gallery load to start');
    expect(fixture.core.gallery.loadedNow()).toBeUndefined();

    const agent = await connect('2026', 'http', {
      mcpUrl: fixture.core.mcpUrl,
      token: fixture.core.settings.get().mcpToken,
    });
    cleanups.push(() => agent.close());
    const generate = async (name: string) => {
      const result = await agent.call('generate_image', {
        prompt: `a new image ${name}`,
        width: 64,
        height: 64,
        save_path: join(fixture.outputDir, name),
      });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      return join(fixture.outputDir, name);
    };
    const first = await generate('first.png');

    const listing = agent.call('list_generated_images', { limit: 200 });
    const listed = settledFlag(listing);
    const dashboardPage = apiOf(fixture.core).call('/api/gallery?limit=500');
    const paged = settledFlag(dashboardPage);
    // Another call made and answered after both: the server works while they wait for the index.
    const second = await generate('second.png');
    expect(listed.settled).toBe(false);
    expect(paged.settled).toBe(false);
    expect(fixture.core.gallery.loadedNow()).toBeUndefined();

    gate.release();
    const result = await listing;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const expected = [second, first, ...seededPaths.toReversed()];
    expect(listedPaths(result)).toEqual(expected);

    const response = await dashboardPage;
    expect(response.status).toBe(200);
    const page = galleryPageSchema.parse(response.json());
    expect(page.total).toBe(seeded + 2);
    expect(page.items.map((item) => item.path)).toEqual(expected);

    // What is on disk says the same: the two made during the load are recorded once each, after the others.
    await fixture.core.stop();
    const reopened = await openGallery({ dataDir, logger: silentLogger });
    try {
      expect(reopened.size).toBe(seeded + 2);
      expect(reopened.list({ limit: 200 }).items.map((record) => record.path)).toEqual(expected);
    } finally {
      reopened.close();
    }
  });

  it('a load that fails is an error for the calls that need the gallery, not a crash, and is tried again', async () => {
    const fake = await startSd15Fake();
    cleanups.push(() => fake.close());
    const { dataDir, seededPaths } = await seededDataDir();
    let attempts = 0;
    const fixture = await startTestCore({
      urls: [fake.url],
      dataDir,
      tuning: {
        beforeGalleryLoad: () =>
          ++attempts === 1 ? Promise.reject(new Error('EIO: the disk said no')) : Promise.resolve(),
      },
    });
    cleanups.push(() => fixture.core.stop());
    await until(() => attempts === 1, 'the first load to fail');

    const agent = await connect('2026', 'http', {
      mcpUrl: fixture.core.mcpUrl,
      token: fixture.core.settings.get().mcpToken,
    });
    cleanups.push(() => agent.close());
    // Generating does not need the index: the record goes to the journal.
    const made = await agent.call('generate_image', {
      prompt: 'made while the gallery could not be read',
      width: 64,
      height: 64,
      save_path: join(fixture.outputDir, 'made.png'),
    });
    expect(made.isError, JSON.stringify(made.content)).toBeFalsy();

    // The failure was the first attempt's; the dashboard's page tries again (attempt 2) and works.
    expect(attempts).toBe(1);
    const response = await apiOf(fixture.core).call('/api/gallery?limit=500');
    expect(response.status).toBe(200);
    const page = galleryPageSchema.parse(response.json());
    expect(page.items.map((item) => item.path)).toEqual([
      join(fixture.outputDir, 'made.png'),
      ...seededPaths.toReversed(),
    ]);
  });

  it('says why the gallery is unavailable, over MCP and the dashboard, while its load keeps failing', async () => {
    const fake = await startSd15Fake();
    cleanups.push(() => fake.close());
    const { dataDir } = await seededDataDir();
    let failing = true;
    const fixture = await startTestCore({
      urls: [fake.url],
      dataDir,
      tuning: {
        beforeGalleryLoad: () =>
          failing ? Promise.reject(new Error('EIO: the disk said no')) : Promise.resolve(),
      },
    });
    cleanups.push(() => fixture.core.stop());
    const agent = await connect('2026', 'http', {
      mcpUrl: fixture.core.mcpUrl,
      token: fixture.core.settings.get().mcpToken,
    });
    cleanups.push(() => agent.close());

    const listing = await agent.call('list_generated_images', {});
    expect(listing.isError).toBe(true);
    const error = (listing.structuredContent as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('gallery_unavailable');
    expect(error.message).toContain('gallery.jsonl');
    expect(error.message).toContain('EIO: the disk said no');

    const response = await apiOf(fixture.core).call('/api/gallery');
    expect(response.status).toBe(503);
    expect(response.json()).toMatchObject({ error: { code: 'gallery_unavailable' } });

    failing = false;
    const again = await agent.call('list_generated_images', { limit: 200 });
    expect(again.isError, JSON.stringify(again.content)).toBeFalsy();
    expect(listedPaths(again)).toHaveLength(seeded);
  });

  it('a queue left by a stop does not make the start wait for the gallery: pending jobs need no look-up', async () => {
    const fake = await startSd15Fake();
    cleanups.push(() => fake.close());
    const { dataDir } = await seededDataDir();
    const first = await startTestCore({ urls: [fake.url], dataDir, settings: { paused: true } });
    const { ctx } = toolContext();
    const accepted = await first.core.service.batchGenerateImages(
      {
        items: [{ prompt: 'queued 0' }, { prompt: 'queued 1' }],
        defaults: { workflow: 'sd15', width: 64, height: 64 },
      },
      ctx,
    );
    await first.core.stop();

    const gate = loadGate();
    const second = await startTestCore({
      urls: [fake.url],
      dataDir,
      outputDir: first.outputDir,
      settings: { paused: true },
      tuning: { beforeGalleryLoad: gate.hold },
    });
    cleanups.push(() => second.core.stop());
    // Started with its queue restored while the gallery's load is held.
    await until(() => gate.reached > 0, 'the gallery load to start');
    expect(second.core.gallery.loadedNow()).toBeUndefined();
    expect(second.core.scheduler.counts().pending).toBe(2);

    second.core.settings.update({ paused: false });
    const status = await second.core.service.checkBatchStatus(
      { batch_id: accepted.batch_id, wait_seconds: 60 },
      ctx,
    );
    expect(status).toMatchObject({ done: true, completed: 2, failed: 0 });
    gate.release();
    expect((await second.core.gallery.loaded()).size).toBe(seeded + 2);
  });
});
