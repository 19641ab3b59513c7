/**
 * A PNG written into its temp file while it downloads (bridge/streamed-download.ts, issue 16): the file placed is
 * byte for byte the one written after the download, a retried download starts the temp file again, and a download,
 * render or path that fails leaves no temp file behind and places nothing. Real files, real sharp, a real feed.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliverJob } from '../../electron/bridge/pipeline.js';
import { startGallery, type GalleryHandle } from '../../electron/gallery/index.js';
import { ImageFeed } from '../../electron/jobs/image-feed.js';
import type { JobRecord } from '../../electron/jobs/types.js';
import { silentLogger } from '../../electron/log.js';

let base: string;
let project: string;
let gallery: GalleryHandle;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'streamed-delivery-'));
  project = path.join(base, 'project');
  await mkdir(path.join(project, 'images'), { recursive: true });
  gallery = await startGallery({ dataDir: path.join(base, 'data'), logger: silentLogger });
});
afterEach(async () => {
  gallery.close();
  await rm(base, { recursive: true, force: true });
});

const deps = () => ({
  gallery,
  recoveryDir: path.join(base, 'data', 'replaced'),
  maxInputPixels: 40_000_000,
  maxSourceBytes: 50_000_000,
});

function jobFor(name: string, spec: Partial<JobRecord['spec']> = {}): JobRecord {
  return {
    id: `job-${name.replace(/\W/gu, '-')}`,
    index: 0,
    state: 'running',
    attempts: 1,
    updatedAt: new Date().toISOString(),
    spec: {
      prompt: 'a lighthouse',
      negativePrompt: '',
      width: 96,
      height: 64,
      seed: 7,
      format: 'png',
      workflow: 'sd15',
      savePath: path.join(project, 'images', name),
      allowedRoots: [project],
      overwrite: false,
      ...spec,
    },
  };
}

/** A textured PNG, so that it is many chunks of the feed. */
async function png(width = 96, height = 64): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/** Pieces of `bytes` as a download would hand them over. */
function piecesOf(bytes: Buffer, size = 4096): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
}

/** Feeds the pieces one per turn of the event loop, as a socket would, then resolves with the whole image. */
async function download(feed: ImageFeed, pieces: Buffer[]): Promise<Buffer> {
  try {
    for (const piece of pieces) {
      await new Promise((resolve) => setImmediate(resolve));
      feed.chunk(piece);
    }
    return Buffer.concat(pieces);
  } finally {
    feed.end();
  }
}

const leftovers = async () =>
  (await readdir(path.join(project, 'images'))).filter((name) => name.endsWith('.tmp'));

/** The bytes in the save folder's temp files now. */
async function bytesInTemp(): Promise<number> {
  const sizes = await Promise.all(
    (await leftovers()).map(async (name) => (await stat(path.join(project, 'images', name))).size),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** A download the test drives: pieces in, then the image or a failure. */
function drivenDownload(feed: ImageFeed) {
  let settle: { resolve: (bytes: Buffer) => void; reject: (error: Error) => void } | undefined;
  const image = new Promise<Buffer>((resolve, reject) => (settle = { resolve, reject }));
  return {
    image,
    push: (pieces: Buffer[]) => pieces.forEach((piece) => feed.chunk(piece)),
    finish(bytes: Buffer) {
      feed.end();
      settle!.resolve(bytes);
    },
    fail(error: Error) {
      feed.end();
      settle!.reject(error);
    },
  };
}

/** The job's file is byte for byte what a delivery of the whole image after its download places; no temp left. */
async function expectAsDeliveredAfterTheDownload(job: JobRecord, image: Buffer): Promise<void> {
  const reference = jobFor('reference.png');
  await deliverJob(deps(), reference, 'batch-1', image, 'local');
  expect((await readFile(job.spec.savePath)).equals(await readFile(reference.spec.savePath))).toBe(true);
  expect(await leftovers()).toEqual([]);
}

describe('a PNG delivered while it downloads', () => {
  it('places the same bytes as a delivery after the download', async () => {
    const image = await png();
    const feed = new ImageFeed();
    const streamedJob = jobFor('streamed.png');
    await deliverJob(deps(), streamedJob, 'batch-1', download(feed, piecesOf(image)), 'local', feed);
    const afterJob = jobFor('after.png');
    await deliverJob(deps(), afterJob, 'batch-1', image, 'local');

    const streamed = await readFile(streamedJob.spec.savePath);
    const after = await readFile(afterJob.spec.savePath);
    // The same image with the same text chunks: ComfyUI's bytes kept, the bridge's metadata before IEND.
    expect(streamed.equals(after)).toBe(true);
    expect(streamed.subarray(0, image.length - 12).equals(image.subarray(0, image.length - 12))).toBe(true);
    expect(streamed.length).toBeGreaterThan(image.length);
    expect(await leftovers()).toEqual([]);
  });

  it('fills its temp file while the download is still on its way', async () => {
    const image = await png();
    const feed = new ImageFeed();
    const job = jobFor('early.png');
    const driven = drivenDownload(feed);
    const delivered = deliverJob(deps(), job, 'batch-1', driven.image, 'local', feed);
    driven.push(piecesOf(image));
    await expect.poll(bytesInTemp).toBe(image.length);
    driven.finish(image);
    await delivered;
    await expectAsDeliveredAfterTheDownload(job, image);
  });

  it('starts the temp file again when the download is retried', async () => {
    const image = await png();
    const feed = new ImageFeed();
    const job = jobFor('retried.png');
    const retried = (async () => {
      // The first attempt breaks off after some garbage; the second brings the image.
      for (const piece of [Buffer.alloc(5000, 0xaa), Buffer.alloc(3000, 0xbb)]) {
        await new Promise((resolve) => setImmediate(resolve));
        feed.chunk(piece);
      }
      feed.restart();
      return download(feed, piecesOf(image));
    })();
    await deliverJob(deps(), job, 'batch-1', retried, 'local', feed);
    await expectAsDeliveredAfterTheDownload(job, image);
  });

  it('writes a resized image whole over what was streamed', async () => {
    const image = await png(128, 64);
    const feed = new ImageFeed();
    const job = jobFor('resized.png', { width: 64, height: 32 });
    await deliverJob(deps(), job, 'batch-1', download(feed, piecesOf(image)), 'local', feed);
    const written = await readFile(job.spec.savePath);
    expect(await sharp(written).metadata()).toMatchObject({ width: 64, height: 32, format: 'png' });
    expect(await leftovers()).toEqual([]);
  });

  it('leaves no temp file and places nothing when the download fails', async () => {
    const image = await png();
    const feed = new ImageFeed();
    const job = jobFor('failed.png');
    const driven = drivenDownload(feed);
    const delivered = deliverJob(deps(), job, 'batch-1', driven.image, 'local', feed);
    driven.push(piecesOf(image).slice(0, 3));
    await expect.poll(bytesInTemp).toBe(3 * 4096);
    driven.fail(new Error('connection reset'));
    await expect(delivered).rejects.toThrow('connection reset');
    await expect.poll(leftovers).toEqual([]);
    expect(await readdir(path.join(project, 'images'))).toEqual([]);
  });

  it('leaves no temp file and places nothing when the bytes are not an image', async () => {
    const feed = new ImageFeed();
    const job = jobFor('garbage.png');
    const driven = drivenDownload(feed);
    const delivered = deliverJob(deps(), job, 'batch-1', driven.image, 'local', feed);
    const garbage = Buffer.alloc(9000, 0x41);
    driven.push([garbage]);
    await expect.poll(bytesInTemp).toBe(garbage.length);
    driven.finish(garbage);
    await expect(delivered).rejects.toMatchObject({ code: 'unreadable_image' });
    await expect.poll(leftovers).toEqual([]);
    expect(await readdir(path.join(project, 'images'))).toEqual([]);
  });

  it('streams nothing into a folder outside the allowed ones, and places nothing there', async () => {
    const image = await png();
    const feed = new ImageFeed();
    const outside = path.join(base, 'outside');
    await mkdir(outside);
    const job = jobFor('outside.png', { savePath: path.join(outside, 'outside.png') });
    await expect(
      deliverJob(deps(), job, 'batch-1', download(feed, piecesOf(image)), 'local', feed),
    ).rejects.toMatchObject({ code: expect.stringMatching(/outside|not_allowed|refused/u) as unknown });
    expect(await readdir(outside)).toEqual([]);
  });
});
