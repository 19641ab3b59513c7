import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { convertManyToWebp, convertToWebp, defaultWebpPath } from '../../electron/images/convert.js';

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
  format: 'png' | 'jpeg' = 'png',
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

describe('convertToWebp', () => {
  it('writes name.webp next to the original, keeps the original by default, and reports sizes', async () => {
    const source = path.join(sandbox, 'hero.png');
    const before = await writeImage(source, 120, 80);
    const result = await convertToWebp({ path: source, recoveryDir, allowedRoots: [sandbox] });

    expect(result).toMatchObject({
      path: source,
      outputPath: path.join(sandbox, 'hero.webp'),
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
    const result = await convertToWebp({
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
      convertToWebp({ path: source, keepOriginal: false, recoveryDir, allowedRoots: [sandbox] }),
    ).rejects.toThrow(/overwrite: true/);
    expect(await readFile(path.join(sandbox, 'a.webp'), 'utf8')).toBe('existing');
    expect((await readdir(sandbox)).sort()).toEqual(['a.png', 'a.webp']);
  });

  it('overwrites on request and keeps the replaced WebP recoverable', async () => {
    const source = path.join(sandbox, 'a.png');
    await writeImage(source, 16, 16);
    await writeFile(path.join(sandbox, 'a.webp'), 'existing');
    const result = await convertToWebp({
      path: source,
      overwrite: true,
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect(await readFile(result.replacedFileKeptAt!, 'utf8')).toBe('existing');
    expect((await sharp(result.outputPath).metadata()).format).toBe('webp');
  });

  it('honours outputPath, maxWidth (never enlarging), lossless and quality', async () => {
    const source = path.join(sandbox, 'wide.png');
    await writeImage(source, 400, 100);
    const outputPath = path.join(sandbox, 'out', 'small.webp');
    const small = await convertToWebp({
      path: source,
      outputPath,
      maxWidth: 200,
      quality: 50,
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect([small.outputPath, small.width, small.height]).toEqual([outputPath, 200, 50]);
    const notEnlarged = await convertToWebp({
      path: source,
      outputPath: path.join(sandbox, 'big.webp'),
      maxWidth: 1000,
      lossless: true,
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect([notEnlarged.width, notEnlarged.height]).toEqual([400, 100]);
    const decoded = await sharp(notEnlarged.outputPath).raw().toBuffer();
    expect(decoded.equals(await sharp(source).raw().toBuffer())).toBe(true);
  });

  it('refuses bad outputs and inputs with messages that say what to do', async () => {
    const webp = path.join(sandbox, 'x.webp');
    await writeFile(webp, 'x');
    await expect(convertToWebp({ path: webp, recoveryDir, allowedRoots: [sandbox] })).rejects.toThrow(
      /already a WebP.*output_path/,
    );
    await expect(
      convertToWebp({ path: path.join(sandbox, 'missing.png'), recoveryDir, allowedRoots: [sandbox] }),
    ).rejects.toThrow(/does not exist/);
    const source = path.join(sandbox, 'a.png');
    await writeImage(source, 8, 8);
    await expect(
      convertToWebp({
        path: source,
        outputPath: path.join(sandbox, 'a.jpg'),
        recoveryDir,
        allowedRoots: [sandbox],
      }),
    ).rejects.toThrow(/must end in \.webp/);
    const junk = path.join(sandbox, 'junk.png');
    await writeFile(junk, 'not an image');
    await expect(convertToWebp({ path: junk, recoveryDir, allowedRoots: [sandbox] })).rejects.toThrow(
      /Cannot convert.*junk\.png/,
    );
  });

  it('derives the default output name', () => {
    expect(defaultWebpPath('/a/b/hero.final.PNG')).toBe('/a/b/hero.final.webp');
    expect(defaultWebpPath('/a/noext')).toBe('/a/noext.webp');
  });
});

describe('convertManyToWebp', () => {
  it('converts a folder recursively in parallel, skipping links and non-images; one failure does not stop the rest', async () => {
    const outside = path.join(sandbox, 'outside');
    await writeImage(path.join(outside, 'secret.png'), 8, 8);
    const folder = path.join(sandbox, 'images');
    for (let i = 0; i < 6; i++) await writeImage(path.join(folder, `img${i}.png`), 32 + i, 20);
    await writeImage(path.join(folder, 'nested', 'deep.jpg'), 10, 10, 'jpeg');
    await writeFile(path.join(folder, 'broken.png'), 'not an image');
    await writeFile(path.join(folder, 'notes.txt'), 'x');
    await symlink(path.join(outside, 'secret.png'), path.join(folder, 'link.png'));

    const outcomes = await convertManyToWebp({
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
    const flat = await convertManyToWebp({ directory: folder, recoveryDir, allowedRoots: [sandbox] });
    expect(flat.map((o) => path.basename(o.path))).toEqual(['top.png']);

    const listed = await convertManyToWebp({
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

  it('requires exactly one of paths and directory', async () => {
    await expect(convertManyToWebp({ recoveryDir, allowedRoots: [sandbox] })).rejects.toThrow(
      /either paths .* or directory/,
    );
    await expect(
      convertManyToWebp({ paths: [], directory: sandbox, recoveryDir, allowedRoots: [sandbox] }),
    ).rejects.toThrow(/not both/);
  });
});
