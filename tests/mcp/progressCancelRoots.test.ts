import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { ToolContext } from '../../electron/mcp/service.js';
import { connect, createFakeService, eras, startBridge } from './harness.js';
import type { Bridge, TestClient } from './harness.js';

let bridge: Bridge | undefined;
let client: TestClient | undefined;
afterEach(async () => {
  await client?.close();
  await bridge?.close();
  client = undefined;
  bridge = undefined;
});

let projectA: string;
let projectB: string;
beforeAll(async () => {
  projectA = await mkdtemp(join(tmpdir(), 'bridge-root-a-'));
  projectB = await mkdtemp(join(tmpdir(), 'bridge-root-b-'));
});
afterAll(async () => {
  await rm(projectA, { recursive: true, force: true });
  await rm(projectB, { recursive: true, force: true });
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

const completed = { status: 'completed' as const, batch_id: 'b', images: [] };

describe.each(eras)('%s-era client', (era) => {
  it('receives the progress the service reports, in order', async () => {
    const fake = createFakeService({
      generateImage: (_args, ctx) => {
        ctx.progress({ progress: 0, total: 20, message: 'queued (position 2)' });
        ctx.progress({ progress: 10, total: 20, message: 'step 10/20' });
        ctx.progress({ progress: 10, total: 20, message: 'still working' });
        ctx.progress({ progress: 20, total: 20, message: 'saving' });
        return Promise.resolve(completed);
      },
    });
    bridge = await startBridge(fake.service);
    client = await connect(era, bridge.url);
    const received: { progress: number; total?: number; message?: string }[] = [];
    await client.callTool(
      'generate_image',
      { prompt: 'x' },
      { onprogress: (update) => received.push(update) },
    );

    const ours = received.filter((update) => update.total === 20);
    expect(ours.map((update) => update.message)).toEqual([
      'queued (position 2)',
      'step 10/20',
      'still working',
      'saving',
    ]);
    // A repeated value (heartbeat) still arrives as a strictly increasing one, as MCP requires.
    const values = ours.map((update) => update.progress);
    expect(values[0]).toBe(0);
    expect(values[3]).toBe(20);
    for (let i = 1; i < values.length; i += 1) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
  });

  it('gives the service a no-op progress function when the client asked for none', async () => {
    let sent = false;
    const fake = createFakeService({
      checkBatchStatus: (args, ctx) => {
        ctx.progress({ progress: 1 });
        sent = true;
        return createFakeService().service.checkBatchStatus(args, ctx);
      },
    });
    bridge = await startBridge(fake.service);
    client = await connect(era, bridge.url);
    const result = await client.callTool('check_batch_status', { batch_id: 'b' });
    expect(sent).toBe(true);
    expect(result.isError).toBeFalsy();
  });

  it('aborts ctx.signal when the client cancels the call', async () => {
    const started = deferred<ToolContext>();
    const aborted = deferred<unknown>();
    const fake = createFakeService({
      generateImage: (_args, ctx) => {
        ctx.signal.addEventListener('abort', () => aborted.resolve(ctx.signal.reason));
        started.resolve(ctx);
        return new Promise(() => undefined);
      },
    });
    bridge = await startBridge(fake.service);
    client = await connect(era, bridge.url);
    const controller = new AbortController();
    const call = client.callTool('generate_image', { prompt: 'x' }, { signal: controller.signal });
    call.catch(() => undefined);

    const ctx = await started.promise;
    expect(ctx.signal.aborted).toBe(false);
    controller.abort(new Error('user pressed stop'));
    await aborted.promise;
    expect(ctx.signal.aborted).toBe(true);
    await expect(call).rejects.toThrow();
  });

  it("hands the client's roots to the service as absolute directories", async () => {
    const fake = createFakeService();
    bridge = await startBridge(fake.service);
    client = await connect(era, bridge.url, { roots: [projectA, projectB] });

    const result = await client.callTool('generate_image', { prompt: 'x', save_path: 'public/hero.png' });
    expect(result.isError).toBeFalsy();
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.ctx.roots).toEqual([projectA, projectB]);
    expect(client.rootsRequests()).toBeGreaterThanOrEqual(1);

    await client.callTool('convert_image', { paths: ['a.png'] });
    expect(fake.calls[1]!.ctx.roots).toEqual([projectA, projectB]);
  });

  it('does not ask for roots on calls that touch no paths', async () => {
    const fake = createFakeService();
    bridge = await startBridge(fake.service);
    client = await connect(era, bridge.url, { roots: [projectA] });
    await client.callTool('check_batch_status', { batch_id: 'b' });
    await client.callTool('check_comfyui_status', {});
    expect(client.rootsRequests()).toBe(0);
    expect(fake.calls.map((call) => call.ctx.roots)).toEqual([[], []]);
  });

  it('gives empty roots when the client declares no roots support', async () => {
    const fake = createFakeService();
    bridge = await startBridge(fake.service);
    client = await connect(era, bridge.url);
    const result = await client.callTool('generate_image', { prompt: 'x', save_path: 'a.png' });
    expect(result.isError).toBeFalsy();
    expect(fake.calls[0]!.ctx.roots).toEqual([]);
    expect(fake.calls[0]!.ctx.cwd).toBeUndefined();
  });
});

describe('the stdio shim working directory', () => {
  it('reaches the service as ctx.cwd when the factory was given one', async () => {
    const fake = createFakeService();
    bridge = await startBridge(fake.service, { cwd: projectA });
    client = await connect('2026', bridge.url);
    await client.callTool('list_generated_images', {});
    expect(fake.calls[0]!.ctx.cwd).toBe(projectA);
  });
});

describe('2025-era sessions', () => {
  it('answers a request for an unknown session with 404 so the client starts a new one', async () => {
    bridge = await startBridge(createFakeService().service);
    const response = await fetch(bridge.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Session-Id': 'no-such-session',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('initialize');
  });
});
