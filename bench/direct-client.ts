/**
 * A minimal direct ComfyUI client, the yardstick of issue 16 ("slower than a minimal direct client"): it POSTs the
 * graph the bridge sent (with a fresh seed), waits on the websocket for the run's end, downloads the image from
 * `/view` and writes it to a file, and nothing else (no MCP, no checks, no fsync). Its overhead, measured like the
 * bridge's (wall time − ComfyUI's run), is what any client pays; the bridge's minus it is what the bridge adds.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { busyMs, fetchRuns } from './comfy-timeline.js';
import { startFakeProcess, type FakeProcessOptions } from './processes.js';

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;
interface ImageRef {
  filename: string;
  subfolder: string;
  type: string;
}
interface Waiter {
  images: ImageRef[];
  done: (error?: Error) => void;
}

/** The graph of the last run ComfyUI recorded (the bridge's, bound to its workflow), from GET /history. */
export async function lastGraph(comfyUrl: string): Promise<Graph> {
  const response = await fetch(`${comfyUrl}/history`);
  const history = (await response.json()) as Record<string, { prompt: [number, string, Graph] }>;
  const last = Object.values(history).at(-1);
  if (!last) throw new Error(`${comfyUrl} has run no prompt yet`);
  return last.prompt[2];
}

export class DirectClient {
  private readonly waiters = new Map<string, Waiter>();

  private constructor(
    private readonly comfyUrl: string,
    private readonly clientId: string,
    private readonly socket: WebSocket,
  ) {
    // Text frames are JSON events; binary frames are previews, which this client does not want.
    socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary)
        this.onMessage(JSON.parse(data.toString('utf8')) as { type: string; data: Record<string, unknown> });
    });
  }

  static async connect(comfyUrl: string): Promise<DirectClient> {
    const clientId = randomUUID();
    const socket = new WebSocket(`${comfyUrl.replace(/^http/u, 'ws')}/ws?clientId=${clientId}`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new DirectClient(comfyUrl, clientId, socket);
  }

  /** One image: returns its prompt id (to find the run in ComfyUI's history) and the wall time. */
  async generate(graph: Graph, outputDir: string): Promise<{ promptId: string; wallMs: number }> {
    const started = performance.now();
    const promptId = randomUUID();
    const finished = new Promise<ImageRef[]>((resolve, reject) => {
      const waiter: Waiter = {
        images: [],
        done: (error) => (error ? reject(error) : resolve(waiter.images)),
      };
      this.waiters.set(promptId, waiter);
    });
    const posted = await fetch(`${this.comfyUrl}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: withFreshSeed(graph), client_id: this.clientId, prompt_id: promptId }),
    });
    if (!posted.ok) throw new Error(`POST /prompt answered ${posted.status}: ${await posted.text()}`);
    const [image] = await finished;
    if (!image) throw new Error(`prompt ${promptId} produced no image`);
    const view = await fetch(`${this.comfyUrl}/view?${new URLSearchParams({ ...image })}`);
    if (!view.ok) throw new Error(`GET /view answered ${view.status}`);
    await writeFile(join(outputDir, `${promptId}.png`), Buffer.from(await view.arrayBuffer()));
    return { promptId, wallMs: performance.now() - started };
  }

  close(): void {
    this.socket.close();
  }

  private onMessage(message: { type: string; data: Record<string, unknown> }): void {
    const waiter = this.waiters.get(String(message.data.prompt_id));
    if (!waiter) return;
    if (message.type === 'executed') {
      const output = message.data.output as { images?: ImageRef[] } | undefined;
      waiter.images.push(...(output?.images ?? []));
    } else if (message.type === 'execution_success') {
      this.waiters.delete(String(message.data.prompt_id));
      waiter.done();
    } else if (message.type === 'execution_error' || message.type === 'execution_interrupted') {
      this.waiters.delete(String(message.data.prompt_id));
      waiter.done(new Error(`prompt ended with ${message.type}`));
    }
  }
}

/** A new seed on every sampler, so no run is answered from ComfyUI's cache. */
function withFreshSeed(graph: Graph): Graph {
  const seed = Math.floor(Math.random() * 2 ** 48);
  return Object.fromEntries(
    Object.entries(graph).map(([id, node]) => [
      id,
      'seed' in node.inputs || 'noise_seed' in node.inputs
        ? {
            ...node,
            inputs: {
              ...node.inputs,
              ...('seed' in node.inputs ? { seed } : {}),
              ...('noise_seed' in node.inputs ? { noise_seed: seed } : {}),
            },
          }
        : node,
    ]),
  );
}

/**
 * The direct client's calls in a bench: its own fake ComfyUI (same options as the bridge's), the graph the bridge
 * last sent, and each call's overhead read back from that fake's history.
 */
export interface DirectRuns {
  call(): Promise<void>;
  overheads(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startDirectRuns(options: {
  graphFrom: string;
  outputDir: string;
  fake: FakeProcessOptions;
  warmUpCalls: number;
}): Promise<DirectRuns> {
  const graph = await lastGraph(options.graphFrom);
  const fake = await startFakeProcess(options.fake);
  const client = await DirectClient.connect(fake.url).catch(async (error: unknown) => {
    await fake.stop();
    throw error;
  });
  for (let index = 0; index < options.warmUpCalls; index++) await client.generate(graph, options.outputDir);
  const calls: { promptId: string; wallMs: number }[] = [];
  return {
    async call() {
      calls.push(await client.generate(graph, options.outputDir));
    },
    async overheads() {
      const runs = new Map((await fetchRuns(fake.url)).map((run) => [run.promptId, run]));
      return calls.map(({ promptId, wallMs }) => {
        const run = runs.get(promptId);
        if (!run) throw new Error(`ComfyUI has no run of the direct client's prompt ${promptId}`);
        return wallMs - busyMs(run);
      });
    },
    async stop() {
      client.close();
      await fake.stop();
    },
  };
}
