import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../electron/images/atomic-write.js';
import { convertImage } from '../../electron/images/convert.js';
import { convertImages } from '../../electron/images/convert-many.js';
import { createPathPolicy } from '../../electron/images/path-policy.js';
import { snapshotTree } from '../reliability/fixtures.js';
import {
  raceWhileSwapping,
  startFolderSwapper,
  tempFilesBelow,
  type FolderSwapper,
} from './folder-swapper.js';

/*
 * A folder inside the project is swapped for a link to an outside folder and back, by a worker thread, while the
 * bridge's file operations run, each after the path check its MCP tool does first. Whatever the timing, nothing
 * outside may change, no temp file may be left anywhere, and a path reported as written must hold the file.
 * Each test runs `minRounds` operations or more (see race), at most `roundLimit` and `budgetMs`.
 */

const minRounds = 40;
const roundLimit = minRounds * 5;
const budgetMs = 10_000;

let sandbox: string;
let project: string;
let sub: string;
let outside: string;
let recoveryDir: string;
let swapper: FolderSwapper | undefined;
const allowedRoots = () => [project];
const anchors = () => ({ defaultDir: project });

beforeEach(async () => {
  sandbox = await realpath(await mkdtemp(path.join(tmpdir(), 'file-races-')));
  project = path.join(sandbox, 'project');
  sub = path.join(project, 'sub');
  outside = path.join(sandbox, 'outside');
  recoveryDir = path.join(sandbox, 'data', 'replaced');
  await mkdir(sub, { recursive: true });
  await mkdir(outside);
});

afterEach(async () => {
  await swapper?.stop();
  swapper = undefined;
  await rm(sandbox, { recursive: true, force: true });
});

async function png(seed: number, size = 192): Promise<Buffer> {
  const pixels = Buffer.alloc(size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 13 + seed * 101) % 256;
  return await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

/** Plants `<outside>/<name>` for every name an operation might be redirected to, and snapshots the folder. */
async function plantVictims(names: readonly string[]): Promise<Map<string, string>> {
  const victim = await png(999, 16);
  for (const name of names) await writeFile(path.join(outside, name), victim);
  return snapshotTree(outside);
}

function swap(): FolderSwapper {
  // Random holds, so that calls meet every phase of a swap and some finish between swaps.
  swapper = startFolderSwapper({
    folder: sub,
    linkTarget: outside,
    maxMs: budgetMs + 30_000,
    holdRealMs: 4,
    holdLinkMs: 1,
  });
  return swapper;
}

/** Runs `round(i)` while the attacker swaps (see raceWhileSwapping); the error codes seen, for the record. */
async function race(round: (i: number) => Promise<void>): Promise<{ rounds: number; errors: string[] }> {
  const errors: string[] = [];
  const { rounds } = await raceWhileSwapping(
    swapper!,
    (i) =>
      round(i).catch((error: unknown) => {
        errors.push((error as { reason?: string }).reason ?? (error as Error).message);
      }),
    { minRounds, roundLimit, budgetMs },
  );
  return { rounds, errors };
}

/** Where the attacker may have moved a folder the bridge made while `sub` was missing (see folder-swapper.ts). */
function gapFolders(): string[] {
  return readdirSync(project).filter((name) => name.startsWith('.made-in-gap-'));
}

async function expectWrittenAt(reported: string, bytes: Buffer): Promise<void> {
  const candidates = [
    reported,
    ...gapFolders().map((gap) => path.join(project, gap, path.basename(reported))),
  ];
  const holders = candidates.filter((candidate) => existsSync(candidate));
  expect(holders.length, `${reported} was reported written`).toBeGreaterThan(0);
  expect((await readFile(holders[0]!)).equals(bytes)).toBe(true);
}

describe('file operations while a folder is swapped for a link to outside', () => {
  it('generate_image path: check, then write; nothing outside, no temp file, reported paths real', async () => {
    const names = Array.from({ length: roundLimit }, (_, i) => `img-${i}.png`);
    const before = await plantVictims(names);
    const policy = createPathPolicy({ allowedRoots: allowedRoots() });
    const written: { path: string; bytes: Buffer }[] = [];
    const attacker = swap();
    const outcome = await race(async (i) => {
      const bytes = await png(i, 64);
      const checked = await policy.resolveSavePath(`sub/${names[i]!}`, anchors());
      const result = await writeFileAtomic(checked, bytes, { allowedRoots: allowedRoots(), recoveryDir });
      written.push({ path: result.path, bytes });
    });
    const { flips } = await attacker.stop();
    swapper = undefined;
    console.info(
      `write race: ${outcome.rounds} rounds, ${flips} swaps, ${written.length} written, refused: ${outcome.errors.join(', ')}`,
    );
    expect(flips).toBeGreaterThan(0);
    expect(snapshotTree(outside)).toEqual(before);
    expect(tempFilesBelow(sandbox)).toEqual([]);
    for (const { path: reported, bytes } of written) await expectWrittenAt(reported, bytes);
  });

  it('generate_image overwrite: replaces only the checked file and keeps a copy of that one', async () => {
    const names = Array.from({ length: roundLimit }, (_, i) => `hero-${i}.png`);
    const before = await plantVictims(names);
    const policy = createPathPolicy({ allowedRoots: allowedRoots() });
    const attacker = swap();
    const kept: string[] = [];
    const outcome = await race(async (i) => {
      await attacker.pause();
      const original = await png(1_000 + i, 32);
      await writeFile(path.join(sub, names[i]!), original);
      attacker.resume();
      const checked = await policy.resolveSavePath(`sub/${names[i]!}`, anchors());
      const result = await writeFileAtomic(checked, await png(i, 64), {
        allowedRoots: allowedRoots(),
        recoveryDir,
        overwrite: true,
      });
      if (result.replacedFileKeptAt) {
        kept.push(result.replacedFileKeptAt);
        expect((await readFile(result.replacedFileKeptAt)).equals(original)).toBe(true);
      }
    });
    await attacker.stop();
    swapper = undefined;
    console.info(`overwrite race: ${outcome.rounds} rounds, refused: ${outcome.errors.join(', ')}`);
    expect(snapshotTree(outside)).toEqual(before);
    expect(tempFilesBelow(sandbox)).toEqual([]);
  });

  it('convert_image keep_original:false: deletes only the file it read', async () => {
    const names = Array.from({ length: roundLimit }, (_, i) => `src-${i}.png`);
    const before = await plantVictims([...names, ...names.map((name) => name.replace('.png', '.webp'))]);
    const policy = createPathPolicy({ allowedRoots: allowedRoots() });
    const attacker = swap();
    const outcome = await race(async (i) => {
      await attacker.pause();
      await writeFile(path.join(sub, names[i]!), await png(i));
      attacker.resume();
      const source = await policy.checkReadablePath(`sub/${names[i]!}`, anchors());
      await policy.resolveSavePath(`sub/${names[i]!.replace('.png', '.webp')}`, anchors());
      await convertImage({ path: source, keepOriginal: false, recoveryDir, allowedRoots: allowedRoots() });
    });
    await attacker.stop();
    swapper = undefined;
    console.info(`convert race: ${outcome.rounds} rounds, refused: ${outcome.errors.join(', ')}`);
    expect(snapshotTree(outside)).toEqual(before);
    expect(tempFilesBelow(sandbox)).toEqual([]);
  });

  it('convert_image {directory:".", recursive, keep_original:false}: outside untouched', async () => {
    const perRound = 3;
    const names = Array.from({ length: roundLimit * perRound }, (_, i) => `b-${i}.png`);
    const before = await plantVictims([...names, ...names.map((name) => name.replace('.png', '.webp'))]);
    const policy = createPathPolicy({ allowedRoots: allowedRoots() });
    const attacker = swap();
    const failures: string[] = [];
    const outcome = await race(async (i) => {
      await attacker.pause();
      for (const name of names.slice(i * perRound, (i + 1) * perRound)) {
        await writeFile(path.join(sub, name), await png(i, 96));
      }
      attacker.resume();
      const directory = await policy.checkReadablePath('.', anchors());
      const results = await convertImages({
        directory,
        recursive: true,
        keepOriginal: false,
        recoveryDir,
        allowedRoots: allowedRoots(),
      });
      for (const item of results) if (!item.ok) failures.push(item.error.message.slice(0, 60));
    });
    await attacker.stop();
    swapper = undefined;
    console.info(
      `batch race: ${outcome.rounds} rounds, ${failures.length} items failed, ${outcome.errors.length} calls`,
    );
    expect(snapshotTree(outside)).toEqual(before);
    expect(tempFilesBelow(sandbox)).toEqual([]);
  });
});
