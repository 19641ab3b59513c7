/**
 * Generation figures against fake ComfyUIs in their own processes: per-image overhead of generate_image, a
 * 100-image batch on one and two backends, and the dispatch gap ComfyUI sees between queued jobs.
 */
import { busyMs, dispatchGaps, fetchRuns, type Run } from './comfy-timeline.js';
import type { Figure } from './report.js';
import { startSession, type GenerationSettings } from './session.js';
import { median, percentile, sum } from './stats.js';
import type { Workspace } from './workspace.js';

const size = { width: 1024, height: 1024 };
const warmUpCalls = 3;

export interface OverheadResult {
  figures: Figure[];
  startupMs: number;
  toolsListBytes: number;
  generationMsP50: number;
}

/** generate_image wall time minus the time ComfyUI spent on that very run (its own timestamps). */
export async function measureOverhead(
  workspace: Workspace,
  settings: { stepMs: number; calls: number },
  log: (line: string) => void,
): Promise<OverheadResult> {
  const session = await startSession(workspace, 'overhead', { stepMs: settings.stepMs, backends: 1 });
  try {
    const toolsListBytes = await session.client.toolsListBytes();
    const figures: Figure[] = [];
    let generationMsP50 = Number.NaN;
    for (const format of ['png', 'webp'] as const) {
      const call = (index: number) =>
        session.client.call('generate_image', {
          prompt: `benchmark ${format} image ${index}, a lighthouse at dusk`,
          ...size,
          format,
        });
      for (let index = 0; index < warmUpCalls; index++) await call(-index - 1);
      const before = (await fetchRuns(session.fakes[0]!.url)).length;
      const walls: number[] = [];
      for (let index = 0; index < settings.calls; index++) {
        const started = performance.now();
        const result = (await call(index)) as { status: string };
        walls.push(performance.now() - started);
        if (result.status !== 'completed') throw new Error(`generate_image ended "${result.status}"`);
      }
      const runs = (await fetchRuns(session.fakes[0]!.url)).slice(before);
      if (runs.length !== walls.length) {
        throw new Error(`ComfyUI ran ${runs.length} prompts for ${walls.length} generate_image calls`);
      }
      const overheads = walls.map((wall, index) => wall - busyMs(runs[index]!));
      generationMsP50 = median(runs.map(busyMs));
      log(`  ${format}: ${walls.length} calls, ComfyUI time p50 ${generationMsP50.toFixed(0)} ms`);
      // The minimum is the cost with nothing else competing for the CPU: a floor under p50 on a busy machine.
      const note = `${walls.length} calls, min ${Math.min(...overheads).toFixed(1)} ms, ComfyUI run p50 ${generationMsP50.toFixed(0)} ms`;
      figures.push(
        {
          name: `generate_image overhead p50 (${format}, 1024²)`,
          value: median(overheads),
          unit: 'ms',
          target: { limit: 25, kind: 'max' },
          note,
        },
        {
          name: `generate_image overhead p95 (${format}, 1024²)`,
          value: percentile(overheads, 95),
          unit: 'ms',
          target: { limit: 60, kind: 'max' },
        },
      );
    }
    return { figures, startupMs: session.serve.startupMs, toolsListBytes, generationMsP50 };
  } finally {
    await session.stop();
  }
}

export interface BatchResult {
  wallMs: number;
  runs: Run[][];
}

/** batch_generate_images of `count` items, then check_batch_status long-polls until it is done. */
export async function runBatch(
  workspace: Workspace,
  settings: GenerationSettings & { count: number },
): Promise<BatchResult> {
  const session = await startSession(workspace, `batch-${settings.backends}`, settings);
  try {
    const items = Array.from({ length: settings.count }, (_, index) => ({
      prompt: `batch image ${index}, a red fox in snow`,
    }));
    const started = performance.now();
    const accepted = (await session.client.call('batch_generate_images', {
      items,
      defaults: { ...size, format: 'png' },
    })) as { batch_id: string };
    let status: { done: boolean; completed: number; failed: number } = {
      done: false,
      completed: 0,
      failed: 0,
    };
    // 50 s per long-poll: under the 60 s request timeout of the SDK's client, as an agent would poll.
    for (let poll = 0; poll < 60 && !status.done; poll++) {
      status = (await session.client.call('check_batch_status', {
        batch_id: accepted.batch_id,
        wait_seconds: 50,
      })) as typeof status;
    }
    const wallMs = performance.now() - started;
    if (!status.done || status.completed !== settings.count) {
      throw new Error(
        `batch ended with ${status.completed} of ${settings.count} completed, ${status.failed} failed`,
      );
    }
    const runs = await Promise.all(session.fakes.map((fake) => fetchRuns(fake.url)));
    return { wallMs, runs };
  } finally {
    await session.stop();
  }
}

export function batchFigures(one: BatchResult, two: BatchResult, count: number): Figure[] {
  const oneRuns = one.runs.flat();
  const generationMs = median(oneRuns.map(busyMs));
  const gaps = one.runs.flatMap(dispatchGaps);
  const twoGaps = two.runs.flatMap(dispatchGaps);
  return [
    {
      name: `batch of ${count}, one backend: wall ÷ (${count} × generation time)`,
      value: one.wallMs / (count * generationMs),
      unit: '',
      target: { limit: 1.03, kind: 'max' },
      note:
        `wall ${(one.wallMs / 1000).toFixed(1)} s, ComfyUI run p50 ${generationMs.toFixed(0)} ms; ` +
        `wall ÷ sum of run times ${(one.wallMs / sum(oneRuns.map(busyMs))).toFixed(3)}`,
    },
    {
      name: `batch of ${count}, two backends: speed-up over one`,
      value: one.wallMs / two.wallMs,
      unit: '×',
      target: { limit: 1.9, kind: 'min' },
      note: `wall ${(two.wallMs / 1000).toFixed(1)} s; runs per backend ${two.runs.map((runs) => runs.length).join('/')}`,
    },
    {
      name: 'ComfyUI dispatch gap p50 (one backend, batch)',
      value: median(gaps),
      unit: 'ms',
      target: { limit: 5, kind: 'max' },
      note: `p95 ${percentile(gaps, 95).toFixed(1)} ms over ${gaps.length} gaps; two backends p50 ${median(twoGaps).toFixed(1)} ms`,
    },
  ];
}
