import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileChangedError } from '../../electron/desktop-port.js';
import { judgeFile } from '../../electron/gallery/file-check.js';
import { openGallery, type Gallery, type NewGenerationRecord } from '../../electron/gallery/index.js';
import { moveCheckedFile } from '../../electron/gallery/trash.js';
import { fileIdentityOf } from '../../electron/images/file-identity.js';
import { silentLogger } from '../../electron/log.js';

let sandbox: string;
let project: string;
let outside: string;
let trash: string;
let gallery: Gallery;

beforeEach(async () => {
  sandbox = await realpath(await mkdtemp(path.join(tmpdir(), 'file-check-')));
  project = path.join(sandbox, 'project');
  outside = path.join(sandbox, 'outside');
  trash = path.join(sandbox, 'trash');
  for (const folder of [path.join(project, 'public'), outside, trash])
    await mkdir(folder, { recursive: true });
  gallery = await openGallery({ dataDir: path.join(sandbox, 'data'), logger: silentLogger });
});

afterEach(async () => {
  gallery.close();
  await rm(sandbox, { recursive: true, force: true });
});

const createdAt = '2026-03-01T00:00:00.000Z';

/** Writes `name` in the project and records it as the pipeline does (identity from the written file). */
async function made(name: string, content: string): Promise<NewGenerationRecord & { id: string }> {
  const file = path.join(project, 'public', name);
  await writeFile(file, content);
  const identity = fileIdentityOf(await stat(file, { bigint: true }));
  const record = {
    id: name.replace(/\W/gu, '-'),
    path: file,
    prompt: 'p',
    seed: 1,
    width: 1,
    height: 1,
    format: 'png' as const,
    bytes: identity.size,
    workflow: 'w',
    backend: 'b',
    createdAt: new Date().toISOString(),
    file: identity,
    allowedFolder: project,
  };
  gallery.add(record);
  return record;
}

const move = (from: string, to: string) => rename(from, to);

describe('judgeFile', () => {
  const legacy = {
    id: 'old',
    path: '/p/a.png',
    prompt: '',
    seed: 0,
    width: 1,
    height: 1,
    format: 'png' as const,
    bytes: 10,
    workflow: 'w',
    backend: 'b',
    createdAt,
  };
  const statsOf = (size: number, mtimeMs: number) =>
    ({
      isFile: () => true,
      isSymbolicLink: () => false,
      dev: 1n,
      ino: 2n,
      size: BigInt(size),
      mtimeMs: BigInt(mtimeMs),
    }) as unknown as BigIntStats;
  const at = (size: number, mtimeMs: number, realPath = '/p/a.png') =>
    ({ kind: 'file', stats: statsOf(size, mtimeMs), realPath }) as const;

  it('takes a record without identity by its size and a time no later than the record', () => {
    const time = Date.parse(createdAt);
    expect(judgeFile(legacy, at(10, time), [])).toEqual({ state: 'present' });
    expect(judgeFile(legacy, at(10, time + 1), [])).toMatchObject({ state: 'replaced' });
    expect(judgeFile(legacy, at(11, time - 1), [])).toMatchObject({ state: 'replaced' });
  });

  it('confines the real location to the recorded path or the allowed folders', () => {
    const time = Date.parse(createdAt);
    expect(judgeFile(legacy, at(10, time, '/elsewhere/a.png'), [])).toMatchObject({ state: 'replaced' });
    expect(judgeFile(legacy, at(10, time, '/allowed/x/a.png'), ['/allowed'])).toEqual({ state: 'present' });
    expect(
      judgeFile(legacy, { kind: 'file', stats: statsOf(10, time), realPath: undefined }, []),
    ).toMatchObject({
      state: 'replaced',
    });
    expect(judgeFile(legacy, { kind: 'link' }, [])).toMatchObject({ state: 'replaced' });
    expect(judgeFile(legacy, { kind: 'absent' }, [])).toMatchObject({ state: 'missing' });
  });

  it('compares device, inode, size and time when the record has an identity', () => {
    const withIdentity = { ...legacy, file: { dev: '1', ino: '2', size: 10, mtimeMs: 5 } };
    expect(judgeFile(withIdentity, at(10, 5), [])).toEqual({ state: 'present' });
    expect(judgeFile(withIdentity, at(10, 6), [])).toMatchObject({ state: 'replaced' });
    expect(
      judgeFile({ ...withIdentity, file: { ...withIdentity.file, ino: '3' } }, at(10, 5), []),
    ).toMatchObject({
      state: 'replaced',
    });
  });
});

describe('moving a checked file', () => {
  it('puts back a file swapped in between the last look and the rename, and moves nothing', async () => {
    const record = await made('hero.png', 'made by the bridge');
    const checked = await gallery.checkForMove(record.id);
    if (checked?.state !== 'present') throw new Error(`expected present, got ${JSON.stringify(checked)}`);
    const swapped = path.join(project, 'public', 'hero.png');
    let looks = 0;
    const racing = {
      ...checked.file,
      async holds(candidate: string) {
        const answer = await checked.file.holds(candidate);
        // Right after the look before the move, someone replaces the file at the name.
        if (looks++ === 0) {
          await rename(swapped, path.join(project, 'kept-aside.png'));
          await writeFile(swapped, 'someone else');
        }
        return answer;
      },
    };
    await expect(moveCheckedFile(racing, path.join(trash, 'hero.png'), move)).rejects.toBeInstanceOf(
      FileChangedError,
    );
    await checked.close();
    expect(await readFile(swapped, 'utf8')).toBe('someone else');
    expect(await readdir(trash)).toEqual([]);
    expect((await readdir(path.join(project, 'public'))).sort()).toEqual(['hero.png']);
  });

  it.runIf(process.platform === 'linux')(
    'moves the file from the folder it checked even when that folder is swapped for a link afterwards',
    async () => {
      const record = await made('icon.png', 'made by the bridge');
      await writeFile(path.join(outside, 'icon.png'), 'outside');
      const checked = await gallery.checkForMove(record.id);
      if (checked?.state !== 'present') throw new Error(`expected present, got ${JSON.stringify(checked)}`);
      await rename(path.join(project, 'public'), path.join(project, 'public-moved'));
      await symlink(outside, path.join(project, 'public'));

      await moveCheckedFile(checked.file, path.join(trash, 'icon.png'), move);
      await checked.close();
      expect(await readFile(path.join(outside, 'icon.png'), 'utf8')).toBe('outside');
      expect(await readFile(path.join(trash, 'icon.png'), 'utf8')).toBe('made by the bridge');
      expect(await readdir(path.join(project, 'public-moved'))).toEqual([]);
    },
  );

  it('gives the file its name back when the trash refuses it', async () => {
    const record = await made('logo.png', 'made by the bridge');
    const checked = await gallery.checkForMove(record.id);
    if (checked?.state !== 'present') throw new Error(`expected present, got ${JSON.stringify(checked)}`);
    const full = () => Promise.reject(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    await expect(moveCheckedFile(checked.file, path.join(trash, 'logo.png'), full)).rejects.toThrow(
      'no space',
    );
    await checked.close();
    expect(await readdir(path.join(project, 'public'))).toEqual(['logo.png']);
    expect(await readFile(record.path, 'utf8')).toBe('made by the bridge');
  });

  it('says a record whose file was edited in place is replaced', async () => {
    const record = await made('edited.png', 'made by the bridge');
    await writeFile(record.path, 'edited by hand!');
    expect(await gallery.fileStates([gallery.get(record.id)!])).toMatchObject([{ state: 'replaced' }]);
    expect(await gallery.checkForMove(record.id)).toMatchObject({ state: 'replaced' });
  });
});
