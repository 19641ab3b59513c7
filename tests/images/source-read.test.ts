import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPathPolicy } from '../../electron/images/path-policy.js';
import { readSourceImage, type SourceReadOptions } from '../../electron/images/source-read.js';
import { raceWhileSwapping, startFolderSwapper, type FolderSwapper } from './folder-swapper.js';

let sandbox: string;
let project: string;
let outside: string;
let swapper: FolderSwapper | undefined;

beforeEach(async () => {
  sandbox = await realpath(await mkdtemp(path.join(tmpdir(), 'source-read-')));
  project = path.join(sandbox, 'project');
  outside = path.join(sandbox, 'outside');
  await mkdir(path.join(project, 'sub'), { recursive: true });
  await mkdir(outside);
});

afterEach(async () => {
  await swapper?.stop();
  swapper = undefined;
  await rm(sandbox, { recursive: true, force: true });
});

const options = (overrides: Partial<SourceReadOptions> = {}): SourceReadOptions => ({
  policy: createPathPolicy({ allowedRoots: [project] }),
  anchors: { baseDir: project },
  maxBytes: 1_000_000,
  maxPixels: 1_000_000,
  role: 'source image',
  ...overrides,
});

const image = (width: number, height: number, channels: 3 | 4, seed = 0) => {
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + seed * 31) % 256;
  return sharp(raw, { raw: { width, height, channels } });
};

describe('readSourceImage', () => {
  it('reads a PNG with alpha and a JPEG inside the allowed folder, by relative and absolute path', async () => {
    const png = await image(20, 10, 4).png().toBuffer();
    const jpeg = await image(8, 6, 3).jpeg().toBuffer();
    await writeFile(path.join(project, 'sub', 'logo.png'), png);
    await writeFile(path.join(project, 'photo.jpg'), jpeg);
    const read = await readSourceImage('sub/logo.png', options());
    expect(read).toMatchObject({
      path: path.join(project, 'sub', 'logo.png'),
      format: 'png',
      width: 20,
      height: 10,
    });
    expect(read.hasAlpha).toBe(true);
    expect(read.bytes.equals(png)).toBe(true);
    const photo = await readSourceImage(path.join(project, 'photo.jpg'), options({ role: 'mask' }));
    expect(photo).toMatchObject({ format: 'jpeg', width: 8, height: 6, hasAlpha: false });
  });

  it('refuses traversal, an outside path, and links leading out (file and folder)', async () => {
    const secret = await image(4, 4, 3, 9).png().toBuffer();
    await writeFile(path.join(outside, 'secret.png'), secret);
    await symlink(path.join(outside, 'secret.png'), path.join(project, 'link.png'));
    await symlink(outside, path.join(project, 'linked-folder'));
    await expect(readSourceImage('../outside/secret.png', options())).rejects.toMatchObject({
      code: 'path_outside_allowed_folders',
    });
    await expect(readSourceImage(path.join(outside, 'secret.png'), options())).rejects.toMatchObject({
      code: 'path_outside_allowed_folders',
    });
    await expect(readSourceImage('/etc/passwd', options())).rejects.toMatchObject({
      code: 'path_outside_allowed_folders',
    });
    await expect(readSourceImage('link.png', options())).rejects.toMatchObject({ code: 'path_symlink' });
    await expect(readSourceImage('linked-folder/secret.png', options())).rejects.toMatchObject({
      code: 'path_symlink',
    });
  });

  it('refuses a link to a file inside too: only the file itself is read', async () => {
    await writeFile(path.join(project, 'real.png'), await image(4, 4, 3).png().toBuffer());
    await symlink(path.join(project, 'real.png'), path.join(project, 'alias.png'));
    await expect(readSourceImage('alias.png', options())).rejects.toMatchObject({ code: 'path_symlink' });
  });

  it('says what is wrong with a missing file, a folder, a non-image, a truncated image and a GIF', async () => {
    await writeFile(path.join(project, 'notes.png'), 'not an image at all');
    const png = await image(64, 64, 3).png().toBuffer();
    await writeFile(path.join(project, 'cut.png'), png.subarray(0, png.length >> 1));
    await writeFile(path.join(project, 'anim.gif'), await image(4, 4, 3).gif().toBuffer());
    const code = (p: string) => readSourceImage(p, options()).catch((error: { code: string }) => error.code);
    expect(await code('absent.png')).toBe('path_not_found');
    expect(await code('sub')).toBe('path_is_directory');
    expect(await code('notes.png')).toBe('source_not_an_image');
    expect(await code('cut.png')).toBe('source_not_an_image');
    expect(await code('anim.gif')).toBe('source_not_an_image');
    // Read again at an edit's dispatch, checked by hash against bytes decoded whole before: the header suffices.
    const headerOnly = await readSourceImage('cut.png', { ...options(), decodeWhole: false });
    expect([headerOnly.width, headerOnly.height, headerOnly.bytes.length]).toEqual([64, 64, png.length >> 1]);
    const error = await readSourceImage('notes.png', options()).catch((e: Error & { hint?: string }) => e);
    expect(error).toMatchObject({
      message: expect.stringContaining('notes.png') as string,
      hint: expect.stringContaining('PNG') as string,
    });
  });

  it('refuses a file over the byte limit before reading, and an image over the pixel limit before decoding', async () => {
    const png = await image(100, 100, 3).png().toBuffer();
    await writeFile(path.join(project, 'big.png'), png);
    await expect(readSourceImage('big.png', options({ maxBytes: png.length - 1 }))).rejects.toMatchObject({
      code: 'source_too_large',
      hint: expect.stringContaining('maxSourceMegabytes') as string,
    });
    expect((await readSourceImage('big.png', options({ maxBytes: png.length }))).width).toBe(100);
    await expect(readSourceImage('big.png', options({ maxPixels: 9_999 }))).rejects.toMatchObject({
      code: 'image_too_large',
    });
  });

  it('while a folder is swapped for a link to outside, reads only the file inside or refuses', async () => {
    const inside = await image(16, 16, 3, 1).png().toBuffer();
    const secret = await image(16, 16, 3, 2).png().toBuffer();
    await writeFile(path.join(project, 'sub', 'source.png'), inside);
    await writeFile(path.join(outside, 'source.png'), secret);
    swapper = startFolderSwapper({
      folder: path.join(project, 'sub'),
      linkTarget: outside,
      maxMs: 40_000,
      holdRealMs: 4,
      holdLinkMs: 1,
    });
    const outcomes: string[] = [];
    await raceWhileSwapping(
      swapper,
      async () => {
        const read = await readSourceImage('sub/source.png', options()).catch(
          (error: Error & { code?: string }) => `${error.code ?? error.name}: ${error.message}`,
        );
        if (typeof read === 'string') outcomes.push(read);
        else {
          // Never the outside file: the bytes read are those of the file inside.
          expect(read.bytes.equals(inside), 'read the outside file').toBe(true);
          outcomes.push('read');
        }
      },
      { minRounds: 60, roundLimit: 300, budgetMs: 10_000 },
    );
    const { flips } = await swapper.stop();
    swapper = undefined;
    const codes = outcomes.map((outcome) => outcome.split(':')[0]!);
    console.info(`source-read race: ${flips} swaps, outcomes ${JSON.stringify(count(codes))}`);
    expect(flips).toBeGreaterThan(0);
    const refusals = ['read', 'path_symlink', 'path_changed', 'path_not_found'];
    expect(outcomes.filter((outcome, i) => !refusals.includes(codes[i]!))).toEqual([]);
  });
});

function count(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
