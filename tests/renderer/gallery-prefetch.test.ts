import { describe, expect, it } from 'vitest';
import type { GalleryPage } from '../../shared/dashboard-api.js';
import {
  createGalleryPrefetch,
  prefetchFreshMs,
  warmedThumbnails,
} from '../../renderer/src/state/gallery-prefetch.js';
import { galleryItem } from './fixtures.js';

/** A client whose gallery answers are settled by the test; it records the queries asked. */
function controlledClient() {
  const asked: unknown[] = [];
  let settle: { resolve: (page: GalleryPage) => void; reject: (error: unknown) => void } | undefined;
  return {
    asked,
    answer: (page: GalleryPage) => settle?.resolve(page),
    fail: (error: unknown) => settle?.reject(error),
    client: {
      gallery: (query: unknown) => {
        asked.push(query);
        return new Promise<GalleryPage>((resolve, reject) => (settle = { resolve, reject }));
      },
      imageUrl: (id: string, kind: string) => `/api/gallery/${id}/${kind}`,
    },
  };
}

const page = (count: number): GalleryPage => ({
  items: Array.from({ length: count }, (_, index) => galleryItem(index)),
  total: count,
});

function setup() {
  const server = controlledClient();
  let time = 1000;
  const warmed: string[] = [];
  const prefetch = createGalleryPrefetch(server.client, {
    pageSize: 200,
    now: () => time,
    warm: (url) => warmed.push(url),
  });
  return { server, prefetch, warmed, advance: (ms: number) => (time += ms) };
}

describe('the gallery page fetched ahead', () => {
  it('asks once, answers the request while out and the page once in, and warms the first thumbnails', async () => {
    const { server, prefetch, warmed } = setup();
    expect(prefetch.take()).toBeUndefined();
    prefetch.start();
    prefetch.start();
    expect(server.asked).toEqual([{ query: '', limit: 200 }]);
    const pending = prefetch.take();
    expect(pending).toBeInstanceOf(Promise);
    const answer = page(20);
    server.answer(answer);
    await pending;
    expect(prefetch.take()).toBe(answer);
    expect(warmed).toEqual(
      answer.items.slice(0, warmedThumbnails).map((item) => `/api/gallery/${item.id}/thumbnail`),
    );
  });

  it('does not warm a thumbnail for a file that is gone or replaced', async () => {
    const { server, prefetch, warmed } = setup();
    prefetch.start();
    const answer = page(3);
    answer.items[0] = { ...answer.items[0]!, fileState: 'missing' };
    server.answer(answer);
    await prefetch.take();
    expect(warmed).toEqual(answer.items.slice(1).map((item) => `/api/gallery/${item.id}/thumbnail`));
  });

  it('answers nothing once invalidated, even when the request answers afterwards', async () => {
    const { server, prefetch } = setup();
    prefetch.start();
    const pending = prefetch.take();
    prefetch.invalidate();
    server.answer(page(2));
    await pending;
    expect(prefetch.take()).toBeUndefined();
  });

  it('answers nothing once older than the freshness window', async () => {
    const { server, prefetch, advance } = setup();
    prefetch.start();
    server.answer(page(2));
    await prefetch.take();
    advance(prefetchFreshMs);
    expect(prefetch.take()).toBeDefined();
    advance(1);
    expect(prefetch.take()).toBeUndefined();
  });

  it('answers nothing after a failed request', async () => {
    const { server, prefetch } = setup();
    prefetch.start();
    const pending = prefetch.take();
    server.fail(new Error('down'));
    await expect(pending).rejects.toThrow('down');
    expect(prefetch.take()).toBeUndefined();
  });
});
