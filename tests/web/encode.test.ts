import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeSource } from '../../electron/web/encode.js';

const pixels = (width: number, height: number, channels: 1 | 3 | 4, value: number) =>
  sharp(Buffer.alloc(width * height * channels, value), { raw: { width, height, channels } });

describe('decodeSource', () => {
  it('gives 8-bit sRGB pixels whatever the file: greyscale and 16-bit too', async () => {
    const grey = await decodeSource(await pixels(64, 48, 1, 100).png().toBuffer(), 1e8);
    expect([grey.image.channels, grey.image.data.byteLength, grey.hasAlpha]).toEqual([3, 64 * 48 * 3, false]);
    const deep = await pixels(64, 48, 3, 100).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const decoded = await decodeSource(deep, 1e8);
    expect([decoded.image.channels, decoded.image.data.byteLength]).toEqual([3, 64 * 48 * 3]);
  });

  it('counts alpha only when some pixel is not opaque', async () => {
    const opaque = await decodeSource(await pixels(32, 32, 4, 255).png().toBuffer(), 1e8);
    expect([opaque.hasAlpha, opaque.image.channels]).toEqual([false, 3]);
    const data = Buffer.alloc(32 * 32 * 4, 200);
    data[3] = 0;
    const cutout = await sharp(data, { raw: { width: 32, height: 32, channels: 4 } })
      .png()
      .toBuffer();
    const transparent = await decodeSource(cutout, 1e8);
    expect([transparent.hasAlpha, transparent.image.channels]).toEqual([true, 4]);
  });

  it('turns the image upright per its EXIF orientation', async () => {
    const rotated = await pixels(40, 20, 3, 90).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const { image } = await decodeSource(rotated, 1e8);
    expect([image.width, image.height]).toEqual([20, 40]);
  });

  it('stops a decoder that finds more pixels than the limit', async () => {
    await expect(decodeSource(await pixels(100, 100, 3, 0).png().toBuffer(), 5000)).rejects.toThrow(
      /pixel limit/iu,
    );
  });
});
