import { describe, expect, it } from 'vitest';
import { JobQueue } from '../../electron/jobs/job-queue.js';
import type { JobRecord } from '../../electron/jobs/types.js';

const job = (id: string): JobRecord => ({ id, state: 'pending', attempts: 0, updatedAt: '' }) as JobRecord;

describe('JobQueue', () => {
  it('offers interactive jobs before batch items, and a job sent back goes to the front', () => {
    const queue = new JobQueue();
    queue.add(job('b1'), 'batch');
    queue.add(job('i1'), 'interactive');
    queue.add(job('b2'), 'batch', true);
    const seen: string[] = [];
    queue.offer((offered) => {
      seen.push(offered.id);
      return 'keep';
    });
    expect(seen).toEqual(['i1', 'b2', 'b1']);
    expect(queue.position('b1')).toBe(2);
  });

  it('removes a taken job before its action runs, leaves kept ones, and stops when told', () => {
    const queue = new JobQueue();
    for (const id of ['a', 'b', 'c']) queue.add(job(id), 'batch');
    const lengths: number[] = [];
    queue.offer((offered) => {
      if (offered.id === 'b') return 'keep';
      if (offered.id === 'c') return 'stop';
      return () => lengths.push(queue.length);
    });
    expect(lengths).toEqual([2]);
    expect(queue.position('b')).toBe(0);
    expect(queue.position('a')).toBeUndefined();
  });

  it('counts jobs in a retry pause and jobs being admitted as pending', async () => {
    const queue = new JobQueue();
    const paused = job('p');
    let ready!: () => void;
    const back = new Promise<void>((resolve) => (ready = resolve));
    queue.addLater(paused, 'batch', 1, ready);
    let during = 0;
    await queue.admit(2, () => Promise.resolve((during = queue.pending())));
    expect(during).toBe(3);
    await back;
    expect(queue.position('p')).toBe(0);
    expect(queue.pending()).toBe(1);
  });

  it('drops a paused job that was cancelled meanwhile', async () => {
    const queue = new JobQueue();
    const cancelled = job('x');
    queue.addLater(cancelled, 'interactive', 1, () => {
      throw new Error('must not come back');
    });
    cancelled.state = 'cancelled';
    await new Promise<void>((resolve) => {
      const check = () => (queue.pending() === 0 ? resolve() : setImmediate(check));
      check();
    });
    expect(queue.position('x')).toBeUndefined();
  });
});
