// One file: the cases share the fake ComfyUI holding a generation, the core with hand-moved clocks, and the
// session helpers inside the describe.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyHttp } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchRecord } from '../../electron/jobs/types.js';
import { toolContext } from '../core/harness.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import {
  cleanupList,
  removeDirs,
  sd15Models,
  startReliabilityCore,
  until,
  type ReliabilityCore,
} from './fixtures.js';

/*
 * A call in flight is never cut off. 2025-era sessions (real @modelcontextprotocol/sdk 1.x clients over HTTP)
 * are swept when idle and capped in number, but a session whose call is still running is busy: neither the
 * cap nor the sweep closes it, and a session that is ended anyway answers its call with the batch id while
 * the ComfyUI job runs on. Every duration is measured on a monotonic clock: the tests step the wall clock
 * (vitest's fake Date only) by hours and move an injected monotonic clock by hand.
 */

const size = { workflow: 'sd15', width: 64, height: 64 };
const hour = 60 * 60_000;
/** Bounds a client's silence: on the old code a cut-off call never answered, and the test must end anyway. */
const callTimeoutMs = 30_000;

interface CallResult {
  structuredContent?: Record<string, unknown>;
  content: unknown[];
  isError?: boolean;
}

/** A 2025-era SDK client over HTTP, its transport at hand (DELETE), and its roots (relative save paths). */
/** The core's /mcp address and the token it requires (generated at its first start). */
interface McpTarget {
  mcpUrl: string;
  settings: { get(): { mcpToken: string } };
}

const authorization = (target: McpTarget) => ({ authorization: `Bearer ${target.settings.get().mcpToken}` });

async function legacyClient(target: McpTarget, roots: string[] = []) {
  const client = new LegacyClient(
    { name: 'calls-in-flight', version: '1.0.0' },
    { capabilities: { roots: {} } },
  );
  client.setRequestHandler(ListRootsRequestSchema, () =>
    Promise.resolve({ roots: roots.map((dir) => ({ uri: pathToFileURL(dir).href, name: dir })) }),
  );
  const transport = new LegacyHttp(new URL(target.mcpUrl), {
    requestInit: { headers: authorization(target) },
  });
  await client.connect(transport);
  return { client, transport };
}

type Legacy = Awaited<ReturnType<typeof legacyClient>>;

/** Starts a generation and resolves once ComfyUI is sampling it (the fake holds it there). */
async function startHeldGeneration(agent: Legacy, fake: FakeComfyUI, savePath: string) {
  const submittedBefore = fake.submitted.length;
  let sampling = false;
  const call = agent.client.callTool(
    { name: 'generate_image', arguments: { prompt: 'a held generation', save_path: savePath, ...size } },
    undefined,
    {
      // Heartbeats arrive every 200 ms while the call runs: the limit bounds silence, not the whole call.
      timeout: callTimeoutMs,
      resetTimeoutOnProgress: true,
      onprogress: (update) => (sampling ||= /^step /.test(update.message ?? '')),
    },
  ) as Promise<CallResult>;
  call.catch(() => undefined);
  await until(() => sampling, 'ComfyUI sampling the held generation');
  const promptId = fake.submitted[submittedBefore]!.promptId;
  return { call, promptId };
}

/** What ComfyUI's /history says about a prompt: absent while it runs; interrupted shows in its messages. */
async function historyOf(fake: FakeComfyUI, promptId: string) {
  const history = (await (await fetch(`${fake.url}/history/${promptId}`)).json()) as Record<
    string,
    { status: { status_str: string; messages: [string, unknown][] } }
  >;
  return history[promptId]?.status;
}

async function expectStillRunning(fake: FakeComfyUI, promptId: string): Promise<void> {
  expect(await historyOf(fake, promptId)).toBeUndefined();
  expect(fake.queueLength).toBeGreaterThan(0);
}

async function expectRanToCompletion(fake: FakeComfyUI, promptId: string): Promise<void> {
  const status = await historyOf(fake, promptId);
  expect(status?.status_str).toBe('success');
  expect(status?.messages.some(([event]) => event === 'execution_interrupted')).toBe(false);
  expect(fake.executions.get(promptId)).toBe(1);
}

describe('a call in flight is never cut off', () => {
  const cleanups = cleanupList();
  afterEach(async () => {
    vi.useRealTimers();
    await cleanups.runAll();
  });

  async function fake(): Promise<FakeComfyUI> {
    const started = await startFakeComfyUI({ models: sd15Models, stepMs: 2 });
    cleanups.add(() => started.close());
    return started;
  }

  async function bridge(
    urls: string[],
    tuning: Parameters<typeof startReliabilityCore>[0]['tuning'] = {},
  ): Promise<ReliabilityCore & { project: string }> {
    const fixture = await startReliabilityCore({ urls, tuning });
    const project = mkdtempSync(join(tmpdir(), 'reliability-project-'));
    cleanups.add(() => removeDirs(fixture.dataDir, fixture.outputDir, project));
    cleanups.add(() => fixture.core.stop());
    return { ...fixture, project };
  }

  async function open(fixture: { core: McpTarget }, roots: string[] = []): Promise<Legacy> {
    const agent = await legacyClient(fixture.core, roots);
    cleanups.add(() => agent.client.close());
    return agent;
  }

  it('201 ordinary clients (connect, call, close without DELETE) during a generation leave it running and answered', async () => {
    const comfy = await fake();
    const fixture = await bridge([comfy.url]);
    comfy.holdSampling(true);
    const agent = await open(fixture, [fixture.project]);
    const { call, promptId } = await startHeldGeneration(agent, comfy, 'held.png');

    // Each one leaves its session behind, as SDK clients do: 201 of them pass the cap of 200.
    for (let wave = 0; wave < 201; wave += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, 201 - wave) }, async () => {
          const { client } = await legacyClient(fixture.core);
          const status = (await client.callTool({
            name: 'check_comfyui_status',
            arguments: {},
          })) as CallResult;
          expect(status.isError).toBeFalsy();
          await client.close();
        }),
      );
    }

    await expectStillRunning(comfy, promptId);
    comfy.holdSampling(false);
    const result = await call;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'completed' });
    expect(existsSync(join(fixture.project, 'held.png'))).toBe(true);
    await expectRanToCompletion(comfy, promptId);
    // About 800 HTTP requests: over 30 s on 2 cores beside other suites.
  }, 180_000);

  it('at the cap with every session busy, a new session is refused with 503 and no call is cut off', async () => {
    const comfy = await fake();
    const fixture = await bridge([comfy.url], { maxSessions: 2 });
    comfy.holdSampling(true);
    const first = await open(fixture, [fixture.project]);
    const second = await open(fixture, [fixture.project]);
    const held = await startHeldGeneration(first, comfy, 'first.png');
    const queued = second.client.callTool(
      { name: 'generate_image', arguments: { prompt: 'queued behind', save_path: 'second.png', ...size } },
      undefined,
      { timeout: callTimeoutMs },
    ) as Promise<CallResult>;
    queued.catch(() => undefined);
    await until(() => fixture.core.scheduler.list().length === 2, 'both calls accepted');

    const refused = await fetch(fixture.core.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...authorization(fixture.core),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'third', version: '1' },
        },
      }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    const body = (await refused.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/each with a call still running/);

    await expectStillRunning(comfy, held.promptId);
    comfy.holdSampling(false);
    for (const result of [await held.call, await queued]) {
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ status: 'completed' });
    }
    await expectRanToCompletion(comfy, held.promptId);
    // With the calls answered the sessions are idle again: a new one takes the place of the oldest.
    const later = await open(fixture);
    expect((await later.client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('the idle sweep runs on the monotonic clock: a wall clock 2 h ahead closes nothing, a busy session survives its idle time', async () => {
    let monotonic = 1_000_000;
    const comfy = await fake();
    const fixture = await bridge([comfy.url], { sessionIdleMs: 1_000, monotonicNow: () => monotonic });
    comfy.holdSampling(true);
    const busy = await open(fixture, [fixture.project]);
    const held = await startHeldGeneration(busy, comfy, 'swept.png');
    const stale = await open(fixture);
    monotonic += 500;
    const recent = await open(fixture);
    await recent.client.listTools();

    // Suspend/resume or an NTP step: the wall clock jumps 2 h ahead while the monotonic clock stands still.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 2 * hour);
    // 700 ms later on the monotonic clock: `stale` has been idle 1.2 s (over the 1 s limit), `recent` 0.7 s, and
    // `busy` has been running for 1.2 s. Opening a session sweeps first.
    monotonic += 700;
    await open(fixture);

    await expect(stale.client.listTools()).rejects.toThrow(/Unknown or expired MCP session/);
    expect((await recent.client.listTools()).tools.length).toBeGreaterThan(0);
    await expectStillRunning(comfy, held.promptId);
    // An hour on, the sweep's own timer has run many times: the busy session is still there.
    monotonic += hour;
    await open(fixture);
    await expectStillRunning(comfy, held.promptId);

    comfy.holdSampling(false);
    const result = await held.call;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'completed' });
    await expectRanToCompletion(comfy, held.promptId);
  });

  it('a session ended (DELETE) mid-call answers with the batch id; the ComfyUI job runs on into the batch', async () => {
    const comfy = await fake();
    const fixture = await bridge([comfy.url]);
    comfy.holdSampling(true);
    const agent = await open(fixture, [fixture.project]);
    const { call, promptId } = await startHeldGeneration(agent, comfy, 'ended.png');

    await agent.transport.terminateSession();
    const result = await call;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'running' });
    const batchId = (result.structuredContent as { batch_id: string }).batch_id;
    expect(fixture.core.scheduler.get(batchId)).toBeDefined();
    await expectStillRunning(comfy, promptId);

    comfy.holdSampling(false);
    const batch = await finished(fixture, batchId);
    expect(batch.jobs[0]).toMatchObject({ state: 'completed', attempts: 1 });
    expect(existsSync(join(fixture.project, 'ended.png'))).toBe(true);
    await expectRanToCompletion(comfy, promptId);
  });

  // The answer is bridge_stopped (not `running`): it carries the batch id, and the stdio shim takes it as its cue
  // to re-attach and send the call again (tests/mcp-e2e/shim-reattach.test.ts).
  it('a bridge shutting down mid-call answers with the batch id and leaves the ComfyUI job running', async () => {
    const comfy = await fake();
    const fixture = await bridge([comfy.url]);
    comfy.holdSampling(true);
    const agent = await open(fixture, [fixture.project]);
    const { call, promptId } = await startHeldGeneration(agent, comfy, 'shutdown.png');

    await fixture.core.stop();
    const result = await call;
    const error = (result.structuredContent as { error?: { code?: string; details?: { batch_id?: string } } })
      .error;
    expect(error?.code, JSON.stringify(result.content)).toBe('bridge_stopped');
    expect(error?.details?.batch_id).toMatch(/^b_/);
    await expectStillRunning(comfy, promptId);
  });

  it.each([
    ['stepped back 1 h', -hour],
    ['stepped forward 1 h', hour],
  ])('failover waits out the grace on the monotonic clock, wall clock %s', async (_, wallStep) => {
    let monotonic = 1_000_000;
    const fakes = [await fake(), await fake()];
    const failoverAfterMs = 600;
    const fixture = await bridge(
      fakes.map((one) => one.url),
      { failoverAfterMs, healthIntervalMs: 50, monotonicNow: () => monotonic },
    );
    const pool = fixture.core.pool;
    await until(() => pool.snapshot().every((backend) => backend.available), 'both backends available');
    for (const one of fakes) one.holdSampling(true);
    const { ctx } = toolContext({ roots: [fixture.project] });
    const answer = fixture.core.service.generateImage(
      { prompt: 'fails over', save_path: 'failover.png', ...size, wait_seconds: 0 },
      ctx,
    );
    const batchId = (await answer).batch_id;
    const job = fixture.core.scheduler.get(batchId)!.jobs[0]!;
    await until(() => job.state === 'running' && job.dispatch !== undefined, 'the job sent to a backend');
    const victim = fakes.find((one) => one.url === job.dispatch!.backend)!;
    const survivor = fakes.find((one) => one !== victim)!;
    await until(() => victim.queueLength > 0, 'the job running on its backend');
    survivor.holdSampling(false);

    const downs: string[] = [];
    pool.on('down', (id: string) => downs.push(id));
    let probes = 0;
    pool.on('change', () => (probes += 1));
    await victim.kill();
    await until(
      () => !pool.snapshot().find((backend) => backend.url === victim.url)!.available,
      'victim down',
    );

    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + wallStep);
    // Just short of the grace on the monotonic clock, whatever the wall clock says: many probes, no failover.
    monotonic += failoverAfterMs - 1;
    const probesBefore = probes;
    await until(() => probes >= probesBefore + 10, '10 health probes of the dead backend');
    expect(downs).toEqual([]);
    expect(job.attempts).toBe(1);

    monotonic += 2;
    await until(() => downs.length === 1, 'failover once the grace has passed');
    expect(downs).toEqual([victim.url]);
    const batch = await finished(fixture, batchId);
    expect(batch.jobs[0]).toMatchObject({ state: 'completed', attempts: 2 });
    expect(batch.jobs[0]!.result?.backend).toBe(survivor.url);
  });
});

async function finished(fixture: ReliabilityCore, batchId: string): Promise<BatchRecord> {
  const { ctx } = toolContext();
  const status = await fixture.core.service.checkBatchStatus({ batch_id: batchId, wait_seconds: 60 }, ctx);
  expect(status.done).toBe(true);
  return fixture.core.scheduler.get(batchId)!;
}
