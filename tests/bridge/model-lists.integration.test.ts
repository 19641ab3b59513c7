import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../electron/errors.js';
import { comboOptions, inputSpec } from '../../electron/workflows/object-info.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import {
  cleanupsAfterEach,
  removeDirs,
  sd15Models,
  startTestCore,
  toolContext,
  until,
  type CoreFixture,
} from '../core/harness.js';

const cleanups = cleanupsAfterEach();

/**
 * A core on a fake ComfyUI, with a monotonic clock the test moves on: the bridge trusts a copy of the model lists
 * for a few seconds (5 s), and the test says when they have passed (10 s) instead of sleeping.
 */
async function setup(
  models: Record<string, string[]>,
): Promise<CoreFixture & { fake: FakeComfyUI; later: () => void; advance: (ms: number) => void }> {
  const fake = await startFakeComfyUI({ models, stepMs: 2 });
  cleanups.push(() => fake.close());
  let offset = 0;
  const fixture = await startTestCore({
    urls: [fake.url],
    tuning: { monotonicNow: () => performance.now() + offset },
  });
  cleanups.push(async () => {
    await fixture.core.stop();
    removeDirs(fixture.dataDir, fixture.outputDir);
  });
  await until(() => fixture.core.pool.snapshot().some((backend) => backend.available), 'the backend is up');
  return {
    ...fixture,
    fake,
    later: () => (offset += 10_000),
    advance: (ms: number) => (offset += ms),
  };
}

/** The workflow the call's batch ran, read from the scheduler. */
function workflowOf(core: CoreFixture['core'], batchId: string): string | undefined {
  return core.scheduler.get(batchId)?.jobs[0]?.spec.workflow;
}

describe('model files added or deleted while ComfyUI runs (fake ComfyUI)', () => {
  it('sees a checkpoint added after the backend connected: status, the smart default and the call use it', async () => {
    const { core, fake, later } = await setup({});
    const before = await core.service.checkComfyuiStatus(toolContext().ctx);
    expect(before.no_default_workflow).toMatch(/No bundled workflow has all its models/);

    fake.setModels(sd15Models); // the download finished
    later();
    const status = await core.service.checkComfyuiStatus(toolContext().ctx);
    expect(status.no_default_workflow).toBeUndefined();
    expect(status.backends[0]?.default_workflow).toMatchObject({ id: 'sd15', can_run: true });

    const result = await core.service.generateImage(
      { prompt: 'a kingfisher', width: 64, height: 64, seed: 1 },
      toolContext().ctx,
    );
    expect(result.status).toBe('completed');
    expect(workflowOf(core, result.batch_id)).toBe('sd15');
  });

  it('sees a checkpoint deleted after the backend connected: no graph ComfyUI would reject is sent', async () => {
    const { core, fake, later } = await setup(sd15Models);
    const before = await core.service.checkComfyuiStatus(toolContext().ctx);
    expect(before.backends[0]?.default_workflow).toMatchObject({ id: 'sd15', can_run: true });

    fake.setModels({}); // the user deleted the file
    later();
    const status = await core.service.checkComfyuiStatus(toolContext().ctx);
    expect(status.no_default_workflow).toMatch(/No bundled workflow has all its models/);

    const call = core.service.generateImage(
      { prompt: 'a kingfisher', width: 64, height: 64, seed: 1 },
      toolContext().ctx,
    );
    await expect(call).rejects.toSatisfy(
      (error: unknown) => error instanceof BridgeError && error.code === 'no_usable_workflow',
    );
    expect(fake.submitted).toEqual([]);
  });

  it('reads the lists again after ComfyUI refused a graph for a missing model', async () => {
    const { core, fake } = await setup(sd15Models);
    // A named workflow with a fresh copy of the lists (read < 5 s ago) is sent; ComfyUI refuses it.
    await core.service.checkComfyuiStatus(toolContext().ctx);
    fake.setModels({});
    const call = core.service.generateImage(
      { prompt: 'a kingfisher', workflow: 'sd15', width: 64, height: 64, seed: 1 },
      toolContext().ctx,
    );
    await expect(call).rejects.toSatisfy(
      (error: unknown) => error instanceof BridgeError && error.code === 'comfyui_rejected',
    );
    // The refusal made the bridge read the lists again (within the 5 s a copy is otherwise trusted).
    await until(
      () => {
        const info = core.pool.objectInfo(core.pool.ids()[0]!);
        const spec = info && inputSpec(info, 'CheckpointLoaderSimple', 'ckpt_name');
        return spec !== undefined && comboOptions(spec)?.length === 0;
      },
      'the refused model is no longer listed',
      4_000,
    );
  });

  it('reads the lists again ahead of their expiry, off the call path: the next call does not wait for them', async () => {
    const { core, fake, advance } = await setup(sd15Models);
    const call = () =>
      core.service.generateImage({ prompt: 'a kingfisher', width: 64, height: 64 }, toolContext().ctx);
    const answered = fake.objectInfoRequests;

    advance(3_000); // past half the copy's 5 s: the call starts a read and does not wait for it
    expect((await call()).status).toBe('completed');
    await until(() => fake.objectInfoRequests > answered, 'the lists are read ahead');

    // 6 s after the first read, 3 s after the read ahead: a call that waited for /object_info would hang now.
    advance(3_000);
    fake.setHangingPaths(['/object_info']);
    expect((await call()).status).toBe('completed');
    fake.setHangingPaths([]);
  });

  it('reads them ahead once ComfyUI has taken the prompt, so the read is not on the call’s own path', async () => {
    const { core, fake, advance } = await setup(sd15Models);
    const call = () =>
      core.service.generateImage({ prompt: 'a kingfisher', width: 64, height: 64 }, toolContext().ctx);
    const answered = fake.objectInfoRequests;
    advance(3_000); // past half the copy's 5 s
    const logged = fake.requestLog.length;
    expect((await call()).status).toBe('completed');
    await until(() => fake.objectInfoRequests > answered, 'the lists are read ahead');
    const sent = fake.requestLog.slice(logged);
    expect(sent.indexOf('GET /object_info')).toBeGreaterThan(sent.indexOf('POST /prompt'));
    expect(sent.indexOf('POST /prompt')).toBeGreaterThanOrEqual(0);
  });
});
