import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { OutputFormat } from '../../shared/generation.js';
import type { Gallery } from '../gallery/index.js';
import type { Logger } from '../log.js';
import { sendError } from './respond.js';
import type { ImageRouteName } from './routes.js';

/*
 * Gallery images by id: the path comes from the gallery's own record, never from the request. Responses are
 * private (they sit behind a token) and revalidated by an ETag made from the file's size and modification
 * time, so a browser scrolling back through 10,000 thumbnails asks with If-None-Match and gets a 304.
 */

const imageTypes: Record<OutputFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
const cacheControl = 'private, max-age=3600, must-revalidate';

export function etagOf(info: { size: number; mtimeMs: number }, kind: ImageRouteName): string {
  return `"${kind[0]}-${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}"`;
}

export async function serveGalleryImage(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { gallery: Gallery; logger: Logger },
  kind: ImageRouteName,
  id: string,
): Promise<void> {
  const record = deps.gallery.get(id);
  if (!record) return sendError(res, 404, 'image_not_found', `No generation with id ${id} in the gallery.`);
  const info = await stat(record.path).catch(() => undefined);
  if (!info?.isFile())
    return sendError(
      res,
      404,
      'image_file_missing',
      `The file ${record.path} is gone (moved or deleted outside the bridge); delete the entry to tidy the gallery.`,
    );

  const etag = etagOf(info, kind);
  const common = { ETag: etag, 'Cache-Control': cacheControl, 'X-Content-Type-Options': 'nosniff' };
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
    const bytes = await deps.gallery.thumbnail(id, gone.signal).catch((error: unknown) => {
      if (gone.signal.aborted) return null;
      throw error;
    });
    if (bytes === null) return;
    if (!bytes) return sendError(res, 404, 'image_file_missing', `The file ${record.path} is gone.`);
    res.writeHead(200, { ...common, 'Content-Type': 'image/webp', 'Content-Length': bytes.byteLength });
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return;
  }

  res.writeHead(200, { ...common, 'Content-Type': imageTypes[record.format], 'Content-Length': info.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(createReadStream(record.path), res).catch((error: unknown) => {
    deps.logger.warn('sending an image failed', { id, error: String(error) });
    res.destroy();
  });
}
