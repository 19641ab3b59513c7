/**
 * Start-up figures: `serve` to its ready line, and the stdio shim in both its modes (the timing of one spawn is
 * in shim.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeProcess, startServeProcess, type RunningServe } from './processes.js';
import type { Figure } from './report.js';
import { benchModels } from './session.js';
import {
  floorFigure,
  floorScript,
  shimFigures,
  timeShimStartup,
  timeStartup,
  type ShimStartup,
} from './shim.js';
import { median } from './stats.js';
import type { Workspace } from './workspace.js';

/** `serve`'s start-up on an empty data folder, from spawn() to its ready line. */
export async function measureServeStartup(workspace: Workspace, startupRuns: number): Promise<Figure> {
  const fake = await startFakeProcess({ models: benchModels });
  try {
    const times: number[] = [];
    for (let run = 0; run < startupRuns; run++) {
      const serve = await startServeProcess({
        comfyuiUrls: [fake.url],
        dataDir: workspace.dir('startup', String(run), 'data'),
        outputDir: workspace.dir('startup', String(run), 'out'),
      });
      times.push(serve.startupMs);
      await serve.stop();
    }
    return {
      name: `serve start-up to the ready line (empty data folder), median of ${startupRuns}`,
      value: median(times),
      unit: 'ms',
      target: { limit: 1500, kind: 'max' },
      note: `runs ${times.map((time) => time.toFixed(0)).join(', ')} ms`,
    };
  } finally {
    await fake.stop();
  }
}

/**
 * The stdio shim's start-up, forwarding to a running `serve` and hosting the core in-process (a fresh data
 * folder each time), spawns of the two modes interleaved so a change in the machine's load hits both alike.
 */
export async function measureShimStartup(workspace: Workspace, shimRuns: number): Promise<Figure[]> {
  const fake = await startFakeProcess({ models: benchModels });
  let serve: RunningServe | undefined;
  try {
    const dataDir = workspace.dir('shim', 'serve');
    serve = await startServeProcess({ comfyuiUrls: [fake.url], dataDir, outputDir: join(dataDir, 'out') });
    const forwarding: ShimStartup[] = [];
    const inProcess: ShimStartup[] = [];
    const floor: ShimStartup[] = [];
    const floorFile = join(workspace.dir('shim', 'floor'), 'floor.cjs');
    writeFileSync(floorFile, floorScript);
    for (let run = 0; run < shimRuns; run++) {
      floor.push(await timeStartup([floorFile]));
      forwarding.push(await timeShimStartup(['--data-dir', dataDir]));
      const ownDir = workspace.dir('shim', String(run));
      inProcess.push(
        await timeShimStartup([
          '--port',
          '0',
          '--data-dir',
          ownDir,
          '--comfyui',
          fake.url,
          '--output-dir',
          ownDir,
        ]),
      );
    }
    return [
      ...shimFigures('forwarding', forwarding, 150),
      ...shimFigures('in-process', inProcess, 300),
      floorFigure(floor),
    ];
  } finally {
    await serve?.stop();
    await fake.stop();
  }
}
