import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect } from '../mcp/harness.js';
import {
  cleanupList,
  completedRunsByJob,
  removeDirs,
  sd15Models,
  snapshotTree,
  tempDir,
} from './fixtures.js';
import { mcpTokenOf } from '../cli/built-cli.js';
import { isBuilt, notBuiltNote, startServe, stopServe } from './serve-process.js';

/*
 * The bridge process itself crashes: `serve` (the built CLI) is SIGKILLed in the middle of a batch and started
 * again on the same data folder. Meanwhile a watcher reads every visible file at the save location as soon as it
 * appears: a partially written image would fail to decode.
 */

const total = 16;

interface BatchStatus {
  done: boolean;
  total: number;
  completed: number;
  failed: number;
  items: { index: number; status: string; path?: string; error?: { code: string; message: string } }[];
}

/** Decodes every visible image in the folder that it has not seen at that size; records any that fail. */
function startPartialFileWatcher(folder: string) {
  const checked = new Set<string>();
  const broken: string[] = [];
  let running = true;
  // One last pass after stop(): a file placed since the previous pass is checked too.
  const loop = (async () => {
    for (let last = false; !last;) {
      last = !running;
      let names: string[] = [];
      try {
        names = readdirSync(folder).filter((name) => !name.startsWith('.'));
      } catch {
        // The folder appears with the first image.
      }
      for (const name of names) {
        const path = join(folder, name);
        let bytes: Buffer;
        try {
          bytes = readFileSync(path);
        } catch {
          continue;
        }
        const key = `${name}:${bytes.byteLength}`;
        if (checked.has(key)) continue;
        checked.add(key);
        try {
          await sharp(bytes).raw().toBuffer();
        } catch (error) {
          broken.push(`${name} (${bytes.byteLength} bytes): ${String(error)}`);
        }
      }
      if (!last) await new Promise((resolveTimer) => setTimeout(resolveTimer, 5));
    }
  })();
  return {
    broken,
    checked,
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe('bridge crash: serve SIGKILLed mid-batch', () => {
  const cleanups = cleanupList();
  afterEach(() => cleanups.runAll());

  it('keeps the batch id, the finished files, and runs nothing twice after a restart', async (context) => {
    if (!isBuilt()) {
      console.warn(`bridge crash test skipped: ${notBuiltNote}`);
      context.skip(notBuiltNote);
    }
    const fake = await startFakeComfyUI({ models: sd15Models, stepMs: 15 });
    cleanups.add(() => fake.close());
    const dataDir = tempDir('crash-data');
    const outputDir = tempDir('crash-out');
    cleanups.add(() => removeDirs(dataDir, outputDir));
    const args = ['--data-dir', dataDir, '--output-dir', outputDir, '--comfyui', fake.url];
    const saveFolder = join(outputDir, 'crash');
    const watcher = startPartialFileWatcher(saveFolder);
    cleanups.add(() => watcher.stop());

    const first = await startServe(args);
    cleanups.add(() => stopServe(first, 'SIGKILL'));
    const firstClient = await connect('2026', new URL(first.mcpUrl), { token: mcpTokenOf(dataDir) });
    const accepted = await firstClient.callTool('batch_generate_images', {
      items: Array.from({ length: total }, (_, i) => ({
        prompt: `a crash test ${i}`,
        save_path: `crash/image-${i}.png`,
      })),
      defaults: { workflow: 'sd15', width: 64, height: 64 },
    });
    expect(accepted.isError).toBeFalsy();
    const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;

    let before: BatchStatus | undefined;
    for (let poll = 0; poll < 400; poll++) {
      const result = await firstClient.callTool('check_batch_status', { batch_id: batchId });
      before = result.structuredContent as BatchStatus;
      if (before.completed >= 5) break;
      await new Promise((resolveTimer) => setTimeout(resolveTimer, 25));
    }
    expect(before!.completed).toBeGreaterThanOrEqual(5);
    expect(before!.done).toBe(false);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await firstClient.close().catch(() => undefined);

    const filesAtCrash = snapshotTree(outputDir);
    const finishedBefore = before!.items.filter((item) => item.status === 'completed');
    for (const item of finishedBefore) {
      expect(filesAtCrash.has(join('crash', `image-${item.index}.png`)), item.path).toBe(true);
    }

    const second = await startServe(args);
    cleanups.add(() => stopServe(second));
    const secondClient = await connect('2026', new URL(second.mcpUrl), { token: mcpTokenOf(dataDir) });
    cleanups.add(() => secondClient.close());
    const after = (
      await secondClient.callTool('check_batch_status', { batch_id: batchId, wait_seconds: 120 })
    ).structuredContent as BatchStatus;
    await watcher.stop();

    expect(after.items.filter((item) => item.status !== 'completed')).toEqual([]);
    expect(after).toMatchObject({ done: true, total, completed: total, failed: 0 });
    // Finished files are intact: the same bytes as at the crash, at the same paths.
    const filesAfter = snapshotTree(outputDir);
    for (const [path, fingerprint] of filesAtCrash) {
      if (!path.split('/').some((part) => part.startsWith('.')))
        expect(filesAfter.get(path), path).toBe(fingerprint);
    }
    for (const item of after.items) {
      const meta = await sharp(item.path).metadata();
      expect([meta.width, meta.height]).toEqual([64, 64]);
    }
    // ComfyUI ran each job exactly once: runs it had finished or was doing at the crash were picked up, not repeated.
    const runs = completedRunsByJob([fake]);
    expect(runs.size).toBe(total);
    for (const [jobId, count] of runs) expect(count, jobId).toBe(1);
    expect(watcher.broken).toEqual([]);
    expect(watcher.checked.size).toBeGreaterThanOrEqual(total);
  });
});
