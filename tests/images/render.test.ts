import sharp from 'sharp';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { outputFormats } from '../../shared/generation.js';
import { formatFromPath, FormatError, resolveOutputFormat } from '../../electron/images/format.js';
import { readPngText } from '../../electron/images/png-text.js';
import {
  makePreview,
  makeThumbnail,
  previewMaxBytes,
  readEmbeddedMetadata,
} from '../../electron/images/render.js';
import { addPngText, renderImage } from './joined.js';

/** A noisy RGB image, so encoders cannot make it trivially small and crops are visible. */
async function noiseImage(
  width: number,
  height: number,
  format: 'png' | 'jpeg' | 'webp' = 'png',
): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    pixels[i] = state >> 16;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .toFormat(format)
    .toBuffer();
}

/** Walks a PNG's chunks and checks every CRC, so an inserted chunk with a wrong checksum fails the test. */
function chunkTypesWithValidCrc(png: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const body = png.subarray(offset + 4, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(body));
    types.push(body.toString('latin1', 0, 4));
    offset += 12 + length;
  }
  return types;
}

describe('renderImage', () => {
  const sizes: Array<[number, number]> = [
    [64, 64],
    [128, 32],
    [32, 128],
    [100, 75],
    [75, 100],
    [1, 50],
    [50, 1],
    [160, 90],
    [99, 101],
  ];

  it.each(outputFormats.flatMap((format) => sizes.map(([w, h]) => [format, w, h] as const)))(
    'produces exactly %s %i×%i from a 96×64 source',
    async (format, width, height) => {
      const rendered = await renderImage(await noiseImage(96, 64), { width, height, format });
      const meta = await sharp(rendered.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual([format, width, height]);
      expect(rendered).toMatchObject({ width, height, format });
    },
  );

  it('returns the input untouched when size and format already match and there is no metadata', async () => {
    const input = await noiseImage(64, 48, 'webp');
    const rendered = await renderImage(input, { width: 64, height: 48, format: 'webp' });
    expect(rendered.bytes).toBe(input);
  });

  it('crops the centre when the aspect differs', async () => {
    // Left third red, middle green, right third blue; a square cover crop of 90×30 keeps only the green.
    const stripes = Buffer.alloc(90 * 30 * 3);
    for (let x = 0; x < 90; x++) {
      for (let y = 0; y < 30; y++) stripes[(y * 90 + x) * 3 + Math.floor(x / 30)] = 255;
    }
    const input = await sharp(stripes, { raw: { width: 90, height: 30, channels: 3 } })
      .png()
      .toBuffer();
    const rendered = await renderImage(input, { width: 30, height: 30, format: 'png' });
    const { data } = await sharp(rendered.bytes).raw().toBuffer({ resolveWithObject: true });
    expect([data[0], data[1], data[2]]).toEqual([0, 255, 0]);
  });

  it('rejects sizes that are not positive whole numbers', async () => {
    const input = await noiseImage(8, 8);
    await expect(renderImage(input, { width: 0, height: 8, format: 'png' })).rejects.toThrow(
      /positive whole numbers/,
    );
    await expect(renderImage(input, { width: 8.5, height: 8, format: 'png' })).rejects.toThrow(
      /positive whole numbers/,
    );
  });

  const metadata = {
    prompt: 'a lighthouse at dusk, "cinematic" <35mm> & grain',
    parameters: 'Steps: 20, Sampler: euler, Seed: 42',
    negative_prompt: 'blurry, 文字, ñ',
  };

  it.each(outputFormats)('embeds metadata in %s and reads it back', async (format) => {
    for (const [width, height] of [
      [64, 64],
      [48, 40],
    ] as const) {
      const rendered = await renderImage(await noiseImage(64, 64), { width, height, format, metadata });
      expect(await readEmbeddedMetadata(rendered.bytes)).toEqual(metadata);
      const meta = await sharp(rendered.bytes).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([width, height, format]);
    }
  });

  it('writes PNG text chunks before IEND with correct CRCs (tEXt for Latin-1, iTXt otherwise)', async () => {
    const rendered = await renderImage(await noiseImage(32, 32), {
      width: 32,
      height: 32,
      format: 'png',
      metadata,
    });
    const types = chunkTypesWithValidCrc(rendered.bytes);
    expect(types.at(-1)).toBe('IEND');
    expect(types.slice(-4, -1)).toEqual(['tEXt', 'tEXt', 'iTXt']);
    // sharp (libpng) must still decode the file after the insertion.
    await expect(sharp(rendered.bytes).raw().toBuffer()).resolves.toHaveLength(32 * 32 * 3);
  });

  it('keeps text written by other tools when adding more', async () => {
    const once = addPngText(await noiseImage(8, 8), { workflow: '{"1":{}}' });
    const twice = addPngText(once, { prompt: 'cat' });
    expect(readPngText(twice)).toEqual({ workflow: '{"1":{}}', prompt: 'cat' });
    expect(() => addPngText(once, { ' bad': 'x' })).toThrow(/keyword/);
    expect(() => addPngText(Buffer.from('not a png'), { a: 'b' })).toThrow(/Not a PNG/);
  });
});

describe('formats from paths', () => {
  it('maps extensions and lists the accepted ones otherwise', () => {
    expect(formatFromPath('/x/a.PNG')).toBe('png');
    expect(formatFromPath('a.jpg')).toBe('jpeg');
    expect(formatFromPath('a.jpeg')).toBe('jpeg');
    expect(formatFromPath('a.webp')).toBe('webp');
    expect(() => formatFromPath('a.gif')).toThrow(/\.gif.*\.png, \.jpg, \.jpeg, \.webp/);
    expect(() => formatFromPath('noext')).toThrow(FormatError);
  });

  it('appends the extension for an explicit format and refuses a contradicting one', () => {
    expect(resolveOutputFormat('hero', 'webp')).toEqual({ path: 'hero.webp', format: 'webp' });
    expect(resolveOutputFormat('hero.v2', 'jpeg')).toEqual({ path: 'hero.v2.jpg', format: 'jpeg' });
    expect(resolveOutputFormat('hero.jpeg', 'jpeg')).toEqual({ path: 'hero.jpeg', format: 'jpeg' });
    expect(resolveOutputFormat('hero.webp')).toEqual({ path: 'hero.webp', format: 'webp' });
    expect(resolveOutputFormat('hero')).toEqual({ path: 'hero.png', format: 'png' });
    expect(() => resolveOutputFormat('hero.png', 'webp')).toThrow(/ends in \.png but format is webp.*\.webp/);
    expect(() => resolveOutputFormat('hero.bmp')).toThrow(FormatError);
  });
});

describe('thumbnails and previews', () => {
  it('makes WebP thumbnails no larger than 256 px and never enlarges', async () => {
    const big = await makeThumbnail(await noiseImage(800, 400));
    expect(await sharp(big).metadata()).toMatchObject({ format: 'webp', width: 256, height: 128 });
    const capped = await makeThumbnail(await noiseImage(800, 400), 1000);
    expect((await sharp(capped).metadata()).width).toBe(256);
    const small = await makeThumbnail(await noiseImage(40, 30), 128);
    expect(await sharp(small).metadata()).toMatchObject({ width: 40, height: 30 });
  });

  it('makes previews within 512 px and 100 KB even from a large incompressible image', async () => {
    const preview = await makePreview(await noiseImage(1536, 1024));
    const meta = await sharp(preview.bytes).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(512);
    expect(preview.bytes.length).toBeLessThanOrEqual(previewMaxBytes);
    expect([preview.width, preview.height]).toEqual([meta.width, meta.height]);
    expect(preview.width / preview.height).toBeCloseTo(1.5, 1);
  });
});
