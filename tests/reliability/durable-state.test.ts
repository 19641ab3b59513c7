import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchRecord } from '../../electron/jobs/types.js';
import { toolContext } from '../core/harness.js';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';
import { tmpfsSkipNote, tryMountTmpfs, unmount } from '../images/tmpfs.js';
import { connect } from '../mcp/harness.js';
import { mcpTokenOf } from '../cli/built-cli.js';
import { cleanupList, removeDirs, sd15Models, startReliabilityCore, tempDir, until } from './fixtures.js';
import { isBuilt, notBuiltNote, startServe, stopServe } from './serve-process.js';

/*
 * Acknowledged means durable: a batch id is handed out only once its batch is on disk (file and folder synced), so
 * a crash the moment after the answer keeps it; while the bridge cannot save its state, new work is refused with a
 * message that says what to free; and state that failed to save is written later, never dropped.
 */

const defaults = { workflow: 'test-pattern', width: 64, height: 64 };
const items = (count: number, tag: string) =>
  Array.from({ length: count }, (_, i) => ({
    prompt: `a durable fox ${tag} ${i}`,
    save_path: `${tag}/${i}.png`,
  }));

/** The batch's file; a settled batch's is written to finished/ before the unsettled one is removed. */
function storedBatch(dataDir: string, id: string): BatchRecord {
  let text: string;
  try {
    text = readFileSync(join(dataDir, 'batches', `${id}.json`), 'utf8');
  } catch {
    text = readFileSync(join(dataDir, 'batches', 'finished', `${id}.json`), 'utf8');
  }
  return JSON.parse(text) as BatchRecord;
}

interface ToolError {
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
}

describe('acknowledged means durable', () => {
  const cleanups = cleanupList();
  afterEach(() => cleanups.runAll());

  it('the batch file is on disk and complete the moment the answer arrives', async () => {
    // Nothing answers on the discard port: the jobs stay pending, only the acknowledgement is under test.
    const { core, dataDir, outputDir } = await startReliabilityCore({ urls: ['http://127.0.0.1:9'] });
    cleanups.add(() => removeDirs(dataDir, outputDir));
    cleanups.add(() => core.stop());
    const { ctx } = toolContext();
    for (let round = 0; round < 10; round++) {
      // Read synchronously in the continuation: nothing else may run between the answer and the check.
      const onDisk = await core.service
        .batchGenerateImages({ items: items(3, `r${round}`), defaults }, ctx)
        .then((accepted) => ({ accepted, stored: storedBatch(dataDir, accepted.batch_id) }));
      expect(onDisk.stored.jobs.map((job) => job.spec.prompt)).toEqual(
        items(3, `r${round}`).map((item) => item.prompt),
      );
    }
    const running = await core.service
      .generateImage({ prompt: 'an interactive fox', ...defaults, wait_seconds: 0 }, ctx)
      .then((answer) => ({ answer, stored: storedBatch(dataDir, answer.batch_id) }));
    expect(running.answer.status).toBe('running');
    expect(running.stored.jobs).toHaveLength(1);
  });

  it('serve SIGKILLed as soon as batch_generate_images answers keeps the id (bounded rounds)', async (context) => {
    if (!isBuilt()) {
      console.warn(`durable acknowledgement test skipped: ${notBuiltNote}`);
      return context.skip(notBuiltNote);
    }
    const rounds = 3;
    const perRound = 2;
    const dataDir = tempDir('ack-data');
    const outputDir = tempDir('ack-out');
    cleanups.add(() => removeDirs(dataDir, outputDir));
    // The cap is exactly what the rounds queue: after the last restart the queue is full, which shows that the
    // --max-pending flag applies and that restored pending jobs count against it.
    const args = ['--data-dir', dataDir, '--output-dir', outputDir, '--comfyui', 'http://127.0.0.1:9'];
    const withCap = [...args, '--max-pending', String(rounds * perRound)];
    let serve = await startServe(withCap);
    cleanups.add(() => stopServe(serve, 'SIGKILL'));
    const ids: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const client = await connect('2026', new URL(serve.mcpUrl), { token: mcpTokenOf(dataDir) });
      const killed = serve;
      const accepted = await client
        .callTool('batch_generate_images', { items: items(perRound, `kill${round}`), defaults })
        .then((result) => {
          killed.child.kill('SIGKILL');
          return result;
        });
      expect(accepted.isError, JSON.stringify(accepted.structuredContent)).toBeFalsy();
      expect((await killed.exited).signal).toBe('SIGKILL');
      await client.close().catch(() => undefined);
      ids.push((accepted.structuredContent as { batch_id: string }).batch_id);

      serve = await startServe(withCap);
      const after = await connect('2026', new URL(serve.mcpUrl), { token: mcpTokenOf(dataDir) });
      for (const id of ids) {
        const status = await after.callTool('check_batch_status', { batch_id: id });
        expect(
          status.isError,
          `round ${round}, ${id}: ${JSON.stringify(status.structuredContent)}`,
        ).toBeFalsy();
        expect(status.structuredContent).toMatchObject({ batch_id: id, total: perRound });
      }
      if (round === rounds - 1) {
        const full = await after.callTool('batch_generate_images', { items: items(1, 'over'), defaults });
        expect(full.isError).toBe(true);
        expect((full.structuredContent as ToolError).error).toMatchObject({
          code: 'queue_full',
          details: { pending: rounds * perRound, requested: 1, limit: rounds * perRound },
        });
      }
      await after.close();
    }
    await stopServe(serve);
  }, 180_000);
});

describe('the data folder cannot be written', () => {
  const cleanups = cleanupList();
  afterEach(() => cleanups.runAll());

  it('a full data disk: new work refused with state_not_saved saying what to free; accepted state saved later', async (context) => {
    const base = tempDir('state-disk');
    const dataDir = join(base, 'data');
    mkdirSync(dataDir);
    cleanups.add(() => removeDirs(base));
    if (!tryMountTmpfs(dataDir, { sizeKb: 512 })) {
      console.warn(`full data disk test skipped: ${tmpfsSkipNote}`);
      return context.skip(tmpfsSkipNote);
    }
    cleanups.add(() => unmount(dataDir));
    const fake = await startFakeComfyUI({ models: sd15Models, stepMs: 1 });
    cleanups.add(() => fake.close());
    const { core, outputDir } = await startReliabilityCore({
      urls: [fake.url],
      dataDir,
      settings: { paused: true },
    });
    cleanups.add(() => removeDirs(outputDir));
    cleanups.add(() => core.stop());
    const { ctx } = toolContext();
    const first = await core.service.batchGenerateImages({ items: items(2, 'first'), defaults }, ctx);

    // Fill the disk to the last block.
    const fillers: string[] = [];
    for (let i = 0; ; i++) {
      const filler = join(dataDir, `filler-${i}`);
      try {
        writeFileSync(filler, Buffer.alloc(4096, 1));
        fillers.push(filler);
      } catch {
        rmSync(filler, { force: true });
        break;
      }
    }
    const batches = join(dataDir, 'batches');
    const filesBefore = readdirSync(batches).sort();

    const refused = await core.service
      .batchGenerateImages({ items: items(2, 'refused'), defaults }, ctx)
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'state_not_saved' });
    const { message, hint, details } = refused as {
      message: string;
      hint: string;
      details: Record<string, number>;
    };
    expect(message).toContain(
      `cannot save its batches in "${batches}": the disk holding it is full (ENOSPC)`,
    );
    expect(message).toMatch(new RegExp(`data folder "${dataDir}" uses \\d+\\.\\d (KiB|MiB)`));
    expect(hint).toMatch(/Free space on the disk/);
    console.info(`full data disk: ${message} Hint: ${hint}`);
    expect(details.data_bytes).toBeGreaterThanOrEqual(fillers.length * 4096);
    await expect(
      core.service.generateImage({ prompt: 'refused too', ...defaults, wait_seconds: 0 }, ctx),
    ).rejects.toMatchObject({ code: 'state_not_saved' });
    // Nothing of the refused calls is left: no batch file, no temp file, nothing queued.
    expect(readdirSync(batches).sort()).toEqual(filesBefore);
    expect(core.scheduler.list()).toHaveLength(1);

    // A change to accepted work cannot be saved now: it is kept in memory, and written once there is room.
    await core.service.cancelBatch({ batch_id: first.batch_id }, ctx);
    expect(storedBatch(dataDir, first.batch_id).jobs.map((job) => job.state)).toEqual(['pending', 'pending']);
    for (const filler of fillers) rmSync(filler);
    await until(
      () => storedBatch(dataDir, first.batch_id).jobs.every((job) => job.state === 'cancelled'),
      'the cancellation saved once the disk has room',
    );

    const accepted = await core.service.batchGenerateImages({ items: items(2, 'after'), defaults }, ctx);
    expect(existsSync(join(batches, `${accepted.batch_id}.json`))).toBe(true);
    core.settings.update({ paused: false });
    const status = await core.service.checkBatchStatus(
      { batch_id: accepted.batch_id, wait_seconds: 60 },
      ctx,
    );
    expect(status).toMatchObject({ done: true, completed: 2, failed: 0 });
    await until(
      () => storedBatch(dataDir, accepted.batch_id).jobs.every((job) => job.state === 'completed'),
      'the finished batch on disk',
    );
  });
});
