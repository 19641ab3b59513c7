/**
 * The bridge's HTTP client for ComfyUI (electron/comfy/http.ts, node:http with kept-alive connections) against
 * plain `fetch`, what the minimal direct client of the overhead figures uses: POST /prompt with a workflow-sized
 * body and GET /view of a 1024² PNG, from a server in its own process, the two clients' requests interleaved.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ComfyHttp } from '../electron/comfy/http.js';
import { texturedPng } from './images.js';
import { buildRoot } from './paths.js';
import type { Figure } from './report.js';
import { median, percentile } from './stats.js';
import type { Workspace } from './workspace.js';

const warmUps = 20;

/** About the size of a bound SDXL workflow: a dozen nodes with their inputs. */
const prompt = {
  prompt: Object.fromEntries(
    Array.from({ length: 12 }, (_, index) => [
      String(index),
      {
        class_type: 'KSampler',
        inputs: { seed: index, steps: 30, cfg: 7, text: 'a lighthouse at dusk, '.repeat(4) },
      },
    ]),
  ),
};

export async function measureComfyHttp(workspace: Workspace, requests: number): Promise<Figure[]> {
  const imagePath = join(workspace.dir('comfy-http'), 'view.png');
  writeFileSync(imagePath, await texturedPng(1024));
  const server = spawn(process.execPath, [`${buildRoot}/bench/comfy-http-server.js`, imagePath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<string>((resolve) =>
      createInterface({ input: server.stdout }).once('line', resolve),
    );
    const base = `http://127.0.0.1:${port}`;
    const ours = new ComfyHttp({ baseUrl: base, timeoutMs: 10_000 });
    const clients = {
      bridge: {
        post: () => ours.request('/prompt', { method: 'POST', body: prompt }),
        view: () => ours.request('/view?filename=bench.png'),
      },
      fetch: {
        post: async () => {
          const response = await fetch(`${base}/prompt`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(prompt),
          });
          return response.arrayBuffer();
        },
        view: async () => (await fetch(`${base}/view?filename=bench.png`)).arrayBuffer(),
      },
    };
    const times = {
      bridge: { post: [] as number[], view: [] as number[] },
      fetch: { post: [] as number[], view: [] as number[] },
    };
    for (let index = 0; index < warmUps + requests; index++) {
      // The order flipped every round, so a change in the machine's load hits both alike.
      for (const name of index % 2 === 0 ? (['bridge', 'fetch'] as const) : (['fetch', 'bridge'] as const)) {
        for (const leg of ['post', 'view'] as const) {
          const started = performance.now();
          await clients[name][leg]();
          if (index >= warmUps) times[name][leg].push(performance.now() - started);
        }
      }
    }
    return (['post', 'view'] as const).map((leg) => ({
      name: `ComfyUI HTTP ${leg === 'post' ? 'POST /prompt' : 'GET /view of a 1024² PNG'}: bridge ÷ fetch, p50`,
      value: median(times.bridge[leg]) / median(times.fetch[leg]),
      unit: '',
      note:
        `bridge p50 ${median(times.bridge[leg]).toFixed(2)} ms (p95 ${percentile(times.bridge[leg], 95).toFixed(2)}), ` +
        `fetch p50 ${median(times.fetch[leg]).toFixed(2)} ms (p95 ${percentile(times.fetch[leg], 95).toFixed(2)}); ` +
        `${requests} each, interleaved`,
    }));
  } finally {
    server.kill();
  }
}
