import sharp from 'sharp';
import { thumbHashToAverageRGBA } from 'thumbhash';
import { describe, expect, it } from 'vitest';
import { decodeSource } from '../../electron/web/encode.js';
import { dominantColor, makePlaceholder } from '../../electron/web/placeholder.js';
import { photoPng } from './photo.js';

describe('placeholders', () => {
  it('gives a ThumbHash and a tiny PNG data URL that look like the image', async () => {
    const { image } = await decodeSource(await photoPng({ width: 900, height: 600 }), 1e8);
    const placeholder = await makePlaceholder(image);
    const hash = Buffer.from(placeholder.thumbhash, 'base64');
    expect(hash.byteLength).toBeGreaterThan(5);
    expect(hash.byteLength).toBeLessThanOrEqual(25);
    expect(placeholder.data_url).toMatch(/^data:image\/png;base64,/u);
    const png = Buffer.from(placeholder.data_url.split(',')[1] ?? '', 'base64');
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(32);
    expect(png.byteLength).toBeLessThan(2500);
    // The hash's average colour is the image's mean colour, within rounding.
    const { channels } = await sharp(image.data, { raw: { ...image } }).stats();
    const average = thumbHashToAverageRGBA(hash);
    expect(Math.abs(average.r * 255 - (channels[0]?.mean ?? 0))).toBeLessThan(12);
    expect(Math.abs(average.b * 255 - (channels[2]?.mean ?? 0))).toBeLessThan(12);
  });

  it('names the dominant colour', async () => {
    const width = 64;
    const data = Buffer.alloc(width * width * 3);
    for (let i = 0; i < width * width; i++) data.set(i % 4 === 0 ? [250, 10, 10] : [20, 90, 200], i * 3);
    expect(await dominantColor({ data, width, height: width, channels: 3 })).toMatch(
      /^#1[0-9a-f]5[0-9a-f]c[0-9a-f]$/u,
    );
  });
});
