import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes, measureDataUsage, stateNotSaved } from '../../electron/jobs/state-not-saved.js';

describe('state_not_saved', () => {
  const usage = {
    totalBytes: 3 * 1024 * 1024,
    entries: [
      { name: 'replaced', bytes: 2 * 1024 * 1024 },
      { name: 'batches', bytes: 1024 * 1024 },
      { name: 'logs', bytes: 0 },
    ],
    partial: false,
  };
  const base = { reason: 'x', folder: '/data/batches', dataDir: '/data', usage };

  it('says what to free for each cause, with the folder and how much the data folder uses', () => {
    const full = stateNotSaved({ ...base, code: 'ENOSPC' });
    expect(full.code).toBe('state_not_saved');
    expect(full.message).toBe(
      'New work is refused: the bridge cannot save its batches in "/data/batches": the disk holding it is full (ENOSPC). The bridge\'s data folder "/data" uses 3.0 MiB (replaced 2.0 MiB, batches 1.0 MiB).',
    );
    expect(full.hint).toMatch(/^Free space on the disk that holds "\/data\/batches"/);
    expect(full.details).toMatchObject({ errno: 'ENOSPC', data_bytes: usage.totalBytes });
    expect(stateNotSaved({ ...base, code: 'EDQUOT' }).message).toMatch(/quota .* is used up \(EDQUOT\)/);
    expect(stateNotSaved({ ...base, code: 'EROFS' }).hint).toMatch(/remount it read-write/);
    expect(stateNotSaved({ ...base, code: 'EACCES' }).hint).toMatch(/write permission on "\/data\/batches"/);
    expect(stateNotSaved({ ...base, code: 'EIO', reason: 'i/o error' }).message).toMatch(
      /writing failed \(EIO: i\/o error\)/,
    );
    expect(stateNotSaved({ ...base, code: 'ENOSPC', usage: { ...usage, partial: true } }).message).toMatch(
      /uses at least 3\.0 MiB/,
    );
  });

  it('measures the data folder per top-level entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'usage-'));
    mkdirSync(join(dir, 'batches'));
    writeFileSync(join(dir, 'batches', 'a.json'), Buffer.alloc(3000));
    writeFileSync(join(dir, 'batches', 'b.json'), Buffer.alloc(1000));
    writeFileSync(join(dir, 'gallery.jsonl'), Buffer.alloc(500));
    expect(await measureDataUsage(dir)).toEqual({
      totalBytes: 4500,
      entries: [
        { name: 'batches', bytes: 4000 },
        { name: 'gallery.jsonl', bytes: 500 },
      ],
      partial: false,
    });
    expect((await measureDataUsage(dir, 2)).partial).toBe(true);
    expect([formatBytes(900), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual([
      '900 bytes',
      '1.5 KiB',
      '5.0 GiB',
    ]);
  });
});
