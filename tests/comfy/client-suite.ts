// One file: the ComfyClient suite shared by the fake and the real ComfyUI (client.fake.test.ts, comfyui-real);
// its cases share the target and the graphs defined at the top.
import { createServer } from 'node:net';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComfyClient, type ComfyClientEvents } from '../../electron/comfy/client.js';
import { discoverComfyUrl } from '../../electron/comfy/discovery.js';
import { ComfyValidationError } from '../../electron/comfy/errors.js';
import type { ApiGraph, RunResult } from '../../electron/comfy/types.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** Where the shared client tests run: the fake ComfyUI in CI, a real ComfyUI with COMFYUI_URL. */
export interface ClientSuiteTarget {
  name: string;
  /** Base URL of a running ComfyUI with the SlowProgress test node, read when each test starts. */
  url: () => string;
}

/** EmptyImage → SlowProgress → SaveImage: model-free, runs on CPU in milliseconds per step. */
export function slowGraph(options: {
  width?: number;
  height?: number;
  steps?: number;
  delay?: number;
  nonce?: number;
  failAtStep?: number;
  preview?: boolean;
  prefix?: string;
}): ApiGraph {
  return {
    '1': {
      class_type: 'EmptyImage',
      inputs: { width: options.width ?? 64, height: options.height ?? 48, batch_size: 1, color: 0x3366cc },
    },
    '2': {
      class_type: 'SlowProgress',
      inputs: {
        image: ['1', 0],
        steps: options.steps ?? 2,
        delay: options.delay ?? 0.02,
        nonce: options.nonce ?? uniqueNonce(),
        ...(options.failAtStep !== undefined && { fail_at_step: options.failAtStep }),
        ...(options.preview !== undefined && { preview: options.preview }),
      },
    },
    '3': {
      class_type: 'SaveImage',
      inputs: { images: ['2', 0], filename_prefix: options.prefix ?? 'bridge_suite' },
    },
  };
}

export function uniqueNonce(): number {
  return Math.floor(Math.random() * 2 ** 40);
}

export function newPromptId(): string {
  return `suite-${crypto.randomUUID()}`;
}

/** Resolves with the first event of that type matching `accept`. */
export function nextEvent<K extends keyof ComfyClientEvents>(
  client: ComfyClient,
  event: K,
  accept: (e: ComfyClientEvents[K]) => boolean = () => true,
): Promise<ComfyClientEvents[K]> {
  return new Promise((resolve) => {
    const listener = (e: ComfyClientEvents[K]) => {
      if (!accept(e)) return;
      client.off(event, listener);
      resolve(e);
    };
    client.on(event, listener);
  });
}

export function expectSuccess(result: RunResult): Extract<RunResult, { status: 'success' }> {
  expect(result.status).toBe('success');
  return result as Extract<RunResult, { status: 'success' }>;
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function defineClientSuite(target: ClientSuiteTarget): void {
  describe(`ComfyClient against ${target.name}`, () => {
    let client: ComfyClient;
    let proxy: TcpProxy | undefined;

    beforeEach(async () => {
      client = new ComfyClient({ baseUrl: target.url(), reconnectDelayMs: 50 });
      await client.connect();
    });

    afterEach(async () => {
      await client.close();
      await proxy?.close();
      proxy = undefined;
    });

    it('reads system stats, object info and model folders', async () => {
      const stats = await client.systemStats();
      expect(stats.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(stats.devices.length).toBeGreaterThan(0);
      expect(stats.ramTotal).toBeGreaterThan(0);

      const info = await client.objectInfo();
      expect(info.SaveImage?.output_node).toBe(true);
      expect(info.EmptyImage?.input.required?.width?.[0]).toBe('INT');
      expect(info.SlowProgress?.input.optional?.nonce?.[0]).toBe('INT');

      const folders = await client.modelFolders();
      expect(folders).toEqual(expect.arrayContaining(['checkpoints', 'loras', 'vae', 'diffusion_models']));
      expect(Array.isArray(await client.models('checkpoints'))).toBe(true);
    });

    it('discovers the server among candidates, skipping ones that do not answer', async () => {
      const dead = `http://127.0.0.1:${await closedPort()}`;
      expect(await discoverComfyUrl({ candidates: [dead, target.url()], timeoutMs: 2000 })).toBe(
        target.url(),
      );
      expect(await discoverComfyUrl({ candidates: [dead], timeoutMs: 2000 })).toBeUndefined();
    });

    it('runs a workflow to success and downloads a real PNG of the requested size', async () => {
      const promptId = newPromptId();
      const submitted = await client.submit(slowGraph({ width: 96, height: 40 }), { promptId });
      expect(submitted.promptId).toBe(promptId);
      expect(typeof submitted.number).toBe('number');

      const result = expectSuccess(await client.waitFor(promptId));
      const image = result.outputs['3']?.images?.[0];
      expect(image).toMatchObject({ type: 'output', subfolder: '' });
      const png = await client.view(image!);
      const meta = await sharp(png).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 96, 40]);

      expect(await client.history(promptId)).toEqual(result);
    });

    it('reports outputs for a cached re-run of the same graph', async () => {
      const graph = slowGraph({});
      const first = expectSuccess(await runToEnd(client, graph));
      const second = expectSuccess(await runToEnd(client, graph));
      expect(second.outputs['3']?.images).toEqual(first.outputs['3']?.images);
    });

    it('emits started, executing and per-step progress events for its prompt', async () => {
      const promptId = newPromptId();
      const progress: ComfyClientEvents['progress'][] = [];
      const executing: (string | null)[] = [];
      client.on('progress', (e) => e.promptId === promptId && progress.push(e));
      client.on('executing', (e) => e.promptId === promptId && executing.push(e.node));
      const started = nextEvent(client, 'started', (e) => e.promptId === promptId);
      await client.submit(slowGraph({ steps: 3 }), { promptId });
      await started;
      expectSuccess(await client.waitFor(promptId));
      expect(progress.filter((e) => e.node === '2').map((e) => `${e.value}/${e.max}`)).toEqual([
        '1/3',
        '2/3',
        '3/3',
      ]);
      // Node 1 may come from ComfyUI's cache (an identical EmptyImage ran before), and cached nodes get no executing.
      expect(executing).toEqual(expect.arrayContaining(['2', '3']));
    });

    it('receives previews tagged with the prompt id', async () => {
      const promptId = newPromptId();
      const preview = nextEvent(client, 'preview', (e) => e.promptId === promptId);
      await client.submit(slowGraph({ steps: 2, preview: true }), { promptId });
      const frame = await preview;
      expect(frame.mime).toBe('image/jpeg');
      expect(frame.bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
      expectSuccess(await client.waitFor(promptId));
    });

    it('interrupts a running prompt', async () => {
      const promptId = newPromptId();
      const firstStep = nextEvent(client, 'progress', (e) => e.promptId === promptId);
      await client.submit(slowGraph({ steps: 200, delay: 0.05 }), { promptId });
      await firstStep;
      await client.interrupt(promptId);
      expect(await client.waitFor(promptId)).toEqual({ status: 'interrupted' });
    });

    it('deletes a pending prompt from the queue; waiting on it then reports it lost', async () => {
      const running = newPromptId();
      const pending = newPromptId();
      const firstStep = nextEvent(client, 'progress', (e) => e.promptId === running);
      await client.submit(slowGraph({ steps: 200, delay: 0.05 }), { promptId: running });
      await client.submit(slowGraph({}), { promptId: pending });
      await firstStep;
      expect((await client.queue()).pending.map((e) => e.promptId)).toContain(pending);

      await client.deleteQueued([pending]);
      const queue = await client.queue();
      expect(queue.pending.map((e) => e.promptId)).not.toContain(pending);
      expect(queue.running.map((e) => e.promptId)).toEqual([running]);
      expect(queue.running[0]?.clientId).toBe(client.clientId);
      expect(await client.waitFor(pending)).toEqual({ status: 'lost' });

      await client.interrupt(running);
      expect((await client.waitFor(running)).status).toBe('interrupted');
    });

    it('reports a failing node with its error details intact', async () => {
      const promptId = newPromptId();
      await client.submit(slowGraph({ steps: 5, failAtStep: 2 }), { promptId });
      const result = await client.waitFor(promptId);
      expect(result.status).toBe('error');
      if (result.status !== 'error') return;
      expect(result.error).toMatchObject({ nodeId: '2', nodeType: 'SlowProgress' });
      expect(result.error.exceptionMessage).toContain('SlowProgress failed on request at step 2 of 5');
      expect(result.error.exceptionType).toContain('SlowProgressFailure');
      expect(result.error.traceback.length).toBeGreaterThan(0);
      expect(await client.history(promptId)).toMatchObject({ status: 'error', error: { nodeId: '2' } });
    });

    it('turns a 400 into ComfyValidationError with node_errors intact', async () => {
      const graph = slowGraph({});
      graph['3'] = { class_type: 'SaveImage', inputs: { filename_prefix: 'x' } };
      const error = await client.submit(graph, { promptId: newPromptId() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ComfyValidationError);
      const validation = error as ComfyValidationError;
      expect(validation.error.type).toBe('prompt_outputs_failed_validation');
      expect(validation.nodeErrors['3']).toMatchObject({
        class_type: 'SaveImage',
        errors: [{ type: 'required_input_missing', details: 'images', extra_info: { input_name: 'images' } }],
      });
      expect(validation.message).toContain('node 3 (SaveImage): Required input is missing: images');

      const unknown = await client
        .submit({ '1': { class_type: 'NoSuchNode', inputs: {} } }, { promptId: newPromptId() })
        .catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(ComfyValidationError);
      expect((unknown as ComfyValidationError).error.type).toBe('invalid_prompt');
      expect((unknown as ComfyValidationError).message).toContain('NoSuchNode does not exist');

      const badFile = await client
        .submit(
          {
            '1': { class_type: 'LoadImage', inputs: { image: 'bridge-does-not-exist.png' } },
            '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
          },
          { promptId: newPromptId() },
        )
        .catch((e: unknown) => e);
      expect((badFile as ComfyValidationError).message).toContain(
        'node 1 (LoadImage): Custom validation failed for node: image - Invalid image file: bridge-does-not-exist.png',
      );
    });

    it('survives a dropped connection mid-run: reconnects, resyncs and still resolves the result', async () => {
      proxy = await startTcpProxy(target.url());
      const viaProxy = new ComfyClient({ baseUrl: proxy.url, reconnectDelayMs: 50 });
      try {
        await viaProxy.connect();
        const promptId = newPromptId();
        const firstStep = nextEvent(viaProxy, 'progress', (e) => e.promptId === promptId);
        await viaProxy.submit(slowGraph({ steps: 8, delay: 0.15 }), { promptId });
        await firstStep;
        const down = nextEvent(viaProxy, 'connection', (e) => !e.connected);
        const up = nextEvent(viaProxy, 'connection', (e) => e.connected);
        proxy.cutAll();
        await down;
        await up;
        const result = expectSuccess(await viaProxy.waitFor(promptId));
        expect(result.outputs['3']?.images).toHaveLength(1);
        expect(viaProxy.connected).toBe(true);
      } finally {
        await viaProxy.close();
      }
    });

    it('uploads an image that a workflow can then load', async () => {
      const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#808000' } })
        .png()
        .toBuffer();
      const name = `bridge-upload-${uniqueNonce()}.png`;
      const ref = await client.uploadImage(png, name, { overwrite: true });
      expect(ref).toEqual({ filename: name, subfolder: '', type: 'input' });
      expect(Buffer.compare(await client.view(ref), png)).toBe(0);

      const result = expectSuccess(
        await runToEnd(client, {
          '1': { class_type: 'LoadImage', inputs: { image: name } },
          '2': {
            class_type: 'SaveImage',
            inputs: { images: ['1', 0], filename_prefix: 'bridge_suite_loaded' },
          },
        }),
      );
      const saved = await sharp(await client.view(result.outputs['2']!.images![0]!)).metadata();
      expect([saved.width, saved.height]).toEqual([20, 10]);
    });
  });
}

export async function runToEnd(client: ComfyClient, graph: ApiGraph): Promise<RunResult> {
  const promptId = newPromptId();
  await client.submit(graph, { promptId });
  return client.waitFor(promptId);
}
