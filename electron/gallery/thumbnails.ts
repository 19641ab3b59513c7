/**
 * The thumbnail cache: one WebP per record in `<data folder>/thumbs`, made on first request. The thumbnail's
 * modification time is set to its source's, so any change to the source (newer or older) makes it stale.
 */
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../images/errno.js';
import { makeThumbnail } from '../images/render.js';

export interface ThumbnailCache {
  /** The thumbnail of `source`, cached under `id`; undefined when the source file is gone. */
  get(id: string, source: string): Promise<Buffer | undefined>;
  forget(id: string): Promise<void>;
}

export function createThumbnailCache(options: { dir: string }): ThumbnailCache {
  const inFlight = new Map<string, Promise<Buffer | undefined>>();
  const fileFor = (id: string) => path.join(options.dir, `${id}.webp`);

  const produce = async (id: string, source: string): Promise<Buffer | undefined> => {
    const sourceInfo = await statOrUndefined(source);
    if (!sourceInfo?.isFile()) return undefined;
    const cached = fileFor(id);
    const cachedInfo = await statOrUndefined(cached);
    if (cachedInfo && Math.abs(cachedInfo.mtimeMs - sourceInfo.mtimeMs) < 1) return readFile(cached);

    const bytes = await makeThumbnail(source);
    await mkdir(options.dir, { recursive: true });
    const temp = `${cached}.${process.pid}.tmp`;
    await writeFile(temp, bytes);
    await utimes(temp, sourceInfo.atime, sourceInfo.mtime);
    await rename(temp, cached);
    return bytes;
  };

  return {
    get(id, source) {
      const pending = inFlight.get(id);
      if (pending) return pending;
      const work = produce(id, source).finally(() => inFlight.delete(id));
      inFlight.set(id, work);
      return work;
    },
    async forget(id) {
      await rm(fileFor(id), { force: true });
    },
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
