import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderHandle } from '../../electron/images/folder-handle.js';
import { DownloadError, downloadFile, partialNameOf } from '../../electron/models/download-file.js';
import { cleanupsAfterEach, removeDirs } from '../core/harness.js';
import { modelName, startFileServer } from './support.js';

/* One file's download into an opened folder, against a real HTTP server on 127.0.0.1:0. */

const cleanups = cleanupsAfterEach();

async function setUp(bytes: Buffer) {
  const server = await startFileServer(bytes);
  cleanups.push(() => server.close());
  const dir = mkdtempSync(join(tmpdir(), 'download-file-'));
  cleanups.push(() => removeDirs(dir));
  const folder = await FolderHandle.open(await realpath(dir), [], { create: false });
  cleanups.push(() => folder.close());
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { server, dir, folder, sha256 };
}

describe('downloadFile', () => {
  it("continues a partial file an earlier run left, from its length, and checks the whole file's SHA-256", async () => {
    const bytes = randomBytes(200_000);
    const { server, dir, folder, sha256 } = await setUp(bytes);
    writeFileSync(join(dir, partialNameOf(modelName)), bytes.subarray(0, 70_000));

    const result = await downloadFile({ folder, name: modelName, url: server.url, expected: { sha256 } });
    expect(result).toEqual({ bytes: bytes.length, sha256 });
    expect(server.ranges).toEqual(['bytes=70000-']);
    expect(readFileSync(join(dir, modelName)).equals(bytes)).toBe(true);
    expect(readdirSync(dir)).toEqual([modelName]);
  });

  it('removes a stale partial whose bytes do not match, so the next try starts clean', async () => {
    const bytes = randomBytes(50_000);
    const { server, dir, folder, sha256 } = await setUp(bytes);
    writeFileSync(join(dir, partialNameOf(modelName)), randomBytes(10_000));

    const failure = await downloadFile({
      folder,
      name: modelName,
      url: server.url,
      expected: { sha256 },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DownloadError);
    expect(failure).toMatchObject({ code: 'checksum_mismatch' });
    expect(readdirSync(dir)).toEqual([]);

    await downloadFile({ folder, name: modelName, url: server.url, expected: { sha256 } });
    expect(readFileSync(join(dir, modelName)).equals(bytes)).toBe(true);
  });

  it('never writes through a link planted at the partial name, and never replaces an existing model', async () => {
    const bytes = randomBytes(1000);
    const { server, dir, folder, sha256 } = await setUp(bytes);
    const outside = join(mkdtempSync(join(tmpdir(), 'outside-')), 'victim');
    cleanups.push(() => removeDirs(join(outside, '..')));
    writeFileSync(outside, 'keep me');
    symlinkSync(outside, join(dir, partialNameOf(modelName)));
    await expect(
      downloadFile({ folder, name: modelName, url: server.url, expected: { sha256 } }),
    ).rejects.toMatchObject({ code: 'ELOOP' });
    expect(readFileSync(outside, 'utf8')).toBe('keep me');
    expect(existsSync(join(dir, modelName))).toBe(false);

    writeFileSync(join(dir, 'other.safetensors'), 'mine');
    await expect(
      downloadFile({ folder, name: 'other.safetensors', url: server.url, expected: { sha256 } }),
    ).rejects.toMatchObject({ code: 'exists' });
    expect(readFileSync(join(dir, 'other.safetensors'), 'utf8')).toBe('mine');
    expect(server.ranges).toEqual([]);
  });
});
