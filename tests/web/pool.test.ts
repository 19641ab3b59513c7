import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createWorkPool, defaultWebConcurrency } from '../../electron/web/pool.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('the work pool', () => {
  it('runs at most `concurrency` tasks at once, in order', async () => {
    const pool = createWorkPool(2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let peak = 0;
    const runs = gates.map((gate, index) =>
      pool.run(async () => {
        started.push(index);
        peak = Math.max(peak, pool.active);
        await gate.promise;
        return index;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(pool.waiting).toBe(3);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect([pool.active, pool.waiting]).toEqual([0, 0]);
  });

  it('drops a waiting task when its signal aborts, and frees the slot of a failed one', async () => {
    const pool = createWorkPool(1);
    const gate = deferred();
    const first = pool.run(async () => {
      await gate.promise;
      throw new Error('boom');
    });
    const controller = new AbortController();
    let ran = false;
    const second = pool.run(() => {
      ran = true;
      return Promise.resolve();
    }, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(second).rejects.toThrow('cancelled');
    expect(pool.waiting).toBe(0);
    gate.resolve();
    await expect(first).rejects.toThrow('boom');
    expect(await pool.run(() => Promise.resolve('next'))).toBe('next');
    expect(ran).toBe(false);
  });

  it('rejects, never throws, a task whose signal is already aborted', async () => {
    const pool = createWorkPool(1);
    let call: Promise<unknown> | undefined;
    expect(
      () => (call = pool.run(() => Promise.resolve(1), AbortSignal.abort(new Error('gone')))),
    ).not.toThrow();
    await expect(call).rejects.toThrow('gone');
    expect([pool.active, pool.waiting]).toEqual([0, 0]);
  });

  it('takes a slot per core when each encode runs on one libvips thread, keeping one libuv thread free', () => {
    const sized = (cores: number, libuvThreads = 4) =>
      defaultWebConcurrency({ cores, vipsThreads: 1, libuvThreads });
    expect([1, 2, 3, 4, 8, 64].map((cores) => sized(cores))).toEqual([1, 2, 3, 3, 3, 3]);
    expect(sized(8, 16)).toBe(8);
    expect(sized(2, 1)).toBe(1);
  });

  it('takes half the cores when libvips threads already span them', () => {
    const sized = (cores: number) => defaultWebConcurrency({ cores, vipsThreads: cores, libuvThreads: 4 });
    expect([1, 2, 3, 4, 8, 64].map(sized)).toEqual([1, 1, 1, 2, 3, 3]);
    expect(() => createWorkPool(0)).toThrow(RangeError);
  });

  it('sizes the default pool from this process: sharp, the cores and libuv', () => {
    const slots = createWorkPool().concurrency;
    const libuvThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
    expect(slots).toBe(
      defaultWebConcurrency({
        cores: availableParallelism(),
        vipsThreads: sharp.concurrency(),
        libuvThreads,
      }),
    );
  });
});
