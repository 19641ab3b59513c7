/**
 * Generation figures against fake ComfyUIs in their own processes: per-image overhead of generate_image, a
 * 100-image batch on one and two backends, and the dispatch gap ComfyUI sees between queued jobs.
 */
import { busyMs, dispatchGaps, fetchRuns, type Run } from './comfy-timeline.js';
import type { Figure } from './report.js';
import { breakdown, breakdownLines, callMarks } from './breakdown.js';
import { startDirectRuns, type DirectRuns } from './direct-client.js';
import { benchModels, startSession, type GenerationSettings, type Session } from './session.js';
import { median, percentile, sum } from './stats.js';
import { startFloorCalls, type FloorCalls } from './floor-calls.js';
import type { Workspace } from './workspace.js';

const size = { width: 1024, height: 1024 };
const warmUpCalls = 3;

export interface OverheadResult {
  figures: Figure[];
  /** The step-by-step breakdown (with `breakdown`), as printed. */
  breakdown: string[];
  startupMs: number;
  toolsListBytes: number;
  generationMsP50: number;
}

export interface OverheadSettings {
  stepMs: number;
  calls: number;
  /** A built checkout of another version: its calls alternate with this build's (interleaved A/B). */
  baseline?: string;
  /** Collect each call's phase timeline and print where its overhead goes. */
  breakdown?: boolean;
}

interface Build {
  name: string;
  /** Its calls ask for progress (PNG only): what a client that shows progress, as Claude Code does, sees. */
  progress: boolean;
  session: Session;
  calls: { requestMs: number; answerMs: number; wallMs: number }[];
  before: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/**
 * generate_image wall time minus the time ComfyUI spent on that very run (its own timestamps). That includes what
 * any client pays (POST /prompt, the download); the targets are on what the bridge adds over a minimal direct
 * client (PNG), whose calls are interleaved with the bridge's. With a baseline,
 * each build has its own serve and fake ComfyUI, and their calls alternate (the order flipped every pair), so a
 * change in the machine's load hits both alike.
 */
export async function measureOverhead(
  workspace: Workspace,
  settings: OverheadSettings,
  log: (line: string) => void,
): Promise<OverheadResult> {
  const timelines = settings.breakdown ?? false;
  const builds: Build[] = [];
  let floor: FloorCalls | undefined;
  try {
    // Without a baseline, a second serve of this build whose client asks for progress, as Claude Code's does (its
    // answers then come over SSE after the notifications); the first one's client does not (one JSON body).
    for (const [name, checkout, progress] of settings.baseline === undefined
      ? ([
          ['', undefined, false],
          ['asking for progress', undefined, true],
        ] as const)
      : ([
          ['baseline', settings.baseline, false],
          ['this build', undefined, false],
        ] as const)) {
      const session = await startSession(workspace, `overhead${builds.length}`, {
        stepMs: settings.stepMs,
        backends: 1,
        timelines,
        ...(checkout === undefined ? {} : { checkout }),
      });
      builds.push({ name, progress, session, calls: [], before: 0 });
    }
    const thisBuild = builds.find((build) => build.name !== 'baseline' && !build.progress)!;
    floor = await startFloorCalls(thisBuild.session.client, warmUpCalls);
    const toolsListBytes = await thisBuild.session.client.toolsListBytes();
    const figures: Figure[] = [];
    const lines: string[] = [];
    let generationMsP50 = Number.NaN;
    for (const format of ['png', 'webp'] as const) {
      const call = async (build: Build, index: number) => {
        const requestMs = epochNow();
        const result = (await build.session.client.call(
          'generate_image',
          { prompt: `benchmark ${format} image ${index}, a lighthouse at dusk`, ...size, format },
          { progress: build.progress },
        )) as { status: string };
        const answerMs = epochNow();
        if (result.status !== 'completed') throw new Error(`generate_image ended "${result.status}"`);
        return { requestMs, answerMs, wallMs: answerMs - requestMs };
      };
      const running = builds.filter((build) => format === 'png' || !build.progress);
      for (const build of running) {
        for (let index = 0; index < warmUpCalls; index++) await call(build, -index - 1);
        build.before = (await fetchRuns(build.session.fakes[0]!.url)).length;
        build.calls = [];
      }
      let directOverheads: number[] | undefined;
      // PNG only: the direct client writes what ComfyUI made, and only PNG needs no conversion.
      const direct: DirectRuns | undefined =
        format === 'png'
          ? await startDirectRuns({
              graphFrom: thisBuild.session.fakes[0]!.url,
              outputDir: workspace.dir('overhead-direct'),
              fake: { models: benchModels, stepMs: settings.stepMs, textured: true },
              warmUpCalls,
            })
          : undefined;
      // No-work calls among the same calls (floor-calls.ts): the protocol's share of what the bridge adds.
      const noWorkCalls = floor;
      try {
        for (let index = 0; index < settings.calls; index++) {
          const order = index % 2 === 0 ? running : [...running].reverse();
          // Each floor call follows a direct one: none lands on the bridge's own work after a generate_image
          // (the finished batch's record, written after the answer).
          if (direct && index % 2 === 0) await direct.call().then(() => noWorkCalls.call());
          for (const build of order) build.calls.push(await call(build, index));
          if (direct && index % 2 === 1) await direct.call().then(() => noWorkCalls.call());
        }
        directOverheads = await direct?.overheads();
      } finally {
        await direct?.stop();
      }
      const p50s: number[] = [];
      for (const build of running) {
        const runs = (await fetchRuns(build.session.fakes[0]!.url)).slice(build.before);
        if (runs.length !== build.calls.length) {
          throw new Error(
            `ComfyUI ran ${runs.length} prompts for ${build.calls.length} generate_image calls`,
          );
        }
        const overheads = build.calls.map((done, index) => done.wallMs - busyMs(runs[index]!));
        generationMsP50 = median(runs.map(busyMs));
        const label = build.name ? `${build.name}, ` : '';
        log(
          `  ${label}${format}: ${overheads.length} calls, ComfyUI time p50 ${generationMsP50.toFixed(0)} ms`,
        );
        p50s.push(median(overheads));
        // The minimum is the cost with nothing else competing for the CPU: a floor under p50 on a busy machine.
        const note = `${overheads.length} calls, min ${Math.min(...overheads).toFixed(1)} ms, ComfyUI run p50 ${generationMsP50.toFixed(0)} ms`;
        figures.push(
          {
            name: `generate_image overhead p50 (${label}${format}, 1024²)`,
            value: median(overheads),
            unit: 'ms',
            note,
          },
          {
            name: `generate_image overhead p95 (${label}${format}, 1024²)`,
            value: percentile(overheads, 95),
            unit: 'ms',
          },
        );
        if (directOverheads)
          figures.push(...addedOverDirect(`${label}${format}`, overheads, directOverheads));
        if (timelines) {
          const marks = build.calls.map((done, index) =>
            callMarks(done, runs[index]!, build.session.serve.timelines.get(jobIdOf(runs[index]!.promptId))),
          );
          lines.push(...breakdownLines(`${label}${format}, ${marks.length} calls`, breakdown(marks)));
        }
      }
      figures.push(...noWorkCalls.takeFigures(format));
      if (settings.baseline !== undefined) {
        figures.push({
          name: `generate_image overhead p50, this build ÷ baseline (${format})`,
          value: p50s[1]! / p50s[0]!,
          unit: '',
          note: `interleaved, ${settings.calls} calls each`,
        });
      }
    }
    for (const line of lines) log(line);
    return {
      figures,
      breakdown: lines,
      startupMs: thisBuild.session.serve.startupMs,
      toolsListBytes,
      generationMsP50,
    };
  } finally {
    for (const build of builds) await build.session.stop();
    await floor?.stop();
  }
}

/**
 * What the bridge adds over a minimal direct client (bench/direct-client.ts) on the same kind of fake ComfyUI,
 * calls interleaved: the difference of their p50s and of their p95s (the yardstick of issue 16's targets).
 */
function addedOverDirect(label: string, bridge: number[], direct: number[]): Figure[] {
  const note = `direct client p50 ${median(direct).toFixed(1)} ms, p95 ${percentile(direct, 95).toFixed(1)} ms, min ${Math.min(...direct).toFixed(1)} ms (${direct.length} calls, interleaved)`;
  return [
    {
      name: `generate_image added over a direct client, p50 (${label}, 1024²)`,
      value: median(bridge) - median(direct),
      unit: 'ms',
      target: { limit: 10, kind: 'max' },
      note,
    },
    {
      name: `generate_image added over a direct client, p95 (${label}, 1024²)`,
      value: percentile(bridge, 95) - percentile(direct, 95),
      unit: 'ms',
      target: { limit: 25, kind: 'max' },
    },
  ];
}

/** Prompt ids are `<job id>-<attempt>` (electron/jobs/scheduler.ts). */
const jobIdOf = (promptId: string) => promptId.replace(/-\d+$/u, '');

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
