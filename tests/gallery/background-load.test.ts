import { appendFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GalleryLoadError,
  openGallery,
  startGallery,
  type GalleryHandle,
  type NewGenerationRecord,
} from '../../electron/gallery/index.js';
import { silentLogger } from '../../electron/log.js';

/*
 * The gallery handle the core holds from its start (issue 16 §2): records are added while the index still
 * loads, and join it after the records read back, each once.
 */

let dataDir: string;
const handles: GalleryHandle[] = [];

beforeEach(async () => {
  dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'gallery-load-')), 'data');
});

afterEach(async () => {
  for (const handle of handles.splice(0)) handle.close();
  await rm(path.dirname(dataDir), { recursive: true, force: true });
});

const journalFile = () => path.join(dataDir, 'gallery.jsonl');

function record(i: number, overrides: Partial<NewGenerationRecord> = {}): NewGenerationRecord {
  return {
    id: `rec-${i}`,
    path: `/images/image-${i}.png`,
    prompt: `image ${i}`,
    seed: i,
    width: 64,
    height: 64,
    format: 'png',
    bytes: 100 + i,
    workflow: 'sd15',
    backend: 'local',
    createdAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    ...overrides,
  };
}

async function seed(count: number): Promise<void> {
  const gallery = await openGallery({ dataDir, logger: silentLogger });
  for (let i = 0; i < count; i++) gallery.add(record(i));
  gallery.close();
}

async function started(beforeLoad?: () => Promise<void>): Promise<GalleryHandle> {
  const handle = await startGallery({ dataDir, logger: silentLogger, ...(beforeLoad ? { beforeLoad } : {}) });
  handles.push(handle);
  return handle;
}

describe('a gallery whose index loads in the background', () => {
  it('takes records while it loads; they join the index after the others, each once, a replacement replacing', async () => {
    await seed(5);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const handle = await started(() => held);
    const seen: number[] = [];
    handle.whenLoaded((index) => seen.push(index.size));

    const loading = handle.loaded();
    handle.add(record(10));
    // Record 2 again with a new prompt: the newer line wins, as when the journal is replayed.
    handle.add(record(2, { prompt: 'image 2, retouched' }));
    handle.add(record(11));
    expect(handle.loadedNow()).toBeUndefined();
    expect(seen).toEqual([]);

    release();
    const index = await loading;
    expect(handle.loadedNow()).toBe(index);
    expect(seen).toEqual([7]);
    expect(index.size).toBe(7);
    expect(index.list().items.map((item) => item.id)).toEqual([
      'rec-11',
      'rec-10',
      'rec-4',
      'rec-3',
      'rec-2',
      'rec-1',
      'rec-0',
    ]);
    expect(index.get('rec-2')?.prompt).toBe('image 2, retouched');
    expect(index.findByPath('/images/image-10.png')?.id).toBe('rec-10');

    // After the load, adds go straight into the index.
    handle.add(record(12));
    expect(index.get('rec-12')).toBeDefined();
    handle.close();
    handles.splice(0);

    const lines = (await readFile(journalFile(), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    const reopened = await openGallery({ dataDir, logger: silentLogger });
    try {
      expect(reopened.size).toBe(8);
      expect(reopened.get('rec-2')?.prompt).toBe('image 2, retouched');
    } finally {
      reopened.close();
    }
  });

  it('answers a failed load with a GalleryLoadError, keeps what was added, and reads again at the next call', async () => {
    await seed(3);
    let fail = true;
    const handle = await started(() =>
      fail ? Promise.reject(new Error('EIO: i/o error')) : Promise.resolve(),
    );
    const first = handle.loaded();
    handle.add(record(7));
    const error: unknown = await first.catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(GalleryLoadError);
    expect((error as GalleryLoadError).code).toBe('gallery_unavailable');
    expect((error as GalleryLoadError).message).toContain('EIO: i/o error');
    expect(handle.loadedNow()).toBeUndefined();

    handle.add(record(8));
    fail = false;
    const index = await handle.loaded();
    expect(index.list().items.map((item) => item.id)).toEqual(['rec-8', 'rec-7', 'rec-2', 'rec-1', 'rec-0']);
  });

  it('reads back only the file it opened: one put in its place meanwhile is refused', async () => {
    await seed(3);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const handle = await started(() => held);
    const loading = handle.loaded();
    const impostor = path.join(dataDir, 'impostor.jsonl');
    await writeFile(impostor, `${JSON.stringify({ op: 'add', record: { ...record(99), id: 'rec-99' } })}\n`);
    await rename(impostor, journalFile());
    release();
    await expect(loading).rejects.toThrow(/replaced by another file/u);
  });

  it('keeps a long last line that only lost its newline, and drops a long torn one', async () => {
    await seed(2);
    // Longer than the 64 KiB the tail is looked at in: the line's start is found further back.
    const long = record(5, { prompt: 'x'.repeat(200_000) });
    await appendFile(journalFile(), JSON.stringify({ op: 'add', record: { ...long, id: 'rec-5' } }));
    const kept = await openGallery({ dataDir, logger: silentLogger });
    expect(kept.size).toBe(3);
    expect(kept.get('rec-5')?.prompt).toHaveLength(200_000);
    kept.add(record(6));
    kept.close();
    const reopened = await openGallery({ dataDir, logger: silentLogger });
    expect(reopened.size).toBe(4);
    reopened.close();

    const torn = JSON.stringify({ op: 'add', record: { ...record(7, { prompt: 'y'.repeat(200_000) }) } });
    await appendFile(journalFile(), torn.slice(0, 150_000));
    const afterCrash = await openGallery({ dataDir, logger: silentLogger });
    try {
      expect(afterCrash.size).toBe(4);
      expect(afterCrash.get('rec-7')).toBeUndefined();
    } finally {
      afterCrash.close();
    }
    expect((await readFile(journalFile(), 'utf8')).endsWith('\n')).toBe(true);
  });

  it('orders a journal written out of time order when it loads', async () => {
    const gallery = await openGallery({ dataDir, logger: silentLogger });
    for (const i of [3, 1, 4, 0, 2]) gallery.add(record(i));
    gallery.close();
    const reopened = await openGallery({ dataDir, logger: silentLogger });
    try {
      expect(reopened.list().items.map((item) => item.id)).toEqual([
        'rec-4',
        'rec-3',
        'rec-2',
        'rec-1',
        'rec-0',
      ]);
    } finally {
      reopened.close();
    }
  });

  it('reads a journal that does not exist yet as empty, and creates it', async () => {
    await mkdir(dataDir, { recursive: true });
    const handle = await started();
    expect((await handle.loaded()).size).toBe(0);
    handle.add(record(1));
    expect((await readFile(journalFile(), 'utf8')).split('\n')).toHaveLength(2);
  });
});
