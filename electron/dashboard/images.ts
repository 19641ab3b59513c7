import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { OutputFormat } from '../../shared/generation.js';
import type { GalleryHandle } from '../gallery/index.js';
import type { Logger } from '../log.js';
import { sendError } from './respond.js';
import type { ImageRouteName } from './routes.js';

/*
 * Gallery images by id: the path comes from the gallery's own record, never from the request, and only the file
 * that record made is sent (gallery/file-check.ts). Responses are private (they sit behind a token) and
 * revalidated by an ETag made from the file's size and modification time, so a browser scrolling back through
 * 10,000 thumbnails asks with If-None-Match and gets a 304.
 */

const imageTypes: Record<OutputFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
const cacheControl = 'private, max-age=3600, must-revalidate';

export function etagOf(info: { size: number; mtimeMs: number }, kind: ImageRouteName): string {
  return `"${kind[0]}-${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}"`;
}

export async function serveGalleryImage(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { gallery: GalleryHandle; logger: Logger },
  kind: Exclude<ImageRouteName, 'source'>,
  id: string,
): Promise<void> {
  // The file is opened first and checked as opened (its identity, and that it is inside the allowed folders);
  // what is sent is read from that very handle.
  const index = await deps.gallery.loaded();
  const opened = await index.openFile(id);
  const record = index.get(id);
  if (!opened || !record) {
    if (opened?.state === 'present') await opened.handle.close();
    return sendError(res, 404, 'image_not_found', `No generation with id ${id} in the gallery.`);
  }
  if (opened.state === 'replaced')
    return sendError(
      res,
      404,
      'image_file_replaced',
      `The file at ${record.path} is not the one this entry made: ${opened.why}. Deleting the entry leaves that file alone.`,
    );
  if (opened.state === 'missing')
    return sendError(
      res,
      404,
      'image_file_missing',
      `The file ${record.path} is gone (moved or deleted outside the bridge); delete the entry to tidy the gallery.`,
    );
  const { handle, stats } = opened;
  const etag = etagOf({ size: Number(stats.size), mtimeMs: Number(stats.mtimeMs) }, kind);
  const common = { ETag: etag, 'Cache-Control': cacheControl, 'X-Content-Type-Options': 'nosniff' };
  if (req.headers['if-none-match'] === etag || kind === 'thumbnail' || req.method === 'HEAD') {
    // Nothing more is read from the handle: a thumbnail is made by the gallery, which opens and checks again.
    await handle.close();
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, common);
    res.end();
    return;
  }

  if (kind === 'thumbnail') {
    // A browser drops the requests of tiles scrolled out of view (and all of a closed page's): their renders
    // still waiting in the queue are skipped rather than delaying the tiles now shown.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const bytes = await index.thumbnail(id, gone.signal).catch((error: unknown) => {
      if (gone.signal.aborted) return null;
      throw error;
    });
    if (bytes === null) return;
    if (!bytes)
      return sendError(res, 404, 'image_file_missing', `The file ${record.path} is gone or was replaced.`);
    res.writeHead(200, { ...common, 'Content-Type': 'image/webp', 'Content-Length': bytes.byteLength });
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return;
  }

  res.writeHead(200, {
    ...common,
    'Content-Type': imageTypes[record.format],
    'Content-Length': Number(stats.size),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // The stream closes the handle when it ends or fails.
  await pipeline(handle.createReadStream(), res).catch((error: unknown) => {
    deps.logger.warn('sending an image failed', { id, error: String(error) });
    res.destroy();
  });
}
