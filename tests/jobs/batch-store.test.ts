import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../electron/errors.js';
import { BatchStore } from '../../electron/jobs/batch-store.js';
import type { BatchRecord } from '../../electron/jobs/types.js';
import { createLogger } from '../../electron/log.js';
import { until } from '../core/harness.js';

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

  it('create resolves once the new batch is on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batches-'));
    const store = new BatchStore(dir, quiet);
    await store.create(batch('b1', '2026-01-01T00:00:00.000Z'));
    const onDisk = JSON.parse(readFileSync(join(dir, 'batches', 'b1.json'), 'utf8')) as BatchRecord;
    expect(onDisk.jobs.map((job) => job.id)).toEqual(['b1-1']);
  });

  it('makes the batches folder again when it was removed while running, for a new batch and a save', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batches-'));
    const store = new BatchStore(dir, quiet);
    await store.create(batch('b1', '2026-01-01T00:00:00.000Z'));
    rmSync(join(dir, 'batches'), { recursive: true });
    await store.create(batch('b2', '2026-01-02T00:00:00.000Z'));
    expect(readdirSync(join(dir, 'batches'))).toEqual(['b2.json']);
    rmSync(join(dir, 'batches'), { recursive: true });
    await store.save(batch('b3', '2026-01-03T00:00:00.000Z'));
    expect(readdirSync(join(dir, 'batches'))).toEqual(['b3.json']);
  });

  /** A real failing writer: a folder where the batch's temp file must go makes every write of it fail (EISDIR). */
  function blockWrites(file: string): () => void {
    const blocker = `${file}.${process.pid}.tmp`;
    mkdirSync(blocker, { recursive: true });
    return () => rmSync(blocker, { recursive: true });
  }
  const stateOnDisk = (file: string) =>
    (JSON.parse(readFileSync(file, 'utf8')) as BatchRecord).jobs[0]!.state;

  it('keeps a state whose write failed, warns, and writes it by a later try', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batches-'));
    const warnings: string[] = [];
    const logger = createLogger({ level: 'warn', sink: (line) => warnings.push(line) });
    const store = new BatchStore(dir, logger, { retryFirstMs: 20, retryMaxMs: 100 });
    const record = batch('b1', '2026-01-01T00:00:00.000Z');
    await store.save(record);
    const file = join(dir, 'batches', 'b1.json');
    // A settled batch's state goes to finished/.
    const finishedFile = join(dir, 'batches', 'finished', 'b1.json');
    const unblock = blockWrites(finishedFile);

    // The last change of the batch: nothing else would ever write it again.
    record.jobs[0]!.state = 'completed';
    await expect(store.save(record)).rejects.toThrow();
    expect(warnings.join('')).toMatch(/could not save batch state; it is kept in memory/);
    expect(stateOnDisk(file)).toBe('pending');

    unblock();
    await until(
      () => existsSync(finishedFile) && stateOnDisk(finishedFile) === 'completed',
      'the failed state written by a later try',
    );
    await until(() => !existsSync(file), 'the unsettled file removed once the finished one is written');
  });

  it('refuses a new batch while accepted state cannot be saved, leaving no file of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batches-'));
    const store = new BatchStore(dir, quiet, { retryFirstMs: 60_000 });
    const record = batch('b1', '2026-01-01T00:00:00.000Z');
    await store.create(record);
    const file = join(dir, 'batches', 'finished', 'b1.json');
    const unblock = blockWrites(file);
    record.jobs[0]!.state = 'completed';
    await expect(store.save(record)).rejects.toThrow();

    const refused = await store
      .create(batch('b2', '2026-01-02T00:00:00.000Z'))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BridgeError);
    expect(refused).toMatchObject({ code: 'state_not_saved' });
    expect((refused as BridgeError).message).toContain(join(dir, 'batches'));
    expect(readdirSync(join(dir, 'batches')).filter((name) => name.startsWith('b2'))).toEqual([]);

    // Once it can be written, the next call saves the kept state first (not waiting for the timer) and is accepted.
    unblock();
    await store.create(batch('b2', '2026-01-02T00:00:00.000Z'));
    expect(stateOnDisk(file)).toBe('completed');
    expect((await new BatchStore(dir, quiet).loadAll()).map((b) => b.id)).toEqual(['b1', 'b2']);
  });

  describe('settled batches', () => {
    const settled = (id: string, createdAt: string, key?: string): BatchRecord => ({
      ...batch(id, createdAt, 'completed'),
      ...(key ? { idempotency: { key, fingerprint: 'f' } } : {}),
    });

    it('are written to finished/ and read on demand, by id or idempotency key, not by loadUnfinished', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'batches-'));
      const store = new BatchStore(dir, quiet);
      const running = batch('b2', '2026-01-02T00:00:00.000Z');
      await store.create(running);
      const done = settled('b1', '2026-01-01T00:00:00.000Z', 'icons');
      await store.create({ ...done, jobs: [{ ...done.jobs[0]!, state: 'pending' }] });
      await store.save(done);

      const reopened = new BatchStore(dir, quiet);
      expect((await reopened.loadUnfinished()).map((b) => b.id)).toEqual(['b2']);
      expect(reopened.readFinished('b1')?.jobs[0]!.state).toBe('completed');
      expect(reopened.findFinishedByKey('icons')?.id).toBe('b1');
      expect(reopened.findFinishedByKey('other')).toBeUndefined();
      expect(reopened.readFinished('b2')).toBeUndefined();
      expect(reopened.readFinished('../b2')).toBeUndefined();
      expect((await reopened.recentFinished(10)).map((b) => b.id)).toEqual(['b1']);
      expect((await reopened.loadAll()).map((b) => b.id)).toEqual(['b1', 'b2']);
      expect(existsSync(join(dir, 'batches', 'b1.json'))).toBe(false);
    });

    it('found among the unsettled ones (an older version wrote them there) are moved, keeping their key', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'batches-'));
      mkdirSync(join(dir, 'batches'));
      writeFileSync(
        join(dir, 'batches', 'b1.json'),
        JSON.stringify(settled('b1', '2026-01-01T00:00:00.000Z', 'icons')),
      );
      const store = new BatchStore(dir, quiet);
      expect(await store.loadUnfinished()).toEqual([]);
      expect(existsSync(join(dir, 'batches', 'b1.json'))).toBe(false);
      expect(store.findFinishedByKey('icons')?.id).toBe('b1');
    });

    it('win over a stale unsettled copy a move cut short left behind, which is never resumed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'batches-'));
      mkdirSync(join(dir, 'batches', 'finished'), { recursive: true });
      writeFileSync(join(dir, 'batches', 'b1.json'), JSON.stringify(batch('b1', '2026-01-01T00:00:00.000Z')));
      writeFileSync(
        join(dir, 'batches', 'finished', 'b1.json'),
        JSON.stringify(settled('b1', '2026-01-01T00:00:00.000Z')),
      );
      const store = new BatchStore(dir, quiet);
      expect(await store.loadUnfinished()).toEqual([]);
      expect(existsSync(join(dir, 'batches', 'b1.json'))).toBe(false);
      expect(store.readFinished('b1')?.jobs[0]!.state).toBe('completed');
    });

    it('past their retention are deleted; only files not written within it are read to ask', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'batches-'));
      const store = new BatchStore(dir, quiet);
      for (const id of ['old', 'new']) await store.save(settled(id, '2026-01-01T00:00:00.000Z', `${id}-key`));
      const now = Date.parse('2026-01-10T00:00:00.000Z');
      const day = 24 * 60 * 60_000;
      const finished = (id: string) => join(dir, 'batches', 'finished', `${id}.json`);
      utimesSync(finished('old'), new Date(now - 9 * day), new Date(now - 9 * day));
      utimesSync(finished('new'), new Date(now - day), new Date(now - day));
      const asked: string[] = [];
      await store.removeExpiredFinished(
        (b) => {
          asked.push(b.id);
          return true;
        },
        7 * day,
        now,
      );
      expect(asked).toEqual(['old']);
      expect(existsSync(finished('old'))).toBe(false);
      expect(store.findFinishedByKey('old-key')).toBeUndefined();
      expect(existsSync(finished('new'))).toBe(true);
    });
  });
});
