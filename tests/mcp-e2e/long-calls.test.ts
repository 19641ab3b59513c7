// One file: the long-poll and retry cases share one core and fake ComfyUI set up once, and the notification-gap
// helpers at the top.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HEARTBEAT_MS } from '../../electron/bridge/progress.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { removeDirs, startSd15Fake, startTestCore, until, type CoreFixture } from '../core/harness.js';
import { connect, type E2eClient, type Era, type Progress } from './clients.js';

/*
 * Long calls over real HTTP, as the clients that cut them see them: a long-poll must never be silent for
 * 10 s (Claude Code closes a call silent for 60 s; progress resets that clock), and a client that gives up
 * on a call and sends it again with the same idempotency_key gets the same batch, run once by ComfyUI.
 * The core's heartbeat is 200 ms here (tests/core/harness.ts), so the test does not wait 10 s for real;
 * tests/interop/mcp-remote.test.ts holds a job past 10 s with the built `serve`'s real 5 s heartbeat.
 */

const size = { workflow: 'sd15', width: 64, height: 64 };
const maxSilenceMs = 10_000;

interface Heard extends Progress {
  at: number;
}

/** Every notification of one call, with the moment it arrived. */
function recorder() {
  const heard: Heard[] = [];
  return { heard, onprogress: (update: Progress) => heard.push({ ...update, at: Date.now() }) };
}

/** The longest time the call went without a notification: from its start, between them, and to its end. */
function longestSilence(startedAt: number, heard: readonly Heard[], endedAt: number): number {
  const moments = [startedAt, ...heard.map((update) => update.at), endedAt];
  return Math.max(...moments.slice(1).map((moment, index) => moment - moments[index]!));
}

/** Prompts ComfyUI accepted for a batch's jobs (prompt ids are `<job id>-<attempt>`). */
function promptsOf(fixture: CoreFixture, fake: FakeComfyUI, batchId: string): string[] {
  const jobIds = fixture.core.scheduler.get(batchId)!.jobs.map((job) => job.id);
  return fake.submitted
    .map((prompt) => prompt.promptId)
    .filter((promptId) => jobIds.some((jobId) => promptId.startsWith(`${jobId}-`)));
}

it('heartbeats by default at least every 10 s', () => {
  expect(DEFAULT_HEARTBEAT_MS).toBeLessThanOrEqual(maxSilenceMs);
});

describe.each(['2025', '2026'] as Era[])('%s-era client over HTTP', (era) => {
  let fake: FakeComfyUI;
  let fixture: CoreFixture;
  let project: string;
  let client: E2eClient | undefined;
  let tag = 0;

  beforeAll(async () => {
    fake = await startSd15Fake(2);
    fixture = await startTestCore({ urls: [fake.url] });
    project = mkdtempSync(join(tmpdir(), 'bridge-project-'));
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    fake.setStepMs(2);
    fake.holdSampling(false);
    fixture.core.scheduler.setPaused(false);
  });
  afterAll(async () => {
    await fixture.core.stop();
    await fake.close();
    removeDirs(fixture.dataDir, fixture.outputDir, project);
  });

  const open = async () => {
    client = await connect(era, 'http', {
      mcpUrl: fixture.core.mcpUrl,
      roots: [project],
      token: fixture.core.settings.get().mcpToken,
    });
    return client;
  };
  const unique = (what: string) => `${what} ${era} ${++tag}`;

  it('a long-polling check_batch_status reports counts and steps, never silent for 10 s', async () => {
    const agent = await open();
    fake.setStepMs(40);
    const accepted = await agent.call('batch_generate_images', {
      items: [{ prompt: unique('a slow dawn') }, { prompt: unique('a slow dusk') }],
      defaults: size,
    });
    const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;

    const { heard, onprogress } = recorder();
    const startedAt = Date.now();
    const status = await agent.call(
      'check_batch_status',
      { batch_id: batchId, wait_seconds: 60 },
      { onprogress },
    );
    const endedAt = Date.now();

    expect(status.structuredContent).toMatchObject({ done: true, completed: 2 });
    expect(heard.length).toBeGreaterThanOrEqual(2);
    expect(longestSilence(startedAt, heard, endedAt)).toBeLessThan(maxSilenceMs);
    expect(heard.every((update) => update.total === 2)).toBe(true);
    for (let i = 1; i < heard.length; i++) expect(heard[i]!.progress).toBeGreaterThan(heard[i - 1]!.progress);
    const messages = heard.map((update) => update.message ?? '');
    expect(messages.some((message) => /item \d: step \d+\/20/.test(message))).toBe(true);
    expect(messages.some((message) => message.startsWith('1/2 done'))).toBe(true);
  });

  it('a long-poll on a batch that does not move still sends heartbeats', async () => {
    const agent = await open();
    fixture.core.scheduler.setPaused(true);
    const accepted = await agent.call('batch_generate_images', {
      items: [{ prompt: unique('held') }, { prompt: unique('held too') }],
      defaults: size,
    });
    const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;

    const { heard, onprogress } = recorder();
    const controller = new AbortController();
    const call = agent.call(
      'check_batch_status',
      { batch_id: batchId, wait_seconds: 300 },
      { onprogress, signal: controller.signal },
    );
    call.catch(() => undefined);
    await until(() => heard.length >= 4, 'four notifications while nothing changes');
    controller.abort(new Error('enough heard'));
    await expect(call).rejects.toThrow();

    expect(heard.every((update) => update.message === '0/2 done, 2 waiting')).toBe(true);
    for (let i = 1; i < heard.length; i++) expect(heard[i]!.progress).toBeGreaterThan(heard[i - 1]!.progress);
    await agent.call('cancel_batch', { batch_id: batchId });
  });

  it('a generate_image wait on a job ComfyUI holds running is never silent for 10 s', async () => {
    const agent = await open();
    fake.holdSampling(true);
    const { heard, onprogress } = recorder();
    const startedAt = Date.now();
    const call = agent.call(
      'generate_image',
      { prompt: unique('held mid-run'), wait_seconds: 60, ...size },
      { onprogress },
    );
    call.catch(() => undefined);
    await until(
      () => heard.filter((update) => update.message === 'step 1/20').length >= 4,
      'four notifications while ComfyUI holds the job at its first step',
    );
    fake.holdSampling(false);
    const result = await call;
    const endedAt = Date.now();

    expect(result.structuredContent, JSON.stringify(result.content)).toMatchObject({ status: 'completed' });
    expect(longestSilence(startedAt, heard, endedAt)).toBeLessThan(maxSilenceMs);
    // The 2026 client reports its own `input_required` round (for the roots) before the bridge's progress.
    const bridge = heard.filter((update) => !update.message?.startsWith('Fulfilling input required'));
    for (let i = 1; i < bridge.length; i++)
      expect(bridge[i]!.progress).toBeGreaterThan(bridge[i - 1]!.progress);
  });

  it('a check_batch_status long-poll on a batch ComfyUI holds running is never silent for 10 s', async () => {
    const agent = await open();
    fake.holdSampling(true);
    const accepted = await agent.call('batch_generate_images', {
      items: [{ prompt: unique('held dawn') }, { prompt: unique('held dusk') }],
      defaults: size,
    });
    const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;

    const { heard, onprogress } = recorder();
    const startedAt = Date.now();
    const call = agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 60 }, { onprogress });
    call.catch(() => undefined);
    await until(
      () => heard.filter((update) => /item \d: step 1\/20\b/.test(update.message ?? '')).length >= 4,
      'four notifications while ComfyUI holds the first item at its first step',
    );
    fake.holdSampling(false);
    const status = await call;
    const endedAt = Date.now();

    expect(status.structuredContent).toMatchObject({ done: true, completed: 2 });
    expect(longestSilence(startedAt, heard, endedAt)).toBeLessThan(maxSilenceMs);
    for (let i = 1; i < heard.length; i++) expect(heard[i]!.progress).toBeGreaterThan(heard[i - 1]!.progress);
  });

  it('a retried generate_image with the same idempotency_key gets the same batch; ComfyUI sees one prompt', async () => {
    const agent = await open();
    fake.setStepMs(30);
    const args = {
      prompt: unique('a lighthouse'),
      save_path: `retried-${era}.png`,
      idempotency_key: unique('key'),
      ...size,
    };
    const first = await agent.call('generate_image', { ...args, wait_seconds: 0 });
    expect(first.structuredContent).toMatchObject({ status: 'running' });
    const batchId = (first.structuredContent as { batch_id: string }).batch_id;

    const retry = await agent.call('generate_image', { ...args, wait_seconds: 60 });
    expect(retry.isError, JSON.stringify(retry.content)).toBeFalsy();
    expect(retry.structuredContent).toMatchObject({
      status: 'completed',
      batch_id: batchId,
      images: [{ path: join(project, `retried-${era}.png`) }],
    });
    // Once the file exists, the same call still answers with the batch, not with "already exists".
    const late = await agent.call('generate_image', args);
    expect(late.structuredContent).toMatchObject({ status: 'completed', batch_id: batchId });
    expect(promptsOf(fixture, fake, batchId)).toHaveLength(1);
  });

  it('a call cancelled by the client (its own time-out) leaves keyed work running for the retry', async () => {
    const agent = await open();
    fake.setStepMs(30);
    const args = { prompt: unique('a harbour'), idempotency_key: unique('key'), ...size };
    const submittedBefore = fake.submitted.length;
    const controller = new AbortController();
    let sampling = false;
    const first = agent.call('generate_image', args, {
      signal: controller.signal,
      onprogress: (update) => (sampling ||= /^step /.test(update.message ?? '')),
    });
    first.catch(() => undefined);
    await until(() => sampling, 'ComfyUI sampling the prompt');
    controller.abort(new Error('the client timed out'));
    await expect(first).rejects.toThrow();

    const retry = await agent.call('generate_image', { ...args, wait_seconds: 60 });
    expect(retry.structuredContent).toMatchObject({ status: 'completed' });
    const batchId = (retry.structuredContent as { batch_id: string }).batch_id;
    expect(fake.submitted.length - submittedBefore).toBe(1);
    expect(fake.executions.get(promptsOf(fixture, fake, batchId)[0]!)).toBe(1);
  });

  it('the same idempotency_key with other arguments is refused as idempotency_conflict', async () => {
    const agent = await open();
    const key = unique('key');
    const first = await agent.call('batch_generate_images', {
      items: [{ prompt: unique('one') }],
      defaults: size,
      idempotency_key: key,
    });
    const batchId = (first.structuredContent as { batch_id: string }).batch_id;

    const other = await agent.call('batch_generate_images', {
      items: [{ prompt: unique('another') }],
      defaults: size,
      idempotency_key: key,
    });
    expect(other.isError).toBe(true);
    expect(other.structuredContent).toMatchObject({
      error: { code: 'idempotency_conflict', details: { batch_id: batchId } },
    });
    expect((other.structuredContent as { error: { message: string } }).error.message).toContain(key);

    // A key names one request whatever the tool: generate_image may not reuse it either.
    const generate = await agent.call('generate_image', { prompt: 'one', idempotency_key: key, ...size });
    expect(generate.structuredContent).toMatchObject({ error: { code: 'idempotency_conflict' } });
  });
});

describe('idempotency keys across a restart', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('concurrent and later retries of batch_generate_images get one batch, also after the bridge restarts', async () => {
    const fake = await startSd15Fake(2);
    const dataDir = mkdtempSync(join(tmpdir(), 'bridge-data-'));
    const outputDir = mkdtempSync(join(tmpdir(), 'bridge-out-'));
    cleanups.push(
      () => fake.close(),
      () => removeDirs(dataDir, outputDir),
    );
    const args = {
      items: [{ prompt: 'a mill' }, { prompt: 'a bridge' }, { prompt: 'a barn' }],
      defaults: size,
      idempotency_key: 'restart-key',
    };

    const first = await startTestCore({ urls: [fake.url], dataDir, outputDir });
    let agent = await connect('2026', 'http', {
      mcpUrl: first.core.mcpUrl,
      token: first.core.settings.get().mcpToken,
    });
    // Two sends of one call at the same moment (a client that retried before the first answer came).
    const [a, b] = await Promise.all([
      agent.call('batch_generate_images', args),
      agent.call('batch_generate_images', args),
    ]);
    const batchId = (a.structuredContent as { batch_id: string }).batch_id;
    expect(b.structuredContent).toEqual({ batch_id: batchId, total: 3 });
    const done = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 60 });
    expect(done.structuredContent).toMatchObject({ done: true, completed: 3 });
    expect(promptsOf(first, fake, batchId)).toHaveLength(3);
    await agent.close();
    await first.core.stop();

    const second = await startTestCore({ urls: [fake.url], dataDir, outputDir });
    cleanups.push(() => second.core.stop());
    agent = await connect('2026', 'http', {
      mcpUrl: second.core.mcpUrl,
      token: second.core.settings.get().mcpToken,
    });
    cleanups.push(() => agent.close());
    const again = await agent.call('batch_generate_images', args);
    expect(again.structuredContent).toEqual({ batch_id: batchId, total: 3 });
    expect(fake.submitted).toHaveLength(3);
  });
});
