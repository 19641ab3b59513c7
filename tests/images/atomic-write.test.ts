import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtomicWriteError, tempName, writeFileAtomic } from '../../electron/images/atomic-write.js';
import { fileIdentityOf, sameFileIdentity } from '../../electron/images/file-identity.js';
import { tmpfsSkipNote, tryMountTmpfs, unmount } from './tmpfs.js';

let sandbox: string;
let recoveryDir: string;
const mounts: string[] = [];

beforeEach(async () => {
  sandbox = await mkdtemp(path.join(tmpdir(), 'atomic-write-'));
  recoveryDir = path.join(sandbox, 'data', 'replaced');
});

afterEach(async () => {
  for (const mount of mounts.splice(0)) unmount(mount);
  await rm(sandbox, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<AtomicWriteError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AtomicWriteError);
  return error as AtomicWriteError;
}

describe('writeFileAtomic', () => {
  it('writes the bytes, creating missing folders, and leaves no temp file behind', async () => {
    const target = path.join(sandbox, 'a', 'b', 'hero.png');
    const result = await writeFileAtomic(target, Buffer.from('image bytes'), {
      recoveryDir,
      allowedRoots: [sandbox],
    });
    expect(result).toEqual({
      path: target,
      bytes: 11,
      identity: fileIdentityOf(await stat(target, { bigint: true })),
    });
    expect(await readFile(target, 'utf8')).toBe('image bytes');
    expect(await readdir(path.dirname(target))).toEqual(['hero.png']);
  });

  it('reports the identity of the file at the target, also when it replaced one', async () => {
    const target = path.join(sandbox, 'hero.png');
    const first = await writeFileAtomic(target, Buffer.from('one'), { recoveryDir, allowedRoots: [sandbox] });
    const second = await writeFileAtomic(target, Buffer.from('version two'), {
      recoveryDir,
      allowedRoots: [sandbox],
      overwrite: true,
    });
    const now = fileIdentityOf(await stat(target, { bigint: true }));
    expect(second.identity).toEqual(now);
    expect(sameFileIdentity(first.identity, now)).toBe(false);
  });

  it('leaves an existing file untouched without overwrite and says how to proceed', async () => {
    const target = path.join(sandbox, 'hero.png');
    await writeFile(target, 'original');
    const error = await failure(
      writeFileAtomic(target, Buffer.from('new'), { recoveryDir, allowedRoots: [sandbox] }),
    );
    expect(error.reason).toBe('exists');
    expect(error.message).toContain(target);
    expect(error.message).toContain('overwrite: true');
    expect(await readFile(target, 'utf8')).toBe('original');
    expect(await readdir(sandbox)).toEqual(['hero.png']);
  });

  it('lets exactly one of many racing writers create the file', async () => {
    const target = path.join(sandbox, 'race.png');
    const writers = Array.from({ length: 12 }, (_, i) =>
      writeFileAtomic(target, Buffer.from(`writer ${i}`), { recoveryDir, allowedRoots: [sandbox] }).then(
        () => i,
        (e: unknown) => e,
      ),
    );
    const outcomes = await Promise.all(writers);
    const winners = outcomes.filter((o): o is number => typeof o === 'number');
    expect(winners).toHaveLength(1);
    for (const loser of outcomes.filter((o) => typeof o !== 'number')) {
      expect((loser as AtomicWriteError).reason).toBe('exists');
    }
    expect(await readFile(target, 'utf8')).toBe(`writer ${winners[0]}`);
    expect(await readdir(sandbox)).toEqual(['race.png']);
  });

  it('replaces with overwrite and keeps the previous file under replaced/<timestamp>/<name>', async () => {
    const target = path.join(sandbox, 'hero.png');
    await writeFile(target, 'version 1');
    const now = () => new Date('2025-01-02T03:04:05.678Z');
    const first = await writeFileAtomic(target, Buffer.from('version 2'), {
      recoveryDir,
      allowedRoots: [sandbox],
      overwrite: true,
      now,
    });
    const second = await writeFileAtomic(target, Buffer.from('version 3'), {
      recoveryDir,
      allowedRoots: [sandbox],
      overwrite: true,
      now,
    });

    expect(first.replacedFileKeptAt).toBe(path.join(recoveryDir, '2025-01-02T03-04-05-678Z', 'hero.png'));
    expect(second.replacedFileKeptAt).toBe(path.join(recoveryDir, '2025-01-02T03-04-05-678Z-2', 'hero.png'));
    expect(await readFile(first.replacedFileKeptAt!, 'utf8')).toBe('version 1');
    expect(await readFile(second.replacedFileKeptAt!, 'utf8')).toBe('version 2');
    expect(await readFile(target, 'utf8')).toBe('version 3');
  });

  it('reports nothing replaced when overwrite is set but there was no file', async () => {
    const target = path.join(sandbox, 'fresh.png');
    const result = await writeFileAtomic(target, Buffer.from('x'), {
      recoveryDir,
      allowedRoots: [sandbox],
      overwrite: true,
    });
    expect(result.replacedFileKeptAt).toBeUndefined();
  });

  it('keeps temp names hidden and within the 255-byte name limit', () => {
    const name = tempName('é'.repeat(125) + '.png');
    expect(name.startsWith('.')).toBe(true);
    expect(name.endsWith('.tmp')).toBe(true);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
  });

  it('explains a full disk and removes its temp file (real ENOSPC on a 64 KB tmpfs)', async (context) => {
    const disk = path.join(sandbox, 'tiny');
    await mkdir(disk);
    if (!tryMountTmpfs(disk, { sizeKb: 64 })) {
      console.warn(`SKIPPED ENOSPC test: ${tmpfsSkipNote}`);
      context.skip(tmpfsSkipNote);
    }
    mounts.push(disk);
    const target = path.join(disk, 'big.png');
    await writeFile(target, 'small original');

    const error = await failure(
      writeFileAtomic(target, Buffer.alloc(512 * 1024, 1), {
        recoveryDir,
        allowedRoots: [sandbox],
        overwrite: true,
      }),
    );
    expect(error.reason).toBe('disk-full');
    expect(error.message).toContain('full');
    expect(error.message).toContain('Free some space');
    expect(await readdir(disk)).toEqual(['big.png']);
    expect(await readFile(target, 'utf8')).toBe('small original');
  });

  it('explains a read-only folder (real EROFS on a read-only tmpfs)', async (context) => {
    const disk = path.join(sandbox, 'readonly');
    await mkdir(disk);
    if (!tryMountTmpfs(disk, { sizeKb: 64, readOnly: true })) {
      console.warn(`SKIPPED EROFS test: ${tmpfsSkipNote}`);
      context.skip(tmpfsSkipNote);
    }
    mounts.push(disk);
    for (const target of [path.join(disk, 'x.png'), path.join(disk, 'sub', 'x.png')]) {
      const error = await failure(
        writeFileAtomic(target, Buffer.from('x'), { recoveryDir, allowedRoots: [sandbox] }),
      );
      expect(error.reason).toBe('not-writable');
      expect(error.message).toContain('not writable');
    }
    expect(await readdir(disk)).toEqual([]);
  });
});
