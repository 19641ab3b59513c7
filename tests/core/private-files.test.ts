import { chmodSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makePrivateDataDir } from '../../electron/private-files.js';
import { removeDirs } from './harness.js';

const dirs: string[] = [];
afterAll(() => removeDirs(...dirs));
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe.skipIf(process.platform === 'win32')('makePrivateDataDir', () => {
  it('creates missing folders 0700 and tightens what is there, but never follows a link out', () => {
    const base = mkdtempSync(join(tmpdir(), 'bridge-private-'));
    dirs.push(base);
    const outside = join(base, 'outside.txt');
    writeFileSync(outside, 'not ours to change');
    chmodSync(outside, 0o644);
    const dataDir = join(base, 'a', 'data');
    makePrivateDataDir(dataDir);
    expect([modeOf(join(base, 'a')), modeOf(dataDir)]).toEqual(['700', '700']);

    mkdirSync(join(dataDir, 'logs'));
    writeFileSync(join(dataDir, 'logs', 'bridge.log'), '');
    writeFileSync(join(dataDir, 'gallery.jsonl'), '');
    chmodSync(join(dataDir, 'logs'), 0o755);
    chmodSync(join(dataDir, 'logs', 'bridge.log'), 0o644);
    chmodSync(join(dataDir, 'gallery.jsonl'), 0o664);
    chmodSync(dataDir, 0o755);
    symlinkSync(outside, join(dataDir, 'settings.json'));
    makePrivateDataDir(dataDir);
    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(join(dataDir, 'logs'))).toBe('700');
    expect(modeOf(join(dataDir, 'logs', 'bridge.log'))).toBe('600');
    expect(modeOf(join(dataDir, 'gallery.jsonl'))).toBe('600');
    expect(modeOf(outside)).toBe('644');
  });
});
