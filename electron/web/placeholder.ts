/**
 * What a page shows while the image loads: a ThumbHash (about 25 bytes, base64) that a page can decode itself, the
 * same hash rendered as a tiny PNG data URL for plain HTML, and the dominant colour for a flat fill.
 */
import sharp from 'sharp';
import { rgbaToThumbHash, thumbHashToRGBA } from 'thumbhash';
import { rawInput, type RawImage } from './raw-image.js';

export interface Placeholder {
  thumbhash: string;
  data_url: string;
}

/** ThumbHash encodes images of at most 100 × 100 pixels. */
const thumbHashSide = 100;

export async function makePlaceholder(image: RawImage): Promise<Placeholder> {
  const { data, info } = await sharp(image.data, rawInput(image))
    .resize(thumbHashSide, thumbHashSide, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const hash = rgbaToThumbHash(info.width, info.height, data);
  return { thumbhash: Buffer.from(hash).toString('base64'), data_url: await renderedDataUrl(hash) };
}

/** The hash decoded (about 32 px on the longer side) as a deflated PNG: ~1 KB, where thumbhash's own is ~3 KB raw. */
async function renderedDataUrl(hash: Uint8Array): Promise<string> {
  const { w, h, rgba } = thumbHashToRGBA(hash);
  let pipeline = sharp(rgba, { raw: { width: w, height: h, channels: 4 } });
  if (rgba.every((value, index) => index % 4 !== 3 || value === 255)) pipeline = pipeline.removeAlpha();
  const png = await pipeline.png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** The most frequent colour (sharp's 4096-bin histogram), as `#rrggbb`. */
export async function dominantColor(image: RawImage): Promise<string> {
  const { dominant } = await sharp(image.data, rawInput(image)).stats();
  return `#${[dominant.r, dominant.g, dominant.b].map((value) => value.toString(16).padStart(2, '0')).join('')}`;
}
