/**
 * The save folder opened while the image downloads (bridge/pipeline.ts): only an existing folder inside the
 * allowed folders is opened, nothing is made, and a write into that handle is the same atomic write, still
 * refused when the folder was moved away after it was opened.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openExistingFolder, writeFileAtomic } from '../../electron/images/atomic-write.js';

let base: string;
let root: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'open-ahead-'));
  root = path.join(base, 'project');
  await mkdir(path.join(root, 'public', 'images'), { recursive: true });
});
afterEach(() => rm(base, { recursive: true, force: true }));

const options = () => ({ allowedRoots: [root], recoveryDir: path.join(base, 'replaced') });

describe('openExistingFolder', () => {
  it('opens an existing folder, and writeFileAtomic writes through it in pieces', async () => {
    const target = path.join(root, 'public', 'images', 'hero.png');
    const folder = await openExistingFolder(target, [root]);
    expect(folder).toBeDefined();
    try {
      const written = await writeFileAtomic(
        target,
        [Buffer.from('one '), Buffer.from('two')],
        options(),
        folder,
      );
      expect(written).toMatchObject({ path: target, bytes: 7 });
    } finally {
      await folder!.close();
    }
    expect(await readFile(target, 'utf8')).toBe('one two');
  });

  it('makes nothing for a folder that does not exist yet, and opens nothing outside the allowed folders', async () => {
    expect(await openExistingFolder(path.join(root, 'new', 'deeper', 'a.png'), [root])).toBeUndefined();
    expect(await readdir(root)).toEqual(['public']);
    const outside = path.join(base, 'outside');
    await mkdir(outside);
    await symlink(outside, path.join(root, 'link'));
    expect(await openExistingFolder(path.join(root, 'link', 'a.png'), [root])).toBeUndefined();
    expect(await openExistingFolder(path.join(outside, 'a.png'), [root])).toBeUndefined();
  });

  it('refuses the write when the opened folder was moved and a link put in its place', async () => {
    const target = path.join(root, 'public', 'images', 'hero.png');
    const folder = await openExistingFolder(target, [root]);
    try {
      const elsewhere = path.join(base, 'elsewhere');
      await mkdir(elsewhere);
      await rename(path.join(root, 'public', 'images'), path.join(root, 'public', 'moved'));
      await symlink(elsewhere, path.join(root, 'public', 'images'));
      await expect(writeFileAtomic(target, Buffer.from('x'), options(), folder)).rejects.toMatchObject({
        reason: 'changed',
      });
      expect(await readdir(elsewhere)).toEqual([]);
      expect(await readdir(path.join(root, 'public', 'moved'))).toEqual([]);
    } finally {
      await folder!.close();
    }
  });
});
