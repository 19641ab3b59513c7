/**
 * The bridge writes a rendered image as pieces (render.ts renderImageParts, png-text.ts pngTextParts); the tests
 * read it as one file, joined here.
 */
import { pngTextParts } from '../../electron/images/png-text.js';
import { renderImageParts, type RenderedImage, type RenderOptions } from '../../electron/images/render.js';

export async function renderImage(input: Buffer, options: RenderOptions): Promise<RenderedImage> {
  const { parts, ...rendered } = await renderImageParts(input, options);
  // One piece is the input itself (nothing to change): handed back as it is, not copied.
  return { bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts), ...rendered };
}

export function addPngText(png: Buffer, entries: Record<string, string>): Buffer {
  return Buffer.concat(pngTextParts(png, entries));
}
