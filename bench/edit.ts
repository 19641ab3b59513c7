/**
 * edit_image's overhead for a 1024² source against a fake ComfyUI in its own process: the wall time of each call
 * minus the time ComfyUI spent on that run (its own timestamps). What remains is everything the bridge adds: the
 * source read, decoded and hashed, read again at dispatch, uploaded, the result fetched, rendered and written.
 * Each call edits a distinct file, so every call pays for a real upload.
 */
import { join } from 'node:path';
import { busyMs, fetchRuns } from './comfy-timeline.js';
import { writeDistinctPngs } from './images.js';
import { connectClient, type BenchClient } from './mcp.js';
import { repoRoot } from './paths.js';
import { startFakeProcess, startServeProcess, type RunningServe } from './processes.js';
import type { Figure } from './report.js';
import { benchModels } from './session.js';
import { median, percentile } from './stats.js';
import type { Workspace } from './workspace.js';

const warmUpCalls = 3;

export async function measureEditOverhead(
  workspace: Workspace,
  settings: { stepMs: number; calls: number },
  log: (line: string) => void,
): Promise<Figure[]> {
  const outputDir = workspace.dir('edit', 'out');
  log(`  writing ${settings.calls + warmUpCalls} distinct 1024² sources…`);
  const sources = await writeDistinctPngs(join(outputDir, 'sources'), settings.calls + warmUpCalls);
  const fake = await startFakeProcess({ models: benchModels, stepMs: settings.stepMs, textured: true });
  let serve: RunningServe | undefined;
  let client: BenchClient | undefined;
  try {
    serve = await startServeProcess({
      comfyuiUrls: [fake.url],
      dataDir: workspace.dir('edit', 'data'),
      outputDir,
      workflowsDir: join(repoRoot, 'tests/fixtures/edit-workflows'),
    });
    client = await connectClient(serve.mcpUrl, serve.mcpToken);
    await waitUntilReachable(client);
    const call = (source: string, index: number) =>
      client!.call('edit_image', {
        image: source,
        mode: 'restyle',
        prompt: `benchmark edit ${index}`,
        seed: index + warmUpCalls,
      });
    for (let index = 0; index < warmUpCalls; index++)
      await call(sources[settings.calls + index]!, -index - 1);
    const before = (await fetchRuns(fake.url)).length;
    const walls: number[] = [];
    for (let index = 0; index < settings.calls; index++) {
      const started = performance.now();
      const result = (await call(sources[index]!, index)) as { status: string };
      walls.push(performance.now() - started);
      if (result.status !== 'completed') throw new Error(`edit_image ended "${result.status}"`);
    }
    const runs = (await fetchRuns(fake.url)).slice(before);
    if (runs.length !== walls.length)
      throw new Error(`ComfyUI ran ${runs.length} prompts for ${walls.length} edit_image calls`);
    const overheads = walls.map((wall, index) => wall - busyMs(runs[index]!));
    const note = `${walls.length} calls, min ${Math.min(...overheads).toFixed(1)} ms, ComfyUI run p50 ${median(runs.map(busyMs)).toFixed(0)} ms`;
    return [
      {
        name: 'edit_image overhead p50 (restyle, 1024² PNG source, upload included)',
        value: median(overheads),
        unit: 'ms',
        target: { limit: 150, kind: 'max' },
        note,
      },
      {
        name: 'edit_image overhead p95 (restyle, 1024² PNG source, upload included)',
        value: percentile(overheads, 95),
        unit: 'ms',
        target: { limit: 250, kind: 'max' },
      },
    ];
  } finally {
    await client?.close().catch(() => undefined);
    await serve?.stop();
    await fake.stop();
  }
}

async function waitUntilReachable(client: BenchClient): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const status = (await client.call('check_comfyui_status', {})) as { backends: { reachable: boolean }[] };
    if (status.backends.some((backend) => backend.reachable)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the bridge did not reach the fake ComfyUI within 10 s');
}
