/**
 * A wait that begins after the scheduler stopped (a call whose accepting write ended just after the bridge began
 * to stop) answers at once that the bridge stopped, instead of sitting out its whole time: the 'stopped' event it
 * would have waited for has already been sent.
 */
import { describe, expect, it } from 'vitest';
import { SchedulerStoppedError } from '../../electron/jobs/scheduler.js';
import { cleanupsAfterEach, startSd15Fake, startTestCore, toolContext, until } from './harness.js';

describe('waiting on a batch after the scheduler stopped', () => {
  const cleanups = cleanupsAfterEach();

  it('rejects at once with SchedulerStoppedError, and check_batch_status answers bridge_stopped', async () => {
    // Steps slow enough that the batch is still running when the scheduler stops.
    const fake = await startSd15Fake(5_000);
    cleanups.push(() => fake.close());
    const fixture = await startTestCore({ urls: [fake.url] });
    cleanups.push(() => fixture.core.stop());
    await until(() => fixture.core.pool.loads().some((load) => load.available), 'the backend is up');
    const { ctx } = toolContext();
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: [{ prompt: 'a lighthouse' }], defaults: { workflow: 'sd15', width: 64, height: 64 } },
      ctx,
    );
    await fixture.core.scheduler.stop();

    // Without the fix both waits below would last their full 10 minutes and the test would time out.
    await expect(
      fixture.core.scheduler.wait(accepted.batch_id, { timeoutMs: 600_000 }),
    ).rejects.toBeInstanceOf(SchedulerStoppedError);
    await expect(
      fixture.core.service.checkBatchStatus({ batch_id: accepted.batch_id, wait_seconds: 600 }, ctx),
    ).rejects.toMatchObject({ code: 'bridge_stopped' });
  });
});
