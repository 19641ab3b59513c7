// One file: the gallery's index, persistence, thumbnails and listings share the sandbox and open-gallery
// tracking at the top.
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../shared/generation.js';
import type { WebAssetRecord } from '../../shared/web-asset.js';
import {
  CursorError,
  GalleryRecordError,
  moveToTrashFolder,
  openGallery,
  type Gallery,
  type GalleryListOptions,
  type NewGenerationRecord,
} from '../../electron/gallery/index.js';
import { fileIdentityOf } from '../../electron/images/file-identity.js';
import { createLogger, silentLogger } from '../../electron/log.js';

let dataDir: string;
let images: string;
const open: Gallery[] = [];

beforeEach(async () => {
  const sandbox = await mkdtemp(path.join(tmpdir(), 'gallery-'));
  dataDir = path.join(sandbox, 'data');
  images = path.join(sandbox, 'images');
  await mkdir(images);
});

afterEach(async () => {
  for (const gallery of open.splice(0)) gallery.close();
  await rm(path.dirname(dataDir), { recursive: true, force: true });
});

async function openTracked(logger = silentLogger): Promise<Gallery> {
  const gallery = await openGallery({ dataDir, logger });
  open.push(gallery);
  return gallery;
}

function closeTracked(gallery: Gallery): void {
  gallery.close();
  open.splice(open.indexOf(gallery), 1);
}

const start = Date.parse('2025-03-01T00:00:00.000Z');

function record(i: number, overrides: Partial<NewGenerationRecord> = {}): NewGenerationRecord {
  return {
    id: `rec-${String(i).padStart(5, '0')}`,
    path: path.join(images, i % 2 === 0 ? 'even' : 'odd', `image-${i}.png`),
    prompt: `${i % 10 === 0 ? 'A Lighthouse' : 'a cat'} number ${i}`,
    seed: i,
    width: 512,
    height: 512,
    format: 'png',
    bytes: 1000 + i,
    workflow: 'sdxl',
    backend: 'local',
    createdAt: new Date(start + i * 1000).toISOString(),
    ...overrides,
  };
}

function walkAllPages(
  gallery: Gallery,
  options: { query?: string; limit: number; directory?: string; mode?: GalleryListOptions['mode'] },
): GenerationRecord[] {
  const all: GenerationRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = gallery.list({ ...options, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(options.limit);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

describe('gallery index with 10,000 records', () => {
  it('lists newest first, filters, paginates with cursors, and survives a reopen', async () => {
    const gallery = await openTracked();
    // Added out of time order: the index must still list by createdAt.
    const order = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_000);
    for (const i of order) gallery.add(record(i));
    expect(gallery.size).toBe(10_000);

    const first = gallery.list();
    expect(first.items).toHaveLength(50);
    expect(first.items[0]?.id).toBe('rec-09999');
    expect(first.items[49]?.id).toBe('rec-09950');
    expect(first.nextCursor).toBeDefined();

    const lighthouses = walkAllPages(gallery, { query: 'lighthouse', limit: 137 });
    expect(lighthouses).toHaveLength(1000);
    expect(lighthouses.every((r) => r.prompt.startsWith('A Lighthouse'))).toBe(true);
    expect(lighthouses.map((r) => r.seed)).toEqual([...lighthouses.map((r) => r.seed)].sort((a, b) => b - a));

    const everything = walkAllPages(gallery, { limit: 500 });
    expect(new Set(everything.map((r) => r.id)).size).toBe(10_000);

    expect(gallery.list({ query: 'IMAGE-1234.PNG' }).items.map((r) => r.id)).toEqual(['rec-01234']);
    expect(gallery.list({ limit: 10_000 }).items).toHaveLength(500);
    expect(gallery.list({ limit: 0 }).items).toHaveLength(1);
    const odd = walkAllPages(gallery, { directory: path.join(images, 'odd'), limit: 500 });
    expect(odd).toHaveLength(5000);
    expect(odd.every((r) => r.seed % 2 === 1)).toBe(true);

    closeTracked(gallery);
    const reopened = await openTracked();
    expect(reopened.size).toBe(10_000);
    expect(reopened.list()).toEqual(first);
    expect(reopened.get('rec-04242')).toEqual({ ...record(4242), id: 'rec-04242' });
  });

  it('filters by mode (plain generations, or one edit mode), with the text filter, across cursor pages', async () => {
    const gallery = await openTracked();
    const modes = [undefined, 'restyle', 'upscale', 'remove_background'] as const;
    for (let i = 0; i < 10_000; i++) {
      const mode = modes[i % 4];
      gallery.add(record(i, mode ? { edit: { mode, source: path.join(images, `source-${i}.png`) } } : {}));
    }
    const upscales = walkAllPages(gallery, { mode: 'upscale', limit: 333 });
    expect(upscales).toHaveLength(2500);
    expect(upscales.every((r) => r.edit?.mode === 'upscale' && r.seed % 4 === 2)).toBe(true);
    expect(upscales.map((r) => r.seed)).toEqual([...upscales.map((r) => r.seed)].sort((a, b) => b - a));

    const plain = walkAllPages(gallery, { mode: 'generate', query: 'lighthouse', limit: 97 });
    // Lighthouses are every 10th record, plain ones every 4th: every 20th.
    expect(plain).toHaveLength(500);
    expect(plain.every((r) => r.edit === undefined && r.prompt.startsWith('A Lighthouse'))).toBe(true);
    expect(walkAllPages(gallery, { mode: 'inpaint', limit: 50 })).toEqual([]);
    expect(gallery.list({ mode: 'restyle', limit: 1 }).items[0]).toMatchObject({
      id: 'rec-09997',
      edit: { mode: 'restyle', source: path.join(images, 'source-9997.png') },
    });
  });

  it('keeps cursors valid while records are added and removed between pages', async () => {
    const gallery = await openTracked();
    for (let i = 0; i < 100; i++) gallery.add(record(i));
    const page1 = gallery.list({ limit: 10 });
    gallery.add(record(500));
    gallery.remove('rec-00089');
    const page2 = gallery.list({ limit: 10, cursor: page1.nextCursor! });
    expect(page2.items.map((r) => r.seed)).toEqual([88, 87, 86, 85, 84, 83, 82, 81, 80, 79]);
  });
});

describe('gallery persistence', () => {
  it('drops a torn last line at open, warns, and keeps appending cleanly', async () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (line) => lines.push(line) });
    const gallery = await openTracked();
    for (let i = 0; i < 5; i++) gallery.add(record(i));
    closeTracked(gallery);
    const file = path.join(dataDir, 'gallery.jsonl');
    await appendFile(file, '{"op":"add","record":{"id":"rec-torn","path":"/x.p');

    const afterCrash = await openTracked(logger);
    expect(afterCrash.size).toBe(5);
    expect(lines.some((line) => line.includes('torn line'))).toBe(true);
    afterCrash.add(record(6));
    closeTracked(afterCrash);

    const text = await readFile(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toContain('rec-torn');
    const again = await openTracked();
    expect(again.size).toBe(6);
    expect(again.get('rec-00006')).toBeDefined();
  });

  it('keeps a complete last line that only lost its newline', async () => {
    const gallery = await openTracked();
    gallery.add(record(1));
    closeTracked(gallery);
    const file = path.join(dataDir, 'gallery.jsonl');
    await appendFile(file, JSON.stringify({ op: 'add', record: { ...record(2), id: 'rec-00002' } }));
    const reopened = await openTracked();
    reopened.add(record(3));
    closeTracked(reopened);
    expect((await openTracked()).size).toBe(3);
  });

  it('skips an unreadable middle line instead of losing the whole index', async () => {
    await mkdir(dataDir, { recursive: true });
    const good = (i: number) => JSON.stringify({ op: 'add', record: { ...record(i), id: `rec-${i}` } });
    await writeFile(path.join(dataDir, 'gallery.jsonl'), `${good(1)}\nnot json\n${good(2)}\n`);
    expect((await openTracked()).size).toBe(2);
  });

  it('removes records durably and compacts the log when removals pile up', async () => {
    const gallery = await openTracked();
    for (let i = 0; i < 3000; i++) gallery.add(record(i));
    for (let i = 0; i < 2000; i++) expect(gallery.remove(record(i).id!)).toBe(true);
    expect(gallery.remove('rec-00000')).toBe(false);
    expect(gallery.size).toBe(1000);
    closeTracked(gallery);

    const lines = (await readFile(path.join(dataDir, 'gallery.jsonl'), 'utf8')).trimEnd().split('\n');
    // Without compaction there would be 5,000 lines (3,000 adds + 2,000 removes).
    expect(lines.length).toBeLessThan(2500);
    const reopened = await openTracked();
    expect(reopened.size).toBe(1000);
    expect(reopened.get('rec-01999')).toBeUndefined();
    expect(reopened.list({ limit: 500 }).items.at(-1)?.id).toBe('rec-02500');
    expect(walkAllPages(reopened, { limit: 500 }).at(-1)?.id).toBe('rec-02000');
  });

  it('replaces a record added again with the same id', async () => {
    const gallery = await openTracked();
    gallery.add(record(1));
    gallery.add(record(1, { prompt: 'changed', createdAt: new Date(start + 99_000).toISOString() }));
    expect(gallery.size).toBe(1);
    expect(gallery.list().items.map((r) => r.prompt)).toEqual(['changed']);
    closeTracked(gallery);
    expect((await openTracked()).get('rec-00001')?.prompt).toBe('changed');
  });

  it('keeps a web asset on a record across a reopen, found by path; records without one load as before', async () => {
    const gallery = await openTracked();
    const plain = gallery.add(record(1));
    const web: WebAssetRecord = {
      purpose: 'card',
      variants: [
        {
          path: path.join(images, 'odd', 'image-1-640.avif'),
          format: 'avif',
          width: 640,
          height: 640,
          bytes: 9000,
        },
      ],
      sizes: '100vw',
      placeholder: {
        thumbhash: 'HBkSHYSIeHiPiHh8eJd4eTN0EEQG',
        dataUrl: 'data:image/png;base64,iVBORw0KGgo=',
      },
      dominantColor: '#5888c8',
      alt: 'A cat number 1',
      html: '<picture></picture>',
      madeAt: '2026-12-03T00:00:00.000Z',
    };
    gallery.add(record(2));
    expect(gallery.findByPath(plain.path)).toEqual(plain);
    gallery.add({ ...plain, web });
    closeTracked(gallery);
    const reopened = await openTracked();
    expect(reopened.findByPath(plain.path)).toEqual({ ...plain, web });
    expect(reopened.get('rec-00002')!.web).toBeUndefined();
    expect(reopened.list().items.map((r) => r.id)).toEqual(['rec-00002', 'rec-00001']);
    expect(() =>
      reopened.add({
        ...plain,
        web: { ...web, variants: [{ ...web.variants[0]!, format: 'gif' as 'png' }] },
      }),
    ).toThrow(/web\.variants\.0\.format/);
  });
});

describe('gallery validation', () => {
  it('assigns ids, normalises times, and rejects bad records and cursors with clear errors', async () => {
    const gallery = await openTracked();
    const { id: _omit, ...withoutId } = record(1);
    const added = gallery.add({ ...withoutId, createdAt: '2025-03-01T01:00:00+01:00' });
    expect(added.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(added.createdAt).toBe('2025-03-01T00:00:00.000Z');

    expect(() => gallery.add(record(2, { id: '../escape' }))).toThrow(GalleryRecordError);
    expect(() => gallery.add(record(2, { createdAt: 'yesterday' }))).toThrow(/createdAt "yesterday"/);
    expect(() => gallery.add(record(2, { width: 0 }))).toThrow(/width/);
    expect(() => gallery.list({ cursor: 'garbage' })).toThrow(CursorError);
    expect(gallery.size).toBe(1);
  });
});

async function writePng(file: string, width: number, height: number, mtime?: Date): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    await sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer(),
  );
  if (mtime) await utimes(file, mtime, mtime);
}

/** A record of the file as it is now: its identity, as the pipeline records it from the write. */
async function recordOfFile(i: number, file: string): Promise<NewGenerationRecord> {
  const identity = fileIdentityOf(await stat(file, { bigint: true }));
  return record(i, { path: file, bytes: identity.size, file: identity });
}

describe('thumbnails', () => {
  it('generates once, serves from dataDir/thumbs, and none for a source replaced since', async () => {
    const gallery = await openTracked();
    const file = path.join(images, 'big.png');
    await writePng(file, 1024, 512, new Date(start));
    gallery.add(await recordOfFile(1, file));

    const first = await gallery.thumbnail('rec-00001');
    expect(await sharp(first).metadata()).toMatchObject({ format: 'webp', width: 256, height: 128 });
    const cachedFile = path.join(dataDir, 'thumbs', 'rec-00001.webp');
    const cachedBefore = await stat(cachedFile);
    expect((await gallery.thumbnail('rec-00001'))!.equals(first!)).toBe(true);
    expect((await stat(cachedFile)).ino).toBe(cachedBefore.ino);

    await writePng(file, 300, 600, new Date(start + 60_000));
    expect(await gallery.thumbnail('rec-00001')).toBeUndefined();
    // Recorded again (the same id for the new file), the cached thumbnail is stale and made again.
    gallery.add(await recordOfFile(1, file));
    expect(await sharp(await gallery.thumbnail('rec-00001')).metadata()).toMatchObject({
      width: 128,
      height: 256,
    });

    gallery.remove('rec-00001');
    await expect.poll(() => readdir(path.join(dataDir, 'thumbs'))).toEqual([]);
  });

  it('drops a render nobody waits for any more, and keeps one that someone still wants', async () => {
    const gallery = await openTracked();
    for (const index of [1, 2, 3]) {
      const file = path.join(images, `${index}.png`);
      await writePng(file, 1024, 1024, new Date(start));
      gallery.add(await recordOfFile(index, file));
    }
    const closedPage = new AbortController();
    const first = gallery.thumbnail('rec-00001');
    const abandoned = gallery.thumbnail('rec-00002', closedPage.signal);
    const shared = new AbortController();
    const stillWanted = [gallery.thumbnail('rec-00003', shared.signal), gallery.thumbnail('rec-00003')];
    closedPage.abort(new Error('the tile left the screen'));
    shared.abort(new Error('one of two callers left'));

    await expect(abandoned).rejects.toThrow('the tile left the screen');
    const [one, three, threeAgain] = await Promise.all([first, ...stillWanted]);
    expect(one).toBeInstanceOf(Buffer);
    expect(three!.equals(threeAgain!)).toBe(true);
    expect((await readdir(path.join(dataDir, 'thumbs'))).sort()).toEqual([
      'rec-00001.webp',
      'rec-00003.webp',
    ]);
    // The id left unrendered is rendered when it is asked for again.
    expect(await sharp(await gallery.thumbnail('rec-00002')).metadata()).toMatchObject({ width: 256 });
  });

  it('returns undefined for unknown ids and for files that are gone', async () => {
    const gallery = await openTracked();
    gallery.add(record(1, { path: path.join(images, 'missing.png') }));
    expect(await gallery.thumbnail('rec-00001')).toBeUndefined();
    expect(await gallery.thumbnail('nope')).toBeUndefined();
  });
});

describe('listDirectory', () => {
  it('lists image files newest first with dimensions, joined with index records, filtered and paged', async () => {
    const gallery = await openTracked();
    await writePng(path.join(images, 'foreign-old.png'), 40, 30, new Date(start));
    await writePng(path.join(images, 'generated.png'), 64, 64, new Date(start + 2000));
    await writePng(path.join(images, 'foreign-new.png'), 20, 10, new Date(start + 3000));
    await writeFile(path.join(images, 'broken.webp'), 'not really');
    await utimes(path.join(images, 'broken.webp'), new Date(start + 1000), new Date(start + 1000));
    await writeFile(path.join(images, 'notes.txt'), 'ignored');
    gallery.add(
      record(7, { path: path.join(images, 'generated.png'), prompt: 'a red fox', width: 64, height: 64 }),
    );

    const all = await gallery.listDirectory(images);
    expect(all.items.map((i) => path.basename(i.path))).toEqual([
      'foreign-new.png',
      'generated.png',
      'broken.webp',
      'foreign-old.png',
    ]);
    expect(all.items[0]).toMatchObject({
      width: 20,
      height: 10,
      format: 'png',
      modifiedAt: new Date(start + 3000).toISOString(),
    });
    expect(all.items[0]?.record).toBeUndefined();
    expect(all.items[1]?.record?.prompt).toBe('a red fox');
    expect(all.items[2]).toMatchObject({ format: 'webp', bytes: 10 });
    expect(all.items[2]?.width).toBeUndefined();

    expect(
      (await gallery.listDirectory(images, { query: 'FOX' })).items.map((i) => path.basename(i.path)),
    ).toEqual(['generated.png']);
    expect((await gallery.listDirectory(images, { query: 'foreign' })).items).toHaveLength(2);

    const page1 = await gallery.listDirectory(images, { limit: 3 });
    const page2 = await gallery.listDirectory(images, { limit: 3, cursor: page1.nextCursor! });
    expect(page1.items).toHaveLength(3);
    expect(page2.items.map((i) => path.basename(i.path))).toEqual(['foreign-old.png']);
    expect(page2.nextCursor).toBeUndefined();
  });
});

describe('moveToTrashFolder', () => {
  it('moves files into the trash folder under unique names without overwriting', async () => {
    const trash = path.join(dataDir, 'trash');
    const first = path.join(images, 'hero.png');
    await writeFile(first, 'one');
    expect(await moveToTrashFolder(first, trash)).toBe(path.join(trash, 'hero.png'));
    await writeFile(first, 'two');
    const second = await moveToTrashFolder(first, trash);
    expect(second).toBe(path.join(trash, 'hero (2).png'));
    expect(await readFile(path.join(trash, 'hero.png'), 'utf8')).toBe('one');
    expect(await readFile(second, 'utf8')).toBe('two');
    await expect(stat(first)).rejects.toThrow();
    await expect(moveToTrashFolder(path.join(images, 'gone.png'), trash)).rejects.toThrow(/ENOENT/);
  });
});
