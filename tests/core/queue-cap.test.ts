import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeError } from '../../electron/errors.js';
import { removeDirs, startTestCore, toolContext, type CoreFixture } from './harness.js';

/*
 * The cap on pending jobs (setting maxPendingJobs): a call that would take the queue over it is refused whole
 * with queue_full, saying how many jobs wait and what the agent can do. Nothing answers on the discard port, so
 * every accepted job simply stays pending.
 */

const items = (count: number) => Array.from({ length: count }, (_, i) => ({ prompt: `a queued fox ${i}` }));
const defaults = { workflow: 'test-pattern', width: 64, height: 64 };

describe('the cap on pending jobs', () => {
  let fixture: CoreFixture | undefined;
  afterEach(async () => {
    await fixture?.core.stop();
    if (fixture) removeDirs(fixture.dataDir, fixture.outputDir);
    fixture = undefined;
  });

  async function bridgeWithCap(maxPendingJobs: number) {
    fixture = await startTestCore({ urls: ['http://127.0.0.1:9'], settings: { maxPendingJobs } });
    return fixture;
  }

  function refusal(error: unknown): BridgeError {
    expect(error).toBeInstanceOf(BridgeError);
    return error as BridgeError;
  }

  it('refuses the job after the cap with queue_full, saying how many are pending and what to do', async () => {
    const { core, dataDir } = await bridgeWithCap(5);
    const { ctx } = toolContext();
    await core.service.batchGenerateImages({ items: items(5), defaults }, ctx);
    expect(core.scheduler.counts().pending).toBe(5);

    const interactive = refusal(
      await core.service
        .generateImage({ prompt: 'one more', ...defaults, wait_seconds: 0 }, ctx)
        .catch((error: unknown) => error),
    );
    expect(interactive.code).toBe('queue_full');
    expect(interactive.message).toMatch(/5 jobs are pending and this call adds 1, over the limit of 5/);
    expect(interactive.message).toMatch(/maxPendingJobs/);
    expect(interactive.hint).toMatch(/check_batch_status/);
    expect(interactive.hint).toMatch(/cancel_batch/);
    expect(interactive.details).toEqual({ pending: 5, requested: 1, limit: 5 });

    const batch = refusal(
      await core.service
        .batchGenerateImages({ items: items(1), defaults }, ctx)
        .catch((error: unknown) => error),
    );
    expect(batch.code).toBe('queue_full');
    // Nothing of the refused calls was queued or written.
    expect(core.scheduler.counts().pending).toBe(5);
    expect(core.scheduler.list()).toHaveLength(1);
    expect(readdirSync(join(dataDir, 'batches'))).toHaveLength(1);
  });

  it('refuses a batch that would go over whole, and takes one that fits', async () => {
    const { core } = await bridgeWithCap(5);
    const { ctx } = toolContext();
    const first = await core.service.batchGenerateImages({ items: items(3), defaults }, ctx);
    const over = refusal(
      await core.service
        .batchGenerateImages({ items: items(3), defaults }, ctx)
        .catch((error: unknown) => error),
    );
    expect(over).toMatchObject({ code: 'queue_full', details: { pending: 3, requested: 3, limit: 5 } });
    expect(over.message).toMatch(/Nothing of this call was queued/);
    expect(core.scheduler.counts().pending).toBe(3);

    await core.service.batchGenerateImages({ items: items(2), defaults }, ctx);
    expect(core.scheduler.counts().pending).toBe(5);

    // Cancelling a batch makes room again.
    await core.service.cancelBatch({ batch_id: first.batch_id }, ctx);
    await core.service.batchGenerateImages({ items: items(3), defaults }, ctx);
    expect(core.scheduler.counts().pending).toBe(5);
  });

  it('says to split a batch larger than the cap itself', async () => {
    const { core } = await bridgeWithCap(5);
    const { ctx } = toolContext();
    const tooBig = refusal(
      await core.service
        .batchGenerateImages({ items: items(6), defaults }, ctx)
        .catch((error: unknown) => error),
    );
    expect(tooBig.code).toBe('queue_full');
    expect(tooBig.message).toMatch(/asks for 6 images, more than the 5 jobs the queue may hold/);
    expect(tooBig.hint).toMatch(/at most 5 items/);
  });

  it('counts calls still being saved: of two concurrent batches that together go over, one is refused', async () => {
    const { core } = await bridgeWithCap(5);
    const { ctx } = toolContext();
    const results = await Promise.allSettled([
      core.service.batchGenerateImages({ items: items(3), defaults }, ctx),
      core.service.batchGenerateImages({ items: items(3), defaults }, ctx),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(core.scheduler.counts().pending).toBe(3);
  });

  it('applies a changed setting at once, without a restart', async () => {
    const { core } = await bridgeWithCap(2);
    const { ctx } = toolContext();
    await expect(core.service.batchGenerateImages({ items: items(3), defaults }, ctx)).rejects.toMatchObject({
      code: 'queue_full',
    });
    core.settings.update({ maxPendingJobs: 3 });
    await core.service.batchGenerateImages({ items: items(3), defaults }, ctx);
    expect(core.scheduler.counts().pending).toBe(3);
  });
});
