/**
 * A limit on the pixels of an image we decode. A PNG of a few hundred KB can decode to 16000 × 16000 pixels:
 * 1.7 GiB and 19 s in a WebP conversion. The header says how big it is, so the size is checked before decoding,
 * and sharp's own `limitInputPixels` stops a decoder that finds more pixels than the header claimed.
 */
import sharp, { type SharpOptions } from 'sharp';
import { defaultSettings } from '../../shared/settings.js';

export const DEFAULT_MAX_INPUT_MEGAPIXELS = defaultSettings.maxInputMegapixels;

export class ImageTooLargeError extends Error {
  override readonly name = 'ImageTooLargeError';
  readonly code = 'image_too_large';
}

/** The pixel limit of the `maxInputMegapixels` setting. */
export function pixelLimitOf(megapixels: number): number {
  return Math.round(megapixels * 1_000_000);
}

/** Throws ImageTooLargeError when width × height is over `maxPixels`; `what` names the image in the message. */
export function checkPixelCount(what: string, width: number, height: number, maxPixels: number): void {
  const pixels = width * height;
  if (pixels <= maxPixels) return;
  throw new ImageTooLargeError(
    `${what} is ${width} × ${height} = ${pixels.toLocaleString('en-US')} pixels, over the limit of ` +
      `${maxPixels.toLocaleString('en-US')} (setting maxInputMegapixels = ${maxPixels / 1_000_000}). ` +
      'Scale it down first, or raise the limit (--max-input-megapixels, COMFYUI_MCP_MAX_INPUT_MEGAPIXELS, or the ' +
      'settings); decoding takes about 4 bytes of memory per pixel.',
  );
}

/**
 * Reads only the image's header and refuses it when it is over `maxPixels`. An unreadable header is left to
 * the decoder, which reports it in its own context.
 */
export async function refuseOversizedImage(
  input: string | Buffer,
  what: string,
  maxPixels: number,
): Promise<void> {
  const header = await sharp(input)
    .metadata()
    .catch(() => undefined);
  if (header?.width !== undefined && header.height !== undefined)
    checkPixelCount(what, header.width, header.height, maxPixels);
}

/** sharp's options for decoding under the limit: the backstop behind the header check. */
export function decodeLimit(maxPixels: number): SharpOptions {
  return { limitInputPixels: maxPixels };
}
