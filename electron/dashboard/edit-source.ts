import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readEditSource, type EditSourceLimits, type GalleryHandle } from '../gallery/index.js';
import { sendError } from './respond.js';

/*
 * An edit's source image by the edit's gallery id (the lightbox's "before"): read again at each request under the
 * rules in gallery/edit-source.ts, so a source deleted, moved or led outside by a link since the edit is a 404
 * saying so, never a file served because its path is in a record. The bytes sent are those read from the handle
 * that was checked; the ETag is their hash (the source is not the bridge's file and may change at any time).
 */

const imageTypes = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;

export async function serveEditSource(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { gallery: GalleryHandle; limits: () => EditSourceLimits },
  id: string,
): Promise<void> {
  const record = (await deps.gallery.loaded()).get(id);
  if (!record) return sendError(res, 404, 'image_not_found', `No generation with id ${id} in the gallery.`);
  const read = await readEditSource(record, deps.limits());
  switch (read.state) {
    case 'not-an-edit':
      return sendError(res, 404, 'not_an_edit', `${read.why} Only edits (edit_image) have a source.`);
    case 'gone':
      return sendError(res, 404, 'source_missing', read.why);
    case 'outside':
      return sendError(res, 404, 'source_outside_allowed_folders', read.why);
    case 'refused':
      return sendError(res, 415, 'source_not_served', read.why);
    case 'present':
      break;
  }
  const etag = `"s-${createHash('sha256').update(read.bytes).digest('base64url').slice(0, 22)}"`;
  const common = { ETag: etag, 'Cache-Control': 'private, no-cache', 'X-Content-Type-Options': 'nosniff' };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  res.writeHead(200, {
    ...common,
    'Content-Type': imageTypes[read.format],
    'Content-Length': read.bytes.byteLength,
  });
  res.end(req.method === 'HEAD' ? undefined : read.bytes);
}
