/**
 * The thumbnail cache: one WebP per record in `<data folder>/thumbs`, made on first request. The thumbnail's
 * modification time is set to its source's, so any change to the source (newer or older) makes it stale. The
 * source is an open file the caller checked (gallery/file-check.ts), read from its handle, never by path.
 */
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../images/errno.js';
import { makeThumbnail } from '../images/render.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../private-files.js';

/** A checked source image, open until `close`. */
export interface ThumbnailSource {
  mtimeMs: number;
  read(): Promise<Buffer>;
  close(): Promise<void>;
}

export interface ThumbnailCache {
  /**
   * The thumbnail of the source `open` gives (opened when the work starts, closed when it ends), cached under
   * `id`; undefined when there is no source (gone, or not the recorded file). Rejects with the signal's reason
   * when every caller asking for this id gave up before its render started.
   */
  get(
    id: string,
    open: () => Promise<ThumbnailSource | undefined>,
    signal?: AbortSignal,
  ): Promise<Buffer | undefined>;
  forget(id: string): Promise<void>;
}

interface Pending {
  work: Promise<Buffer | undefined>;
  /** Aborted once no caller wants this thumbnail any more. */
  unwanted: AbortController;
  /** Callers that have not given up; one without a signal never gives up. */
  waiting: number;
}

export function createThumbnailCache(options: { dir: string }): ThumbnailCache {
  const inFlight = new Map<string, Pending>();
  // One render at a time. A screenful of tiles asks for ~36 thumbnails at once; rendered in parallel they are
  // done no sooner on a few cores, the first tile waits longer, and each concurrent decode of a 1024² image
  // leaves its own malloc arena behind (measured on 2 cores: resident memory +60 MiB for 36 thumbnails in
  // parallel, +35 MiB one at a time, in the same total time).
  const render = createRenderQueue();
  const fileFor = (id: string) => path.join(options.dir, `${id}.webp`);

  const produce = async (
    id: string,
    open: () => Promise<ThumbnailSource | undefined>,
    signal: AbortSignal,
  ): Promise<Buffer | undefined> => {
    const source = await open();
    if (!source) return undefined;
    try {
      const cached = fileFor(id);
      const cachedInfo = await statOrUndefined(cached);
      if (cachedInfo && Math.abs(cachedInfo.mtimeMs - source.mtimeMs) < 1) return await readFile(cached);

      const bytes = await render(async () => makeThumbnail(await source.read()), signal);
      await mkdir(options.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      const temp = `${cached}.${process.pid}.tmp`;
      await writeFile(temp, bytes, { mode: PRIVATE_FILE_MODE });
      const mtime = new Date(source.mtimeMs);
      await utimes(temp, mtime, mtime);
      await rename(temp, cached);
      return bytes;
    } finally {
      await source.close();
    }
  };

  return {
    get(id, open, signal) {
      let pending = inFlight.get(id);
      if (!pending) {
        const unwanted = new AbortController();
        const work = produce(id, open, unwanted.signal).finally(() => inFlight.delete(id));
        pending = { work, unwanted, waiting: 0 };
        inFlight.set(id, pending);
      }
      const shared = pending;
      shared.waiting++;
      if (signal) {
        const giveUp = () => {
          if (--shared.waiting === 0) shared.unwanted.abort(signal.reason);
        };
        if (signal.aborted) giveUp();
        else signal.addEventListener('abort', giveUp, { once: true });
      }
      return shared.work;
    },
    async forget(id) {
      await rm(fileFor(id), { force: true });
    },
  };
}

/**
 * Runs one task at a time, in the order asked. A task whose signal aborts while it waits leaves the queue unrun
 * (its promise rejects with the signal's reason): a tile scrolled away or a closed page no longer holds up the
 * thumbnails still wanted.
 */
function createRenderQueue() {
  let busy = false;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>, signal: AbortSignal): Promise<T> => {
    signal.throwIfAborted();
    if (busy) {
      await new Promise<void>((resolve, reject) => {
        const start = () => {
          signal.removeEventListener('abort', leave);
          resolve();
        };
        const leave = () => {
          waiting.splice(waiting.indexOf(start), 1);
          reject(signal.reason as Error);
        };
        waiting.push(start);
        signal.addEventListener('abort', leave, { once: true });
      });
    }
    // The queue stays busy from one task straight into the next, so no newcomer slips in between.
    busy = true;
    try {
      return await task();
    } finally {
      const following = waiting.shift();
      if (following) following();
      else busy = false;
    }
  };
}

async function statOrUndefined(file: string) {
  try {
    return await stat(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}
