import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Conf from 'conf';
import { afterAll, describe, expect, it } from 'vitest';
import { readStoredToken } from '../../electron/cli/stored-token.js';
import { settingsStoreOptions } from '../../electron/settings.js';
import { removeDirs } from '../core/harness.js';

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-stored-token-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => removeDirs(...dirs));

describe('readStoredToken (the stdio shim reads the token without loading conf)', () => {
  it('reads the token from the file conf writes for the settings', () => {
    const dir = dataDir();
    const store = new Conf<Record<string, unknown>>({ ...settingsStoreOptions, cwd: dir });
    store.set('mcpToken', 'stored-token-123');
    store.set('port', 8190);
    expect(readStoredToken(dir)).toBe('stored-token-123');
  });

  it('is undefined without a file, for a torn file, and for one without a token', () => {
    expect(readStoredToken(dataDir())).toBeUndefined();
    const torn = dataDir();
    writeFileSync(join(torn, 'settings.json'), '{"mcpToken": "abc"');
    expect(readStoredToken(torn)).toBeUndefined();
    const none = dataDir();
    writeFileSync(join(none, 'settings.json'), '{"mcpToken": 12, "port": 8190}');
    expect(readStoredToken(none)).toBeUndefined();
    const nullFile = dataDir();
    writeFileSync(join(nullFile, 'settings.json'), 'null');
    expect(readStoredToken(nullFile)).toBeUndefined();
  });
});
