import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchStore } from '../../electron/jobs/batch-store.js';
import type { BatchRecord } from '../../electron/jobs/types.js';
import { createLogger } from '../../electron/log.js';

const quiet = createLogger({ sink: () => undefined });

function batch(id: string, createdAt: string, state: 'pending' | 'completed' = 'pending'): BatchRecord {
  return {
    id,
    priority: 'batch',
    createdAt,
    jobs: [
      {
        id: `${id}-1`,
        index: 0,
        state,
        attempts: 0,
        updatedAt: createdAt,
        spec: {
          prompt: 'a fox',
          negativePrompt: '',
          width: 64,
          height: 64,
          seed: 1,
          format: 'png',
          workflow: 'test-pattern',
          savePath: '/tmp/fox.png',
          allowedRoots: ['/tmp'],
          overwrite: false,
        },
      },
    ],
  };
}

describe('BatchStore', () => {
  it('persists the latest state of every batch and loads them oldest first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batches-'));
    const store = new BatchStore(dir, quiet);
    const later = batch('b2', '2026-01-02T00:00:00.000Z');
    const first = batch('b1', '2026-01-01T00:00:00.000Z');
    const saves = [store.save(later), store.save(first)];
    first.jobs[0]!.state = 'completed';
    saves.push(store.save(first));
    await Promise.all(saves);
    await store.flush();

    const loaded = await new BatchStore(dir, quiet).loadAll();
    expect(loaded.map((b) => b.id)).toEqual(['b1', 'b2']);
    expect(loaded[0]!.jobs[0]!.state).toBe('completed');
    expect(readdirSync(join(dir, 'batches')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a save made while a write is in flight is still written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batches-'));
    const store = new BatchStore(dir, quiet);
    const record = batch('b1', '2026-01-01T00:00:00.000Z');
    const first = store.save(record);
    record.jobs[0]!.state = 'completed';
    await Promise.resolve();
    const second = store.save(record);
    await Promise.all([first, second]);
    const [loaded] = await new BatchStore(dir, quiet).loadAll();
    expect(loaded!.jobs[0]!.state).toBe('completed');
  });

  it('skips an unreadable file instead of failing to start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batches-'));
    const store = new BatchStore(dir, quiet);
    await store.save(batch('good', '2026-01-01T00:00:00.000Z'));
    writeFileSync(join(dir, 'batches', 'broken.json'), '{"id": "bro');
    expect((await new BatchStore(dir, quiet).loadAll()).map((b) => b.id)).toEqual(['good']);
  });
});
