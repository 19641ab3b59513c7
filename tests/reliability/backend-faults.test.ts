// One file: each fault runs on the same fake backends and core fixtures and is checked by the same invariants
// (finish, expectNoJobRanTwice, expectResponsive) defined in the describe.
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchRecord } from '../../electron/jobs/types.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, type TestClient } from '../mcp/harness.js';
import { toolContext } from '../core/harness.js';
import {
  cleanupList,
  completedRunsByJob,
  removeDirs,
  sd15Models,
  startReliabilityCore,
  until,
  type ReliabilityCore,
} from './fixtures.js';

/*
 * Backend faults against a real core and the fake ComfyUI. For every fault: each job ends exactly once
 * (completed, failed with a reason that says what happened, or re-dispatched and then completed), the batch
 * counts add up, ComfyUI never ran a job to completion twice, and the server keeps answering MCP calls.
 */

const defaults = { workflow: 'sd15', width: 64, height: 64 };
const items = (count: number, tag: string) =>
  Array.from({ length: count }, (_, i) => ({ prompt: `${tag} ${i}` }));

describe('backend faults', () => {
  const cleanups = cleanupList();
  afterEach(() => cleanups.runAll());

  async function fake(stepMs = 5): Promise<FakeComfyUI> {
    const started = await startFakeComfyUI({ models: sd15Models, stepMs });
    cleanups.add(() => started.close());
    return started;
  }

  async function bridge(
    urls: string[],
    tuning?: Parameters<typeof startReliabilityCore>[0]['tuning'],
  ): Promise<ReliabilityCore & { client: TestClient }> {
    const fixture = await startReliabilityCore({ urls, ...(tuning ? { tuning } : {}) });
    cleanups.add(() => removeDirs(fixture.dataDir, fixture.outputDir));
    cleanups.add(() => fixture.core.stop());
    const client = await connect('2026', new URL(fixture.core.mcpUrl), {
      token: fixture.core.settings.get().mcpToken,
    });
    cleanups.add(() => client.close());
    return { ...fixture, client };
  }

  /** The server answers a real MCP call while the fault lasts. */
  async function expectResponsive(client: TestClient): Promise<Record<string, unknown>> {
    const result = await client.callTool('check_comfyui_status', {});
    expect(result.isError).toBeFalsy();
    return result.structuredContent as Record<string, unknown>;
  }

  async function finish(fixture: ReliabilityCore, batchId: string): Promise<BatchRecord> {
    const { ctx } = toolContext();
    const status = await fixture.core.service.checkBatchStatus({ batch_id: batchId, wait_seconds: 60 }, ctx);
    expect(status.done).toBe(true);
    expect(status.completed + status.failed + status.cancelled).toBe(status.total);
    const batch = fixture.core.scheduler.get(batchId)!;
    for (const job of batch.jobs) expect(fixture.endings.get(job.id), job.id).toHaveLength(1);
    return batch;
  }

  /** Like until, for a condition that needs a request to tell. */
  async function untilAsync(condition: () => Promise<boolean>, description: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for: ${description}`);
      await new Promise((resolveTimer) => setTimeout(resolveTimer, 20));
    }
  }

  /** A promise the test resolves when it chooses (see the fake's queuePromptsLate). */
  function gate(): { promise: Promise<void>; open: () => void } {
    let open = () => undefined as void;
    const promise = new Promise<void>((resolveGate) => (open = resolveGate));
    return { promise, open };
  }

  function expectNoJobRanTwice(fakes: FakeComfyUI[]): void {
    for (const [jobId, runs] of completedRunsByJob(fakes)) expect(runs, jobId).toBe(1);
  }

  it('a backend killed mid-job: the job goes to the other backend and completes once', async () => {
    const [a, b] = [await fake(20), await fake(20)];
    const fixture = await bridge([a.url, b.url]);
    const { ctx } = toolContext();
    // B's first prompt stays in its queue until B dies, so the kill always lands mid-job, however slow the machine.
    b.hangNext();
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(6, 'killed'), defaults },
      ctx,
    );
    const batch = fixture.core.scheduler.get(accepted.batch_id)!;
    await until(() => b.queueLength > 0, 'a job on B');
    await b.kill();
    await expectResponsive(fixture.client);

    const done = await finish(fixture, accepted.batch_id);
    expect(done.jobs.every((job) => job.state === 'completed')).toBe(true);
    expect(batch.jobs.some((job) => job.attempts > 1)).toBe(true);
    expectNoJobRanTwice([a, b]);
    for (const job of done.jobs) expect(existsSync(job.result!.path)).toBe(true);
  });

  it('the only backend killed, back after many failover periods: queued jobs wait, then all complete once', async () => {
    const a = await fake(5);
    const fixture = await bridge([a.url]);
    const { ctx } = toolContext();
    // The first prompt stays in ComfyUI until the kill, so the kill always finds a job there.
    a.hangNext();
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(4, 'comeback'), defaults },
      ctx,
    );
    await until(() => a.queueLength > 0, 'a job reached ComfyUI');
    await a.kill();
    // The failover deadline is 600 ms here; stay down for many of them, as a backend rebooting for minutes would.
    await until(
      () => /not reachable/.test(fixture.core.pool.snapshot()[0]?.problem ?? ''),
      'backend probed and found unreachable',
    );
    const down = await expectResponsive(fixture.client);
    const backends = down.backends as { reachable: boolean; error?: string }[];
    expect(backends[0]).toMatchObject({ reachable: false });
    expect(backends[0]!.error).toMatch(/not reachable.*Start ComfyUI/);
    await new Promise((resolveTimer) => setTimeout(resolveTimer, 4_000));
    const batch = fixture.core.scheduler.get(accepted.batch_id)!;
    expect(batch.jobs.every((job) => job.state === 'pending' || job.state === 'running')).toBe(true);

    await a.restart();
    const done = await finish(fixture, accepted.batch_id);
    expect(done.jobs.every((job) => job.state === 'completed')).toBe(true);
    expectNoJobRanTwice([a]);
    expect(completedRunsByJob([a]).size).toBe(4);
  });

  it('websockets dropped mid-job, events not replayed: every job completes from /history, none runs twice', async () => {
    const a = await fake(15);
    const fixture = await bridge([a.url]);
    const { ctx } = toolContext();
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(6, 'dropped'), defaults },
      ctx,
    );
    const batch = fixture.core.scheduler.get(accepted.batch_id)!;
    // Drop the socket three times, each while a job is sampling, so its progress and success events are lost.
    for (let drop = 1; drop <= 3; drop++) {
      let sampling = false;
      const onProgress = () => (sampling = true);
      fixture.core.scheduler.on('progress', onProgress);
      await until(() => sampling, `job sampling before drop ${drop}`);
      fixture.core.scheduler.off('progress', onProgress);
      a.dropSockets();
      await until(() => a.socketCount > 0, 'the bridge reconnected');
    }
    const done = await finish(fixture, accepted.batch_id);
    expect(done.jobs.every((job) => job.state === 'completed')).toBe(true);
    expectNoJobRanTwice([a]);
    expect(batch.jobs.every((job) => job.attempts === 1)).toBe(true);
  });

  it('a flapping websocket (dropped as soon as it reconnects) leaves no unhandled rejection and no lost job', async () => {
    // Each reconnect starts a health refresh that fails when the socket is gone again; unhandled, that
    // rejection would end a real bridge process (vitest reports it as an error of this file).
    const a = await fake(5);
    const fixture = await bridge([a.url]);
    const { ctx } = toolContext();
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(3, 'flapping'), defaults },
      ctx,
    );
    for (let flap = 0; flap < 15; flap++) {
      await until(() => a.socketCount > 0, `reconnect ${flap}`);
      // Vary the moment so some drops land while the refresh reads /system_stats and /object_info.
      await new Promise((resolveTimer) => setTimeout(resolveTimer, flap % 8));
      a.dropSockets();
    }
    await expectResponsive(fixture.client);
    const done = await finish(fixture, accepted.batch_id);
    // Named with their errors, so a failure says which job ended how (it failed once in a loaded CI run).
    const unfinished = done.jobs.filter((job) => job.state !== 'completed');
    expect(unfinished.map((job) => ({ id: job.id, state: job.state, error: job.error }))).toEqual([]);
    expectNoJobRanTwice([a]);
  });

  it('a connection flapping past the failover deadline: the recovered backend keeps its run, started once', async () => {
    // The websocket keeps dropping while ComfyUI samples, longer than the 600 ms failover deadline, so the
    // bridge gives up on the backend; ComfyUI itself never stopped. When it is back, the job waiting in our
    // queue takes back the prompt ComfyUI already has instead of queueing the image a second time.
    const a = await fake(250);
    const fixture = await bridge([a.url]);
    const { ctx } = toolContext();
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(1, 'flap past'), defaults },
      ctx,
    );
    const job = fixture.core.scheduler.get(accepted.batch_id)!.jobs[0]!;
    let sampling = false;
    let failedOver = false;
    fixture.core.scheduler.on('progress', () => (sampling = true));
    fixture.core.scheduler.on('job', (changed: { id: string; state: string }) => {
      if (changed.id === job.id && changed.state === 'pending' && sampling) failedOver = true;
    });
    await until(() => sampling, 'job sampling');
    // Every reconnect is cut at once, before the health refresh can call the backend available again; bounded in
    // time, not in turns (a quiet machine runs 200,000 turns in less than the failover deadline).
    for (const deadline = Date.now() + 20_000; !failedOver && Date.now() < deadline;) {
      if (a.socketCount > 0) a.dropSockets();
      await new Promise((resolveTurn) => setImmediate(resolveTurn));
    }
    expect(failedOver).toBe(true);

    const done = await finish(fixture, accepted.batch_id);
    expect(done.jobs[0]!.state).toBe('completed');
    expect(a.submitted.filter((prompt) => prompt.promptId.startsWith(`${job.id}-`))).toHaveLength(1);
    expect(job.attempts).toBe(1);
    expectNoJobRanTwice([a]);
  });

  it('a slow /view still delivers; a /view failing twice is retried; one that keeps failing fails after 4 tries', async () => {
    const a = await fake(2);
    const fixture = await bridge([a.url]);
    const { ctx } = toolContext();

    a.setViewBehaviour({ delayMs: 1_500 });
    const slow = await fixture.core.service.batchGenerateImages(
      { items: items(2, 'slow view'), defaults },
      ctx,
    );
    await expectResponsive(fixture.client);
    const slowDone = await finish(fixture, slow.batch_id);
    expect(slowDone.jobs.map((job) => job.state)).toEqual(['completed', 'completed']);

    // A transient 500: the image is on ComfyUI's disk, so the download is tried again after a short pause.
    a.setViewBehaviour({ fail: 500, failTimes: 2 });
    let viewsBefore = a.viewRequests;
    const flaky = await fixture.core.service.batchGenerateImages(
      { items: items(1, 'flaky view'), defaults },
      ctx,
    );
    const flakyDone = await finish(fixture, flaky.batch_id);
    expect(flakyDone.jobs[0]!.state).toBe('completed');
    expect(existsSync(flakyDone.jobs[0]!.result!.path)).toBe(true);
    expect(a.viewRequests - viewsBefore).toBe(3);

    a.setViewBehaviour({ fail: 500 });
    viewsBefore = a.viewRequests;
    const failing = await fixture.core.service.batchGenerateImages(
      { items: items(2, 'failing view'), defaults },
      ctx,
    );
    const failedDone = await finish(fixture, failing.batch_id);
    for (const job of failedDone.jobs) {
      expect(job.state).toBe('failed');
      expect(job.error?.message).toMatch(
        /^Gave up after 4 attempts: ComfyUI at .* answered GET \/view.*HTTP 500/,
      );
      expect(existsSync(job.spec.savePath)).toBe(false);
    }
    expect(a.viewRequests - viewsBefore).toBe(2 * 4);

    // A 404 will not change by asking again: one request, and the job fails with ComfyUI's answer.
    a.setViewBehaviour({ fail: 404 });
    viewsBefore = a.viewRequests;
    const missing = await fixture.core.service.batchGenerateImages(
      { items: items(1, 'missing view'), defaults },
      ctx,
    );
    const missingDone = await finish(fixture, missing.batch_id);
    expect(missingDone.jobs[0]!.state).toBe('failed');
    expect(missingDone.jobs[0]!.error?.message).toMatch(/^ComfyUI at .* answered GET \/view.*HTTP 404/);
    expect(a.viewRequests - viewsBefore).toBe(1);

    a.setViewBehaviour({});
    const after = await fixture.core.service.generateImage({ prompt: 'after the fault', ...defaults }, ctx);
    expect(after.status).toBe('completed');
    expectNoJobRanTwice([a]);
  });

  it('a POST /prompt answered after the bridge gave up, the prompt already queued: the job follows it, run once', async () => {
    // ComfyUI queues a prompt before it answers. The answer comes after the 1 s request timeout, so the bridge
    // must find the prompt there rather than queue the image a second time.
    const a = await fake(20);
    const fixture = await bridge([a.url], { comfyRequestTimeoutMs: 1_000 });
    const { ctx } = toolContext();
    a.answerPromptsLate(3_000);
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(1, 'late answer'), defaults },
      ctx,
    );
    const job = fixture.core.scheduler.get(accepted.batch_id)!.jobs[0]!;
    const done = await finish(fixture, accepted.batch_id);
    expect(done.jobs[0]!.state).toBe('completed');
    expect(a.submitted.filter((prompt) => prompt.promptId.startsWith(`${job.id}-`))).toHaveLength(1);
    expect(job.attempts).toBe(1);
    expect(completedRunsByJob([a]).get(job.id)).toBe(1);
  });

  it('a POST /prompt queued only after the bridge gave up and looked: the late prompt is interrupted, the job runs once elsewhere', async () => {
    // A slow handler: ComfyUI A queues the prompt 2.5 s after the request, long after the bridge's 1 s timeout
    // and its look into A's queue. The job is dispatched again (to B, the less used backend); when A's late
    // copy starts, the bridge interrupts it.
    const [a, b] = [await fake(50), await fake(20)];
    const fixture = await bridge([a.url, b.url], { comfyRequestTimeoutMs: 1_000 });
    await until(() => fixture.core.pool.snapshot().every((backend) => backend.available), 'both available');
    const { ctx } = toolContext();
    // A queues the prompt only once the bridge has looked and sent the job again, however long that takes.
    const looked = gate();
    a.queuePromptsLate(looked.promise);
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(1, 'late queue'), defaults },
      ctx,
    );
    const job = fixture.core.scheduler.get(accepted.batch_id)!.jobs[0]!;
    await until(() => job.attempts === 2, 'the job dispatched again');
    looked.open();
    const done = await finish(fixture, accepted.batch_id);
    expect(done.jobs[0]!.state).toBe('completed');
    expect(job.attempts).toBe(2);
    expect(b.executions.get(`${job.id}-2`)).toBe(1);
    await until(
      () => a.submitted.some((prompt) => prompt.promptId === `${job.id}-1`) && a.queueLength === 0,
      'the late prompt reached A and left its queue',
    );
    expect(a.executions.get(`${job.id}-1`)).toBeUndefined();
    expectNoJobRanTwice([a, b]);
  });

  it('a POST /prompt queued late while the websocket was down: when the backend is back, the late prompt is interrupted', async () => {
    // As above, but A's websocket is cut from before the late prompt arrives until it runs, so the bridge never
    // hears it start. When A is back, the bridge looks in A's queue for the prompt ids it gave up on.
    const [a, b] = [await fake(200), await fake(20)];
    const fixture = await bridge([a.url, b.url], { comfyRequestTimeoutMs: 1_000 });
    await until(() => fixture.core.pool.snapshot().every((backend) => backend.available), 'both available');
    const { ctx } = toolContext();
    const looked = gate();
    a.queuePromptsLate(looked.promise);
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(1, 'late queue, socket down'), defaults },
      ctx,
    );
    const job = fixture.core.scheduler.get(accepted.batch_id)!.jobs[0]!;
    const lateId = `${job.id}-1`;
    await until(() => job.attempts === 2, 'the job dispatched again');
    // A's websocket is down and stays down (connections refused) from before A queues the late prompt until A
    // runs it, so the bridge cannot hear it start; then A is back. Conditions, not times, keep this order under load.
    a.refuseSockets(true);
    a.dropSockets();
    looked.open();
    await untilAsync(async () => {
      const queue = (await (await fetch(`${a.url}/queue`)).json()) as { queue_running: unknown[][] };
      return queue.queue_running.some((entry) => entry[1] === lateId);
    }, 'the late prompt runs on A while its websocket is down');
    expect(a.socketCount).toBe(0);
    a.refuseSockets(false);

    const done = await finish(fixture, accepted.batch_id);
    expect(done.jobs[0]!.state).toBe('completed');
    expect(b.executions.get(`${job.id}-2`)).toBe(1);
    await until(() => a.queueLength === 0, 'the late prompt left A');
    expect(a.executions.get(lateId)).toBeUndefined();
    expectNoJobRanTwice([a, b]);
  });

  it.each([
    {
      what: 'POST /prompt answering 500 once: the job is dispatched again after a pause and runs once',
      failure: { status: 500 },
      attempts: 2,
    },
    {
      what: 'POST /prompt answering 502 after ComfyUI queued the prompt: the job follows the queued prompt, run once',
      failure: { status: 502, queued: true },
      attempts: 1,
    },
  ])('$what', async ({ failure, attempts }) => {
    const a = await fake(2);
    const fixture = await bridge([a.url]);
    const { ctx } = toolContext();
    a.failPromptPosts(1, failure);
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(1, `prompt ${failure.status}`), defaults },
      ctx,
    );
    const job = fixture.core.scheduler.get(accepted.batch_id)!.jobs[0]!;
    const done = await finish(fixture, accepted.batch_id);
    expect(done.jobs[0]!.state).toBe('completed');
    expect(job.attempts).toBe(attempts);
    expect(a.submitted.filter((prompt) => prompt.promptId.startsWith(`${job.id}-`))).toHaveLength(1);
    expect(completedRunsByJob([a]).get(job.id)).toBe(1);
  });

  it('POST /prompt answering 500 every time: the job fails after 3 attempts with ComfyUI’s answer', async () => {
    const a = await fake(2);
    const fixture = await bridge([a.url]);
    const { ctx } = toolContext();
    a.failPromptPosts(3, { status: 500 });
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(1, 'prompt always 500'), defaults },
      ctx,
    );
    const done = await finish(fixture, accepted.batch_id);
    expect(done.jobs[0]).toMatchObject({ state: 'failed', attempts: 3 });
    expect(done.jobs[0]!.error!.message).toMatch(
      /^Gave up after 3 attempts: ComfyUI at .* answered POST \/prompt with HTTP 500.*console for details\.$/s,
    );
    expect(a.submitted).toHaveLength(0);
    const next = await fixture.core.service.generateImage({ prompt: 'after the 500s', ...defaults }, ctx);
    expect(next.status).toBe('completed');
  });

  it('POST /prompt refused with 400: final at once, no retry, ComfyUI’s node_errors intact', async () => {
    const a = await fake(2);
    const fixture = await bridge([a.url]);
    const { ctx } = toolContext();
    await until(() => fixture.core.pool.snapshot()[0]?.available === true, 'backend available');
    // The bridge checked the checkpoint against the node list it read at connect time; ComfyUI lost it since.
    a.setModels({ checkpoints: [] });
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(1, 'refused'), defaults },
      ctx,
    );
    const done = await finish(fixture, accepted.batch_id);
    const job = done.jobs[0]!;
    expect(job).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'comfyui_rejected' } });
    expect(job.error!.message).toMatch(/ComfyUI rejected the workflow: .*v1-5-pruned-emaonly-fp16/);
    const { nodeErrors } = job.error!.details as { nodeErrors: Record<string, { class_type: string }> };
    expect(Object.values(nodeErrors).map((error) => error.class_type)).toEqual(['CheckpointLoaderSimple']);
    expect(a.submitted).toHaveLength(0);
  });

  it('500s and malformed JSON: each job fails with ComfyUI’s answer or waits for the backend to recover', async () => {
    const a = await fake(2);
    const fixture = await bridge([a.url]);
    const { ctx } = toolContext();
    await until(() => fixture.core.pool.snapshot()[0]?.available === true, 'backend available');

    a.setMalformed(true);
    const broken = await fixture.core.service.batchGenerateImages(
      { items: items(3, 'malformed'), defaults },
      ctx,
    );
    const status = await expectResponsive(fixture.client);
    expect(status.backends).toHaveLength(1);
    await until(
      () => fixture.core.pool.snapshot()[0]?.available === false,
      'malformed health answers mark the backend unavailable',
    );
    // A job dispatched before that fails on the 500; the others wait for a healthy backend instead of failing.
    a.setMalformed(false);
    const brokenDone = await finish(fixture, broken.batch_id);
    for (const job of brokenDone.jobs) {
      if (job.state === 'failed') {
        expect(job.error?.message).toMatch(/ComfyUI at .* answered POST \/prompt with HTTP 500/);
        expect(existsSync(job.spec.savePath)).toBe(false);
      } else {
        expect(job.state).toBe('completed');
        expect(existsSync(job.result!.path)).toBe(true);
      }
    }

    const healthy = await fixture.core.service.batchGenerateImages(
      { items: items(3, 'healthy'), defaults },
      ctx,
    );
    const healthyDone = await finish(fixture, healthy.batch_id);
    expect(healthyDone.jobs.every((job) => job.state === 'completed')).toBe(true);
    expectNoJobRanTwice([a]);
  });

  it('a malformed image from /view fails the job with a message naming ComfyUI, not a decoder error', async () => {
    const a = await fake(2);
    const fixture = await bridge([a.url]);
    const { ctx } = toolContext();
    fixture.core.scheduler.once('progress', () => a.setMalformed(true));
    const accepted = await fixture.core.service.batchGenerateImages(
      { items: items(1, 'garbled'), defaults },
      ctx,
    );
    // From the first sampler step on, every GET answers a broken JSON body instead of the PNG. The switch is made
    // inside the bridge's own progress event, so it always comes before the download (polling could miss a run
    // that takes 40 ms).
    const done = await finish(fixture, accepted.batch_id);
    const job = done.jobs[0]!;
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'unreadable_image' });
    expect(job.error?.message).toMatch(/The image ComfyUI at .* returned could not be processed/);
    expect(existsSync(job.spec.savePath)).toBe(false);
  });

  it('a backend that accepts a prompt and never finishes: the job times out, is interrupted, and the next runs', async () => {
    const a = await fake(2);
    // The next job must finish within the same timeout, on a loaded machine too: 1.5 s was missed in 1 of 6 runs.
    const fixture = await bridge([a.url], { jobTimeoutMs: 6_000 });
    const { ctx } = toolContext();
    a.hangNext();
    const hung = await fixture.core.service.batchGenerateImages({ items: items(1, 'hangs'), defaults }, ctx);
    await expectResponsive(fixture.client);
    const hungDone = await finish(fixture, hung.batch_id);
    expect(hungDone.jobs[0]).toMatchObject({ state: 'failed', error: { code: 'timeout' } });
    expect(hungDone.jobs[0]!.error!.message).toMatch(
      /did not finish this image within 6 s; it was interrupted/,
    );
    await until(() => a.queueLength === 0, 'the hung run was interrupted in ComfyUI');

    const next = await fixture.core.service.generateImage({ prompt: 'after the hang', ...defaults }, ctx);
    expect(next.status).toBe('completed');
    const meta = await sharp(next.images[0]!.path).metadata();
    expect([meta.width, meta.height]).toEqual([64, 64]);
  });
});
