import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComfyClient } from '../../electron/comfy/client.js';
import {
  ComfyClosedError,
  ComfyHttpError,
  ComfyProtocolError,
  ComfyUnreachableError,
} from '../../electron/comfy/errors.js';
import { comboOptions, inputSpec } from '../../electron/workflows/object-info.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { closedPort, expectSuccess, newPromptId, nextEvent, slowGraph } from './client-suite.js';

/** Behaviour only a fake can provoke on demand: crashes, hangs, timeouts and broken answers. */
describe('ComfyClient against failure modes of the fake ComfyUI', () => {
  let fake: FakeComfyUI;
  let client: ComfyClient;

  beforeEach(async () => {
    fake = await startFakeComfyUI({ stepMs: 20 });
    client = new ComfyClient({ baseUrl: fake.url, reconnectDelayMs: 20, requestTimeoutMs: 2000 });
    await client.connect();
  });

  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  it('notices a killed backend, and after its restart resolves the prompt it lost as lost', async () => {
    const promptId = newPromptId();
    const firstStep = nextEvent(client, 'progress', (e) => e.promptId === promptId);
    await client.submit(slowGraph({ steps: 100 }), { promptId });
    await firstStep;
    const down = nextEvent(client, 'connection', (e) => !e.connected);
    await fake.kill();
    await down;
    expect(client.connected).toBe(false);

    const result = client.waitFor(promptId);
    await fake.restart();
    expect(await result).toEqual({ status: 'lost' });
    expect(client.connected).toBe(true);
    expect(fake.executions.get(promptId)).toBeUndefined();
  });

  it('keeps waiting on a prompt that never finishes while it stays in the queue', async () => {
    fake.hangNext();
    const stuck = newPromptId();
    const next = newPromptId();
    const started = nextEvent(client, 'started', (e) => e.promptId === stuck);
    await client.submit(slowGraph({}), { promptId: stuck });
    await client.submit(slowGraph({}), { promptId: next });
    await started;

    const abort = new AbortController();
    const waiting = client.waitFor(stuck, { signal: abort.signal });
    const queue = await client.queue();
    expect(queue.running.map((e) => e.promptId)).toEqual([stuck]);
    expect(queue.pending.map((e) => e.promptId)).toEqual([next]);
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });

    await client.interrupt();
    expect(await client.waitFor(stuck)).toEqual({ status: 'interrupted' });
    expectSuccess(await client.waitFor(next));
  });

  it('times out an HTTP call that never gets an answer', async () => {
    const impatient = new ComfyClient({ baseUrl: fake.url, requestTimeoutMs: 200 });
    fake.setHangingPaths(['/queue']);
    const error = await impatient.queue().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyUnreachableError);
    expect((error as Error).message).toContain('no answer to GET /queue within 200 ms');
    expect((error as Error).message).toContain('Start ComfyUI');
    await impatient.close();
  });

  it('reports an unreachable server with what to do next', async () => {
    const nobody = new ComfyClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const connectError = await nobody.connect().catch((e: unknown) => e);
    expect(connectError).toBeInstanceOf(ComfyUnreachableError);
    expect((connectError as Error).message).toMatch(/ECONNREFUSED.*127\.0\.0\.1:8000/s);
    await expect(nobody.systemStats()).rejects.toBeInstanceOf(ComfyUnreachableError);
    await nobody.close();
  });

  it('maps malformed answers and 500s to typed errors', async () => {
    fake.setMalformed(true);
    await expect(client.systemStats()).rejects.toBeInstanceOf(ComfyProtocolError);
    const error = await client.submit(slowGraph({}), { promptId: newPromptId() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyHttpError);
    expect((error as ComfyHttpError).status).toBe(500);
    expect((error as ComfyHttpError).body).toContain('Server got itself in trouble');
  });

  it('reports /view failures with their status', async () => {
    const promptId = newPromptId();
    await client.submit(slowGraph({}), { promptId });
    const image = expectSuccess(await client.waitFor(promptId)).outputs['3']!.images![0]!;
    fake.setViewBehaviour({ fail: 404 });
    await expect(client.view(image)).rejects.toMatchObject({ name: 'ComfyHttpError', status: 404 });
  });

  it('resolves from the queue and history a prompt it did not submit', async () => {
    const other = new ComfyClient({ baseUrl: fake.url, pollIntervalMs: 50 });
    const promptId = newPromptId();
    await client.submit(slowGraph({ steps: 10 }), { promptId });
    // Another client id: the events go to the submitting socket, so this one must poll.
    expectSuccess(await other.waitFor(promptId));
    await other.close();
  });

  it('decodes /object_info again only when its answer changed: the same answer gives back the same list', async () => {
    const reads = fake.objectInfoRequests;
    const first = await client.objectInfo();
    const again = await client.objectInfo();
    expect(fake.objectInfoRequests).toBe(reads + 2); // read each time, not served from memory
    expect(again).toBe(first);

    fake.setModels({ checkpoints: ['added.safetensors'] });
    const changed = await client.objectInfo();
    expect(changed).not.toBe(first);
    expect(comboOptions(inputSpec(changed, 'CheckpointLoaderSimple', 'ckpt_name')!)).toEqual([
      'added.safetensors',
    ]);
  });

  it('fails pending waits when closed', async () => {
    fake.hangNext();
    const promptId = newPromptId();
    await client.submit(slowGraph({}), { promptId });
    const waiting = client.waitFor(promptId);
    await client.close();
    await expect(waiting).rejects.toBeInstanceOf(ComfyClosedError);
  });

  it('runs a failure injected by the fake as an error result with the reason', async () => {
    fake.failNext(1, 'CUDA out of memory');
    const promptId = newPromptId();
    await client.submit(slowGraph({}), { promptId });
    const result = await client.waitFor(promptId);
    expect(result).toMatchObject({ status: 'error', error: { exceptionMessage: 'CUDA out of memory\n' } });
  });
});
