// One file: convertImage and convertImages, one converter, sharing the sandbox and the image writer at the top.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { convertedPath, convertImage } from '../../electron/images/convert.js';
import { convertImages } from '../../electron/images/convert-many.js';

let sandbox: string;
let recoveryDir: string;

beforeEach(async () => {
  sandbox = await mkdtemp(path.join(tmpdir(), 'convert-'));
  recoveryDir = path.join(sandbox, 'data', 'replaced');
});

afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

async function writeImage(
  file: string,
  width: number,
  height: number,
  format: 'png' | 'jpeg' | 'tiff' = 'png',
): Promise<number> {
  const gradient = Buffer.alloc(width * height * 3);
  for (let i = 0; i < gradient.length; i++) gradient[i] = (i * 7) % 256;
  const bytes = await sharp(gradient, { raw: { width, height, channels: 3 } })
    .toFormat(format)
    .toBuffer();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  return bytes.length;
}

describe('convertImage', () => {
  it('writes name.webp next to the original by default, keeps the original, and reports sizes', async () => {
    const source = path.join(sandbox, 'hero.png');
    const before = await writeImage(source, 120, 80);
    const result = await convertImage({ path: source, recoveryDir, allowedRoots: [sandbox] });

    expect(result).toMatchObject({
      path: source,
      outputPath: path.join(sandbox, 'hero.webp'),
      format: 'webp',
      bytesBefore: before,
      width: 120,
      height: 80,
      originalKept: true,
    });
    expect(result.bytesAfter).toBe((await stat(result.outputPath)).size);
    expect(await sharp(result.outputPath).metadata()).toMatchObject({
      format: 'webp',
      width: 120,
      height: 80,
    });
    expect((await readdir(sandbox)).sort()).toEqual(['hero.png', 'hero.webp']);
  });

  it('deletes the original only when keepOriginal is false', async () => {
    const source = path.join(sandbox, 'photo.jpg');
    await writeImage(source, 64, 64, 'jpeg');
    const result = await convertImage({
      path: source,
      keepOriginal: false,
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect(result.originalKept).toBe(false);
    expect(await readdir(sandbox)).toEqual(['photo.webp']);
  });

  it('keeps the original when the output cannot be written, even with keepOriginal false', async () => {
    const source = path.join(sandbox, 'a.png');
    await writeImage(source, 16, 16);
    await writeFile(path.join(sandbox, 'a.webp'), 'existing');
    await expect(
      convertImage({ path: source, keepOriginal: false, recoveryDir, allowedRoots: [sandbox] }),
    ).rejects.toThrow(/overwrite: true/);
    expect(await readFile(path.join(sandbox, 'a.webp'), 'utf8')).toBe('existing');
    expect((await readdir(sandbox)).sort()).toEqual(['a.png', 'a.webp']);
  });

  it('overwrites on request and keeps the replaced WebP recoverable', async () => {
    const source = path.join(sandbox, 'a.png');
    await writeImage(source, 16, 16);
    await writeFile(path.join(sandbox, 'a.webp'), 'existing');
    const result = await convertImage({
      path: source,
      overwrite: true,
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect(await readFile(result.replacedFileKeptAt!, 'utf8')).toBe('existing');
    expect((await sharp(result.outputPath).metadata()).format).toBe('webp');
  });

  it.each([
    ['webp', 'hero.webp', 'webp'],
    ['avif', 'hero.avif', 'heif'],
    ['jpeg', 'hero.jpg', 'jpeg'],
    ['png', 'hero.png', 'png'],
  ] as const)(
    'writes %s as %s: that format, the same size, and the bytes it reports',
    async (format, name, decoded) => {
      const source = path.join(sandbox, format === 'png' ? 'hero.tif' : 'hero.png');
      await writeImage(source, 300, 200, format === 'png' ? 'tiff' : 'png');
      const result = await convertImage({ path: source, format, recoveryDir, allowedRoots: [sandbox] });
      expect(result).toMatchObject({ outputPath: path.join(sandbox, name), format, width: 300, height: 200 });
      expect(result.bytesAfter).toBe((await stat(result.outputPath)).size);
      const metadata = await sharp(result.outputPath).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual([decoded, 300, 200]);
      if (format === 'avif') expect(metadata.compression).toBe('av1');
      // The file decodes to pixels (sharp's AVIF decoder), not just a header.
      const pixels = await sharp(result.outputPath).raw().toBuffer({ resolveWithObject: true });
      expect([pixels.info.width, pixels.info.height]).toEqual([300, 200]);
    },
  );

  it('honours quality, and keeps PNG lossless unless a quality asks for a palette', async () => {
    const source = path.join(sandbox, 'photo.tif');
    await writeImage(source, 256, 256, 'tiff');
    const sizeAt = async (format: 'webp' | 'avif' | 'jpeg', quality: number) => {
      const result = await convertImage({
        path: source,
        format,
        quality,
        overwrite: true,
        recoveryDir,
        allowedRoots: [sandbox],
      });
      return result.bytesAfter;
    };
    for (const format of ['webp', 'avif', 'jpeg'] as const) {
      expect(await sizeAt(format, 20), format).toBeLessThan(await sizeAt(format, 95));
    }
    const lossless = await convertImage({
      path: source,
      format: 'png',
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect(
      (await sharp(lossless.outputPath).raw().toBuffer()).equals(await sharp(source).raw().toBuffer()),
    ).toBe(true);
    expect((await sharp(lossless.outputPath).metadata()).isPalette).toBe(false);
    const palette = await convertImage({
      path: source,
      format: 'png',
      quality: 50,
      overwrite: true,
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect((await sharp(palette.outputPath).metadata()).isPalette).toBe(true);
  });

  it('keeps transparency in WebP, AVIF and PNG, and puts JPEG on white', async () => {
    const source = path.join(sandbox, 'logo.png');
    const pixels = Buffer.alloc(16 * 16 * 4); // fully transparent black
    await writeFile(
      source,
      await sharp(pixels, { raw: { width: 16, height: 16, channels: 4 } })
        .png()
        .toBuffer(),
    );
    for (const format of ['webp', 'avif'] as const) {
      const result = await convertImage({ path: source, format, recoveryDir, allowedRoots: [sandbox] });
      expect((await sharp(result.outputPath).stats()).isOpaque, format).toBe(false);
    }
    const jpeg = await convertImage({ path: source, format: 'jpeg', recoveryDir, allowedRoots: [sandbox] });
    const { channels } = await sharp(jpeg.outputPath).stats();
    expect(channels.map((channel) => Math.round(channel.mean))).toEqual([255, 255, 255]);
  });

  it('refuses bad inputs with messages that say what to do', async () => {
    const webp = path.join(sandbox, 'x.webp');
    await writeFile(webp, 'x');
    await expect(convertImage({ path: webp, recoveryDir, allowedRoots: [sandbox] })).rejects.toThrow(
      /already a WebP file; choose another format/,
    );
    const jpeg = path.join(sandbox, 'x.JPEG');
    await writeFile(jpeg, 'x');
    await expect(
      convertImage({ path: jpeg, format: 'jpeg', recoveryDir, allowedRoots: [sandbox] }),
    ).rejects.toThrow(/already a JPEG file/);
    await expect(
      convertImage({ path: path.join(sandbox, 'missing.png'), recoveryDir, allowedRoots: [sandbox] }),
    ).rejects.toThrow(/does not exist/);
    const junk = path.join(sandbox, 'junk.png');
    await writeFile(junk, 'not an image');
    await expect(convertImage({ path: junk, recoveryDir, allowedRoots: [sandbox] })).rejects.toThrow(
      /Cannot convert.*junk\.png/,
    );
  });

  it('keeps the original and removes the new file when afterWrite fails, even with keepOriginal false', async () => {
    const source = path.join(sandbox, 'a.png');
    await writeImage(source, 16, 16);
    await expect(
      convertImage({
        path: source,
        keepOriginal: false,
        recoveryDir,
        allowedRoots: [sandbox],
        afterWrite: () => Promise.reject(new Error('variants failed')),
      }),
    ).rejects.toThrow('variants failed');
    // The converted file goes too: a retry must not trip over it.
    expect(await readdir(sandbox)).toEqual(['a.png']);
  });

  it('hands afterWrite the original bytes and returns what it made', async () => {
    const source = path.join(sandbox, 'a.png');
    await writeImage(source, 16, 16);
    const original = await readFile(source);
    const result = await convertImage({
      path: source,
      format: 'avif',
      recoveryDir,
      allowedRoots: [sandbox],
      afterWrite: (written) =>
        Promise.resolve({ same: written.source.equals(original), out: written.outputPath }),
    });
    expect(result.extra).toEqual({ same: true, out: path.join(sandbox, 'a.avif') });
  });

  it('derives the output name from the format', () => {
    expect(convertedPath('/a/b/hero.final.PNG', 'webp')).toBe('/a/b/hero.final.webp');
    expect(convertedPath('/a/b/hero.png', 'jpeg')).toBe('/a/b/hero.jpg');
    expect(convertedPath('/a/b/hero.png', 'avif')).toBe('/a/b/hero.avif');
    expect(convertedPath('/a/noext', 'webp')).toBe('/a/noext.webp');
  });
});

describe('convertImages', () => {
  it('converts a folder recursively in parallel, skipping links and non-images; one failure does not stop the rest', async () => {
    const outside = path.join(sandbox, 'outside');
    await writeImage(path.join(outside, 'secret.png'), 8, 8);
    const folder = path.join(sandbox, 'images');
    for (let i = 0; i < 6; i++) await writeImage(path.join(folder, `img${i}.png`), 32 + i, 20);
    await writeImage(path.join(folder, 'nested', 'deep.jpg'), 10, 10, 'jpeg');
    await writeFile(path.join(folder, 'broken.png'), 'not an image');
    await writeFile(path.join(folder, 'notes.txt'), 'x');
    await symlink(path.join(outside, 'secret.png'), path.join(folder, 'link.png'));

    const outcomes = await convertImages({
      directory: folder,
      recursive: true,
      concurrency: 3,
      recoveryDir,
      allowedRoots: [sandbox],
    });

    expect(outcomes.map((o) => path.relative(folder, o.path))).toEqual([
      'broken.png',
      'img0.png',
      'img1.png',
      'img2.png',
      'img3.png',
      'img4.png',
      'img5.png',
      path.join('nested', 'deep.jpg'),
    ]);
    expect(outcomes.filter((o) => !o.ok).map((o) => path.basename(o.path))).toEqual(['broken.png']);
    for (const outcome of outcomes) {
      if (outcome.ok) expect((await sharp(outcome.result.outputPath).metadata()).format).toBe('webp');
    }
    await expect(stat(path.join(outside, 'secret.webp'))).rejects.toThrow();
  });

  it('stays in the top folder unless recursive, and takes explicit paths in order', async () => {
    const folder = path.join(sandbox, 'images');
    await writeImage(path.join(folder, 'top.png'), 8, 8);
    await writeImage(path.join(folder, 'sub', 'inner.png'), 8, 8);
    const flat = await convertImages({ directory: folder, recoveryDir, allowedRoots: [sandbox] });
    expect(flat.map((o) => path.basename(o.path))).toEqual(['top.png']);

    const listed = await convertImages({
      paths: [path.join(folder, 'sub', 'inner.png'), path.join(folder, 'missing.png')],
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect(listed.map((o) => o.ok)).toEqual([true, false]);
    expect(listed[1]).toMatchObject({
      ok: false,
      error: expect.objectContaining({
        message: expect.stringContaining('does not exist') as unknown,
      }) as unknown,
    });
  });

  it("skips a folder's files already in the target format", async () => {
    const folder = path.join(sandbox, 'images');
    await writeImage(path.join(folder, 'a.png'), 8, 8);
    await writeImage(path.join(folder, 'b.jpg'), 8, 8, 'jpeg');
    await writeImage(path.join(folder, 'c.jpeg'), 8, 8, 'jpeg');
    const toAvif = await convertImages({
      directory: folder,
      format: 'avif',
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect(toAvif.map((o) => path.basename(o.path))).toEqual(['a.png', 'b.jpg', 'c.jpeg']);
    expect(toAvif.every((o) => o.ok)).toBe(true);
    // a.avif, b.avif and c.avif now exist too: AVIF is not a folder conversion's source.
    const toJpeg = await convertImages({
      directory: folder,
      format: 'jpeg',
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect(toJpeg.map((o) => [path.basename(o.path), o.ok])).toEqual([['a.png', true]]);
  });

  it('requires exactly one of paths and directory', async () => {
    await expect(convertImages({ recoveryDir, allowedRoots: [sandbox] })).rejects.toThrow(
      /either paths .* or directory/,
    );
    await expect(
      convertImages({ paths: [], directory: sandbox, recoveryDir, allowedRoots: [sandbox] }),
    ).rejects.toThrow(/not both/);
  });
});
