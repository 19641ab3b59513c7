import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchRecord, JobRecord } from '../../electron/jobs/types.js';
import { removeDirs, startTestCore, toolContext, type CoreFixture } from './harness.js';

const day = 24 * 60 * 60_000;

function storedBatch(id: string, state: JobRecord['state'], ageMs: number): BatchRecord {
  const at = new Date(Date.now() - ageMs).toISOString();
  return {
    id,
    priority: 'batch',
    createdAt: at,
    jobs: [
      {
        id: `j_${id}`,
        index: 0,
        state,
        attempts: state === 'pending' ? 0 : 1,
        updatedAt: at,
        spec: {
          prompt: 'kept or not',
          negativePrompt: '',
          width: 64,
          height: 64,
          seed: 1,
          format: 'png',
          workflow: 'test-pattern',
          savePath: '/tmp/retention.png',
          allowedRoots: ['/tmp'],
          overwrite: false,
        },
        ...(state === 'failed' ? { error: { code: 'x', message: 'y' } } : {}),
      },
    ],
  };
}

describe('finished batch retention', () => {
  let fixture: CoreFixture | undefined;
  afterEach(async () => {
    await fixture?.core.stop();
    if (fixture) removeDirs(fixture.dataDir, fixture.outputDir);
  });

  it('drops finished batches older than a week at start, keeps recent and unfinished ones', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bridge-data-'));
    const batches = join(dataDir, 'batches');
    mkdirSync(batches, { recursive: true });
    const stored = [
      storedBatch('b_oldfinished', 'failed', 8 * day),
      storedBatch('b_recentfinished', 'failed', 6 * day),
      storedBatch('b_oldunfinished', 'pending', 30 * day),
    ];
    for (const batch of stored) writeFileSync(join(batches, `${batch.id}.json`), JSON.stringify(batch));

    // Nothing answers on the discard port, so the unfinished batch simply waits.
    fixture = await startTestCore({ urls: ['http://127.0.0.1:9'], dataDir });
    const { ctx } = toolContext();
    expect(existsSync(join(batches, 'b_oldfinished.json'))).toBe(false);
    await expect(
      fixture.core.service.checkBatchStatus({ batch_id: 'b_oldfinished' }, ctx),
    ).rejects.toMatchObject({
      code: 'unknown_batch',
    });
    expect(await fixture.core.service.checkBatchStatus({ batch_id: 'b_recentfinished' }, ctx)).toMatchObject({
      done: true,
      failed: 1,
    });
    expect(await fixture.core.service.checkBatchStatus({ batch_id: 'b_oldunfinished' }, ctx)).toMatchObject({
      done: false,
      pending: 1,
    });
  });
});
