/**
 * sharp, as the web engine uses it: decode the main file once to pixels, resize those once per variant, encode the
 * resized pixels in one format at one quality (the budget search calls this repeatedly), and decode an encoded file
 * back to pixels for the similarity check. Every call runs in libuv's thread pool, off the event loop.
 */
import sharp from 'sharp';
import { decodeLimit } from '../images/pixel-limit.js';
import type { WebFormat } from './purposes.js';
import { rawInput, type RawImage } from './raw-image.js';

export interface DecodedSource {
  image: RawImage;
  /** Some pixel is not fully opaque (an alpha channel that is all 255 does not count). */
  hasAlpha: boolean;
}

/** Decodes an image file (upright, per its EXIF orientation) to pixels; refuses more than `maxPixels`. */
export async function decodeSource(bytes: Uint8Array, maxPixels: number): Promise<DecodedSource> {
  const upright = sharp(bytes, decodeLimit(maxPixels)).autoOrient();
  const { data, info } = await upright.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const rgba: RawImage = { data, width: info.width, height: info.height, channels: 4 };
  const hasAlpha = !(await sharp(data, rawInput(rgba)).stats()).isOpaque;
  if (hasAlpha) return { image: rgba, hasAlpha };
  const rgb = await sharp(data, rawInput(rgba)).removeAlpha().raw().toBuffer();
  return { image: { data: rgb, width: info.width, height: info.height, channels: 3 }, hasAlpha };
}

export interface ResizeTarget {
  width: number;
  height: number;
  /** `fill`: the whole image to this size (the planned size keeps the aspect); `cover`: crop to the interest. */
  fit: 'fill' | 'cover';
}

export async function resizeRaw(image: RawImage, target: ResizeTarget): Promise<RawImage> {
  if (image.width === target.width && image.height === target.height) return image;
  const { data, info } = await sharp(image.data, rawInput(image))
    .resize(target.width, target.height, { fit: target.fit, position: sharp.strategy.attention })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: image.channels };
}

/** The image over an opaque `background` (`#rrggbb`), without an alpha channel; an opaque image as it is. */
export async function flattenRaw(image: RawImage, background: string): Promise<RawImage> {
  if (image.channels === 3) return image;
  const { data, info } = await sharp(image.data, rawInput(image))
    .flatten({ background })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

/** The quality range of the budget search per format: the top is the everyday quality, the bottom is never passed. */
export const qualityRange: Readonly<Record<WebFormat, { min: number; max: number }>> = {
  avif: { min: 25, max: 60 },
  webp: { min: 35, max: 82 },
  jpeg: { min: 35, max: 82 },
  // 100 is lossless; below it, a palette quantised at that quality (libimagequant), which keeps alpha.
  png: { min: 40, max: 100 },
};

/** AVIF effort 4 (sharp's default) balances bytes and CPU; higher efforts cost several times the time for ~5 %. */
const avifEffort = 4;

export async function encodeRaw(image: RawImage, format: WebFormat, quality: number): Promise<Buffer> {
  const pipeline = sharp(image.data, rawInput(image));
  switch (format) {
    case 'avif':
      return pipeline.avif({ quality, effort: avifEffort }).toBuffer();
    case 'webp':
      return pipeline.webp({ quality, effort: 4 }).toBuffer();
    case 'jpeg':
      // JPEG has no alpha: transparent pixels become white, as a browser shows them on a white page.
      return pipeline.flatten({ background: '#ffffff' }).jpeg({ quality, mozjpeg: true }).toBuffer();
    case 'png':
      return quality >= 100
        ? pipeline.png({ compressionLevel: 9 }).toBuffer()
        : pipeline.png({ palette: true, quality, compressionLevel: 9 }).toBuffer();
  }
}

/** Decodes an encoded variant to pixels with `channels` channels, to compare it with what it was made from. */
export async function decodeRaw(bytes: Buffer, channels: 3 | 4): Promise<RawImage> {
  const pipeline = sharp(bytes);
  const withChannels = channels === 4 ? pipeline.ensureAlpha() : pipeline.removeAlpha();
  const { data, info } = await withChannels.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels };
}
