import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderHandle } from '../../electron/images/folder-handle.js';
import { PathPolicyError } from '../../electron/images/path-error.js';
import { createPathPolicy } from '../../electron/images/path-policy.js';

let sandbox: string;
let root: string;
let outside: string;

beforeEach(async () => {
  sandbox = await realpath(await mkdtemp(path.join(tmpdir(), 'folder-handle-')));
  root = path.join(sandbox, 'project');
  outside = path.join(sandbox, 'outside');
  await mkdir(path.join(root, 'sub'), { recursive: true });
  await mkdir(outside);
});

afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<PathPolicyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PathPolicyError);
  return error as PathPolicyError;
}

const procFd = process.platform === 'linux' && existsSync('/proc/self/fd');
const modes = [
  ['bound to a descriptor (/proc/self/fd)', true],
  ['portable (identity re-checked by path)', false],
] as const;

describe.each(modes)('FolderHandle, %s', (_label, bindToDescriptor) => {
  const open = (components: string[], create = false) =>
    FolderHandle.open(root, components, { create, bindToDescriptor });

  it.skipIf(bindToDescriptor && !procFd)('opens a folder and names its entries for fs calls', async () => {
    const folder = await open(['sub']);
    try {
      await writeFile(folder.child('a.txt'), 'a');
      expect(await readFile(path.join(root, 'sub', 'a.txt'), 'utf8')).toBe('a');
      expect(folder.shown('a.txt')).toBe(path.join(root, 'sub', 'a.txt'));
      expect((await folder.entries()).map((entry) => entry.name)).toEqual(['a.txt']);
      await folder.verify();
    } finally {
      await folder.close();
    }
  });

  it.skipIf(bindToDescriptor && !procFd)('refuses a symbolic link on the way with path changed', async () => {
    await symlink(outside, path.join(root, 'link'), 'dir');
    const error = await refusal(open(['link']));
    expect(error.reason).toBe('changed');
    expect(error.message).toContain(path.join(root, 'link'));
    expect(error.message).toContain('try again');
    const parent = await open([]);
    try {
      expect((await refusal(parent.descend('link'))).reason).toBe('changed');
      expect((await refusal(parent.descend('link', { create: true }))).reason).toBe('changed');
    } finally {
      await parent.close();
    }
  });

  it.skipIf(bindToDescriptor && !procFd)('creates missing folders on the way when asked', async () => {
    const folder = await open(['new', 'deeper'], true);
    await folder.close();
    expect(await readdir(path.join(root, 'new'))).toEqual(['deeper']);
    expect((await refusal(open(['absent']))).reason).toBe('changed');
  });

  it.skipIf(bindToDescriptor && !procFd)(
    'detects a folder swapped for a link after it was opened',
    async () => {
      const folder = await open(['sub']);
      try {
        await rename(path.join(root, 'sub'), path.join(root, 'sub.real'));
        await symlink(outside, path.join(root, 'sub'), 'dir');
        const error = await refusal(folder.verify());
        expect(error.reason).toBe('changed');
        expect((await refusal(folder.entries())).reason).toBe('changed');
        if (bindToDescriptor) {
          // Bound to the opened folder: a write lands in it, wherever it is now, never in the link's target.
          await writeFile(folder.child('b.txt'), 'b');
          expect(await readdir(path.join(root, 'sub.real'))).toEqual(['b.txt']);
          expect(await readdir(outside)).toEqual([]);
        }
      } finally {
        await folder.close();
      }
    },
  );

  it.skipIf(bindToDescriptor && !procFd)(
    'detects a folder on the way replaced by another real folder',
    async () => {
      await mkdir(path.join(root, 'sub', 'inner'));
      const folder = await open(['sub', 'inner']);
      try {
        await rename(path.join(root, 'sub'), path.join(root, 'old'));
        await mkdir(path.join(root, 'sub', 'inner'), { recursive: true });
        expect((await refusal(folder.verify())).reason).toBe('changed');
      } finally {
        await folder.close();
      }
    },
  );
});

describe('path policy openFolder', () => {
  it('follows a link that stays inside, reports the path as named, and refuses one that leads out', async () => {
    await symlink(path.join(root, 'sub'), path.join(root, 'alias'), 'dir');
    await symlink(outside, path.join(root, 'escape'), 'dir');
    const policy = createPathPolicy({ allowedRoots: [root] });
    const folder = await policy.openFolder(path.join(root, 'alias'), { create: false });
    try {
      expect(folder.shown('x.png')).toBe(path.join(root, 'alias', 'x.png'));
      await writeFile(folder.child('x.png'), 'x');
      expect(await readdir(path.join(root, 'sub'))).toEqual(['x.png']);
      await folder.verify();
      // Re-pointing the link the agent named is a change too, although the real folder did not move.
      await rm(path.join(root, 'alias'));
      await symlink(outside, path.join(root, 'alias'), 'dir');
      expect((await refusal(folder.verify())).reason).toBe('changed');
    } finally {
      await folder.close();
    }
    const escape = await refusal(policy.openFolder(path.join(root, 'escape', 'deeper'), { create: true }));
    expect(escape.reason).toBe('symlink');
    expect(await readdir(outside)).toEqual([]);
    const outsideFolder = await refusal(policy.openFolder(outside, { create: false }));
    expect(outsideFolder.reason).toBe('outside-allowed-folders');
  });
});
