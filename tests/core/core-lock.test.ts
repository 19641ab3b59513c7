import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireCoreLock, currentLockOwner, processStartTime } from '../../electron/core-lock.js';
import { isBridgeError } from '../../electron/errors.js';
import { tempDirs } from './harness.js';

/*
 * The data folder's lock on its own: refusal while held, take-over of a dead or reused pid's lock, and a
 * bounded race of starters (worker threads share the pid, so each sees the others' locks as alive) over a
 * stale lock: exactly one wins each round.
 */

const { tempDir, removeTempDirs } = tempDirs('bridge-core-lock-');
afterAll(() => removeTempDirs());

const lockNames = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('core.lock.'));

function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return new Promise((resolveExit) => child.once('exit', () => resolveExit(child.pid!)));
}

describe('the data folder lock', () => {
  it('refuses a second holder with the first one’s pid, and is free again once released', () => {
    const dir = tempDir();
    const lock = acquireCoreLock(dir);
    let refusal: unknown;
    try {
      acquireCoreLock(dir);
    } catch (error) {
      refusal = error;
    }
    expect(isBridgeError(refusal) && refusal.code).toBe('data_dir_in_use');
    expect((refusal as Error).message).toContain(`pid ${process.pid}`);
    expect((refusal as Error).message).not.toContain('\n');
    expect(currentLockOwner(dir)?.nonce).toBe(lock.owner.nonce);
    lock.release();
    expect(lockNames(dir)).toEqual([]);
    acquireCoreLock(dir).release();
  });

  it('takes over the lock of a dead process, and of a live pid that is another process (start time)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'core.lock.1'), JSON.stringify({ pid: await deadPid(), nonce: 'dead' }));
    const afterDead = acquireCoreLock(dir);
    expect(lockNames(dir)).toEqual(['core.lock.2']);
    afterDead.release();

    if (processStartTime(process.pid) === undefined) return; // no /proc: pid reuse cannot be told apart
    // Our own pid with another start time: what a crashed owner's pid looks like once reused.
    writeFileSync(
      join(dir, 'core.lock.7'),
      JSON.stringify({ pid: process.pid, startTime: '1', nonce: 'reused' }),
    );
    const afterReuse = acquireCoreLock(dir);
    expect(lockNames(dir)).toEqual(['core.lock.8']);
    afterReuse.release();
  });

  const built = resolve(import.meta.dirname, '..', '..', 'dist', 'electron', 'core-lock.js');
  it.skipIf(!existsSync(built))(
    'of starters racing over a stale lock, exactly one wins, round after round',
    async () => {
      const rounds = 10;
      const starters = 4;
      const stalePid = await deadPid();
      const workerSource = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.module).then(({ acquireCoreLock }) => {
        parentPort.postMessage('ready');
        Atomics.wait(workerData.gate, 0, 0);
        try {
          acquireCoreLock(workerData.dir);
          parentPort.postMessage('won');
        } catch (error) {
          parentPort.postMessage(error.code ?? String(error));
        }
      });`;
      for (let round = 0; round < rounds; round += 1) {
        const dir = tempDir();
        writeFileSync(join(dir, 'core.lock.3'), JSON.stringify({ pid: stalePid, nonce: 'stale' }));
        const gate = new Int32Array(new SharedArrayBuffer(4));
        const readies: Promise<void>[] = [];
        const outcomes = Array.from({ length: starters }, () => {
          const worker = new Worker(workerSource, {
            eval: true,
            workerData: { module: pathToFileURL(built).href, dir, gate },
          });
          readies.push(new Promise((resolveReady) => worker.once('message', () => resolveReady())));
          return new Promise<string>((resolveOutcome, rejectOutcome) => {
            worker.on('message', (message: string) => {
              if (message === 'ready') return;
              resolveOutcome(message);
              void worker.terminate();
            });
            worker.once('error', rejectOutcome);
          });
        });
        // Let them go together: each worker waits at the gate once its module is loaded.
        await Promise.all(readies);
        Atomics.store(gate, 0, 1);
        Atomics.notify(gate, 0);
        const results = await Promise.all(outcomes);
        expect(
          results.filter((outcome) => outcome === 'won'),
          `round ${round}: ${results.join()}`,
        ).toHaveLength(1);
        expect(
          results.filter((outcome) => outcome !== 'won').every((outcome) => outcome === 'data_dir_in_use'),
        ).toBe(true);
        expect(lockNames(dir)).toHaveLength(1);
      }
    },
  );
});
