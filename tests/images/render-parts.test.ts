/**
 * A PNG kept at its size is written as ComfyUI's bytes with the text chunks between them, never copied into one
 * buffer (issue 16: the copy of a few-MB image cost about a millisecond per call), and its size is read from its
 * header instead of through libvips. The pieces, written by writeAll, make the same file renderImage makes.
 */
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { withoutFirstBytes, writeAll } from '../../electron/images/file-content.js';
import { ImageTooLargeError } from '../../electron/images/pixel-limit.js';
import { pngSize, pngTextParts, readPngText } from '../../electron/images/png-text.js';
import { renderImageParts } from '../../electron/images/render.js';
import { flatPng } from './flat-png.js';

const metadata = { parameters: 'a lighthouse at dusk\nSeed: 7', 'bridge-prompt': 'a lighthouse at dusk ☀' };
const folders: string[] = [];
afterAll(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

describe('renderImageParts: a PNG kept at its size', () => {
  it('hands back the source bytes themselves, the text chunks and IEND', async () => {
    const source = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#357' } })
      .png()
      .toBuffer();
    const rendered = await renderImageParts(source, { width: 40, height: 30, format: 'png', metadata });
    expect(rendered.parts.length).toBe(2 + Object.keys(metadata).length);
    // The first piece is a view of the source, not a copy of it.
    expect(rendered.parts[0]!.buffer).toBe(source.buffer);
    expect(rendered.parts[0]!.byteOffset).toBe(source.byteOffset);
    // The source up to its IEND chunk (the last 12 bytes), the text chunks, then that IEND.
    const iend = source.length - 12;
    expect(rendered.parts[0]!.equals(source.subarray(0, iend))).toBe(true);
    expect(rendered.parts.at(-1)!.equals(source.subarray(iend))).toBe(true);
    const joined = Buffer.concat(rendered.parts);
    expect(readPngText(joined)).toEqual(metadata);
    expect(await sharp(joined).metadata()).toMatchObject({ width: 40, height: 30, format: 'png' });
  });

  it('still refuses a PNG over the pixel limit by its header, before decoding it', async () => {
    await expect(
      renderImageParts(flatPng(3000, 2000), {
        width: 3000,
        height: 2000,
        format: 'png',
        maxInputPixels: 5_000_000,
      }),
    ).rejects.toThrow(ImageTooLargeError);
  });
});

describe('pngSize and pngTextParts', () => {
  it('reads width and height from IHDR, and nothing from what is not a PNG', async () => {
    expect(pngSize(flatPng(321, 123))).toEqual({ width: 321, height: 123 });
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer();
    expect(pngSize(jpeg)).toBeUndefined();
    expect(pngSize(flatPng(5, 5).subarray(0, 20))).toBeUndefined();
  });

  it('makes the PNG up to IEND, one chunk with a valid CRC per entry, then IEND', () => {
    const png = flatPng(64, 64);
    const [head, ...rest] = pngTextParts(png, metadata);
    const end = rest.pop()!;
    expect(head!.equals(png.subarray(0, png.length - 12))).toBe(true);
    expect(end.toString('latin1', 4, 8)).toBe('IEND');
    expect(rest.map((chunk) => chunk.toString('latin1', 4, 8))).toEqual(['tEXt', 'iTXt']);
    for (const chunk of rest) {
      const length = chunk.readUInt32BE(0);
      expect(chunk.length).toBe(12 + length);
      expect(chunk.readUInt32BE(8 + length)).toBe(crc32(chunk.subarray(4, 8 + length)));
    }
    expect(readPngText(Buffer.concat([head!, ...rest, end]))).toEqual(metadata);
  });
});

describe('writeAll', () => {
  it('writes the pieces in order into the file', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'write-all-'));
    folders.push(folder);
    const parts = [Buffer.from('head-'), Buffer.alloc(0), Buffer.alloc(300_000, 7), Buffer.from('-tail')];
    const handle = await open(path.join(folder, 'file'), 'w');
    try {
      await writeAll(handle, parts);
    } finally {
      await handle.close();
    }
    expect((await readFile(path.join(folder, 'file'))).equals(Buffer.concat(parts))).toBe(true);
  });

  it('after a short write, goes on from the first byte not written', () => {
    const parts = [Buffer.from('abc'), Buffer.from('defg'), Buffer.from('h')];
    const rest = (count: number) => Buffer.concat(withoutFirstBytes(parts, count)).toString();
    expect(rest(0)).toBe('abcdefgh');
    expect(rest(2)).toBe('cdefgh');
    expect(rest(3)).toBe('defgh');
    expect(rest(5)).toBe('fgh');
    expect(rest(8)).toBe('');
  });
});
