/**
 * The `web` option through MCP against a `serve` process: what it adds to the main file's answer, and the
 * process's memory while variants are made. The fake ComfyUI saves a photographic-like 1024² PNG.
 *
 * - Overhead: generate_image calls with and without `web: "hero"`, interleaved (ABAB…, the order flipped every
 *   pair) so a change in the machine's load hits both alike; each call's wall time minus ComfyUI's run time. The
 *   variants of earlier calls are still being encoded meanwhile: that competition is part of what is measured.
 * - Memory: a batch of 10 items with `web: "hero"`; the serve process's resident set sampled every 100 ms until
 *   check_batch_status says done (variants included).
 */
import { busyMs, fetchRuns } from './comfy-timeline.js';
import type { Figure } from './report.js';
import { startSession } from './session.js';
import { median } from './stats.js';
import type { Workspace } from './workspace.js';

const size = { width: 1024, height: 1024 };
const warmUpCalls = 2;

export async function measureWebTools(
  workspace: Workspace,
  settings: { stepMs: number; calls: number; items: number },
  log: (line: string) => void,
): Promise<Figure[]> {
  const session = await startSession(workspace, 'web-tools', {
    stepMs: settings.stepMs,
    backends: 1,
    images: 'photo',
  });
  try {
    const call = async (index: number, web: boolean): Promise<number> => {
      const started = performance.now();
      const result = (await session.client.call('generate_image', {
        prompt: `web bench ${index}, a lake at dawn`,
        ...size,
        ...(web ? { web: 'hero' } : {}),
      })) as { status: string };
      const wall = performance.now() - started;
      if (result.status !== 'completed') throw new Error(`generate_image ended "${result.status}"`);
      return wall;
    };
    for (let index = 0; index < warmUpCalls; index++) {
      await call(-2 * index - 1, false);
      await call(-2 * index - 2, true);
    }
    const before = (await fetchRuns(session.fakes[0]!.url)).length;
    const order: boolean[] = [];
    const walls: number[] = [];
    for (let pair = 0; pair < settings.calls; pair++) {
      for (const web of pair % 2 === 0 ? [false, true] : [true, false]) {
        order.push(web);
        walls.push(await call(pair * 2 + (web ? 1 : 0), web));
      }
    }
    const runs = (await fetchRuns(session.fakes[0]!.url)).slice(before);
    if (runs.length !== walls.length)
      throw new Error(`ComfyUI ran ${runs.length} prompts for ${walls.length} generate_image calls`);
    const overheads = walls.map((wall, index) => wall - busyMs(runs[index]!));
    const without = overheads.filter((_, index) => !order[index]);
    const withWeb = overheads.filter((_, index) => order[index]);
    log(
      `  overhead p50 without web ${median(without).toFixed(1)} ms, with web ${median(withWeb).toFixed(1)} ms`,
    );

    // Let the variants of the calls above finish before the memory run starts from a settled process.
    const settle = (await session.client.call('batch_generate_images', {
      items: [{ prompt: 'settle' }],
      defaults: size,
    })) as { batch_id: string };
    await waitDone(session.client, settle.batch_id);
    const rssBefore = session.serve.rss();
    let peak = rssBefore;
    const started = performance.now();
    const accepted = (await session.client.call('batch_generate_images', {
      items: Array.from({ length: settings.items }, (_, index) => ({
        prompt: `web batch ${index}, a forest`,
      })),
      defaults: { ...size, web: 'hero' },
    })) as { batch_id: string };
    const sampler = setInterval(() => (peak = Math.max(peak, session.serve.rss())), 100);
    let variants = 0;
    try {
      const status = await waitDone(session.client, accepted.batch_id);
      variants = status.items.reduce((count, item) => count + (item.web?.variants?.length ?? 0), 0);
      if (status.items.some((item) => item.web?.status !== 'done'))
        throw new Error(
          'some web items did not finish: ' + JSON.stringify(status.items.map((item) => item.web?.status)),
        );
    } finally {
      clearInterval(sampler);
    }
    const wallS = (performance.now() - started) / 1000;
    return [
      {
        name: 'generate_image overhead p50 without web (1024², interleaved A/B)',
        value: median(without),
        unit: 'ms',
        note: `${without.length} calls, min ${Math.min(...without).toFixed(1)} ms`,
      },
      {
        name: 'generate_image overhead p50 with web: "hero" (main file answered, variants after)',
        value: median(withWeb),
        unit: 'ms',
        note: `${withWeb.length} calls, min ${Math.min(...withWeb).toFixed(1)} ms`,
      },
      {
        name: `serve peak RSS while ${settings.items} web "hero" items run`,
        value: peak / 2 ** 20,
        unit: 'MiB',
        note: `${(rssBefore / 2 ** 20).toFixed(0)} MiB before; ${variants} variants in ${wallS.toFixed(1)} s (images and variants)`,
      },
    ];
  } finally {
    await session.stop();
  }
}

interface WebStatus {
  done: boolean;
  items: { web?: { status: string; variants?: unknown[] } }[];
}

async function waitDone(
  client: { call(name: string, args: Record<string, unknown>): Promise<unknown> },
  batchId: string,
): Promise<WebStatus> {
  for (;;) {
    const status = (await client.call('check_batch_status', {
      batch_id: batchId,
      wait_seconds: 30,
    })) as WebStatus;
    if (status.done) return status;
  }
}
