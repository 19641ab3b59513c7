/**
 * Gallery figures with N generations indexed (10,000; 100,000 in scale.ts): listing through the dashboard API (first page, filtered),
 * with list_generated_images and the Gallery module itself beside it, and the server's resident memory.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openGallery } from '../electron/gallery/index.js';
import { silentLogger } from '../electron/log.js';
import type { BenchClient } from './mcp.js';
import type { Figure } from './report.js';
import { median, timeEach } from './stats.js';

const samples = 40;
const warmUps = 5;
const pageSize = 50;

export const galleryQueries = [
  { label: 'first page', query: undefined },
  { label: 'filtered, 1 in 5 match', query: 'lighthouse' },
  { label: 'filtered, 1 match (scans all)', query: 'variant 1234,' },
] as const;

/** The dashboard's own route, if this build serves it; undefined when it is not there yet. */
export async function dashboardGalleryFetcher(
  dashboardUrl: string,
): Promise<((query: string | undefined) => Promise<void>) | undefined> {
  const page = new URL(dashboardUrl);
  const token = page.searchParams.get('token') ?? '';
  const fetchPage = async (query: string | undefined) => {
    const url = new URL('/api/gallery', page.origin);
    url.searchParams.set('limit', String(pageSize));
    if (query !== undefined) url.searchParams.set('query', query);
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await response.json().catch(() => undefined)) as { items?: unknown[] } | undefined;
    if (!response.ok || !Array.isArray(body?.items)) {
      throw new Error(`GET ${url.pathname} answered ${response.status}`);
    }
  };
  try {
    await fetchPage(undefined);
    return fetchPage;
  } catch {
    return undefined;
  }
}

async function p50(list: () => Promise<unknown>): Promise<number> {
  await timeEach(warmUps, list);
  return median(await timeEach(samples, list));
}

export async function measureGalleryListing(options: {
  dashboardUrl: string;
  client: BenchClient;
  dataDir: string;
  scratchDir: string;
  count: number;
}): Promise<{ figures: Figure[]; notes: string[] }> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const dashboard = await dashboardGalleryFetcher(options.dashboardUrl);
  if (!dashboard) {
    notes.push(
      'The dashboard API (/api/gallery) did not answer in this build, so gallery listing was measured through ' +
        'list_generated_images (MCP over HTTP) and the Gallery module in-process instead.',
    );
  }
  for (const { label, query } of galleryQueries) {
    if (dashboard) {
      figures.push({
        name: `gallery via dashboard API, ${label} (${options.count} generations) p50`,
        value: await p50(() => dashboard(query)),
        unit: 'ms',
        target: { limit: 50, kind: 'max' },
        note: `${pageSize} per page`,
      });
    }
    figures.push({
      name: `gallery via list_generated_images, ${label} (${options.count} generations) p50`,
      value: await p50(() =>
        options.client.call('list_generated_images', { limit: pageSize, ...(query ? { query } : {}) }),
      ),
      unit: 'ms',
      target: { limit: 50, kind: 'max' },
      note: 'MCP tool call over HTTP',
    });
  }

  // The index alone, without HTTP: opened from a copy so the server's own journal is never touched.
  const copyDir = join(options.scratchDir, 'gallery-copy');
  mkdirSync(copyDir, { recursive: true });
  copyFileSync(join(options.dataDir, 'gallery.jsonl'), join(copyDir, 'gallery.jsonl'));
  const gallery = await openGallery({ dataDir: copyDir, logger: silentLogger });
  try {
    for (const { label, query } of galleryQueries) {
      figures.push({
        name: `Gallery.list in-process, ${label} (${options.count} generations) p50`,
        value: await p50(() =>
          Promise.resolve(gallery.list({ limit: pageSize, ...(query ? { query } : {}) })),
        ),
        unit: 'ms',
        note: 'reference: the index without HTTP',
      });
    }
  } finally {
    gallery.close();
  }
  return { figures, notes };
}
