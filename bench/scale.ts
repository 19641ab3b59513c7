/**
 * Cost as the work grows (issue 16 §2): a gallery of 100,000 generations with a busy week's finished batches
 * beside it, and a queue of 1,000 pending jobs left by a stop. Each data folder is seeded in the bridge's own
 * on-disk formats (seed-gallery.ts, seed-batches.ts, seed-queue.ts).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dispatchGaps, fetchRuns, type Run } from './comfy-timeline.js';
import { measureGalleryListing } from './gallery.js';
import { writeDistinctPngs } from './images.js';
import { connectClient, type BenchClient } from './mcp.js';
import { startFakeProcess, startServeProcess, type RunningServe } from './processes.js';
import type { Figure } from './report.js';
import { seedFinishedBatches } from './seed-batches.js';
import { seedGallery } from './seed-gallery.js';
import { itemsPerCall, seedPendingQueue } from './seed-queue.js';
import { benchModels, benchWorkflow } from './session.js';
import { median, percentile } from './stats.js';
import type { Workspace } from './workspace.js';

const runsText = (times: readonly number[]) => times.map((time) => time.toFixed(0)).join(', ');

export async function measureLargeGallery(
  workspace: Workspace,
  settings: { count: number; starts: number },
  log: (line: string) => void,
): Promise<{ figures: Figure[]; notes: string[] }> {
  const dataDir = workspace.dir('scale-gallery', 'data');
  const outputDir = workspace.dir('scale-gallery', 'out');
  log(`  seeding ${settings.count} generations and their finished batches…`);
  const sources = await writeDistinctPngs(workspace.dir('scale-gallery', 'sources'), 20);
  const records = await seedGallery({
    dataDir,
    imagesDir: join(outputDir, 'generated'),
    count: settings.count,
    sources,
  });
  const batches = await seedFinishedBatches({ dataDir, records });
  const fake = await startFakeProcess({ models: benchModels });
  let serve: RunningServe | undefined;
  let client: BenchClient | undefined;
  try {
    const times: number[] = [];
    const firstListings: number[] = [];
    for (let start = 0; start < settings.starts; start++) {
      await client?.close().catch(() => undefined);
      await serve?.stop();
      serve = await startServeProcess({ comfyuiUrls: [fake.url], dataDir, outputDir });
      const ready = performance.now();
      times.push(serve.startupMs);
      // What an agent sees of the gallery first: spawn to the answer of a list_generated_images made at once.
      client = await connectClient(serve.mcpUrl, serve.mcpToken);
      await client.call('list_generated_images', { limit: 50 });
      firstListings.push(serve.startupMs + performance.now() - ready);
    }
    try {
      const listing = await measureGalleryListing({
        dashboardUrl: serve!.dashboardUrl,
        client: client!,
        dataDir,
        scratchDir: workspace.dir('scale-gallery', 'scratch'),
        count: settings.count,
      });
      return {
        figures: [
          {
            name: `serve start-up to the ready line (${settings.count} generations, ${batches} finished batches), median of ${settings.starts}`,
            value: median(times),
            unit: 'ms',
            target: { limit: 1500, kind: 'max' },
            note: `runs ${runsText(times)} ms`,
          },
          {
            name: `serve spawn to the first list_generated_images answer (${settings.count} generations), median of ${settings.starts}`,
            value: median(firstListings),
            unit: 'ms',
            note: `runs ${runsText(firstListings)} ms; connect, then a first page of 50`,
          },
          ...listing.figures,
          {
            name: `server resident memory (${settings.count} generations, ${batches} finished batches)`,
            value: serve!.rss() / 2 ** 20,
            unit: 'MiB',
            target: { limit: 250, kind: 'max' },
            note: 'after the listings above',
          },
        ],
        notes: listing.notes,
      };
    } finally {
      await client?.close().catch(() => undefined);
    }
  } finally {
    await serve?.stop();
    await fake.stop();
  }
}

interface QueueRestart {
  startupMs: number;
  gaps: number[];
}

/**
 * `serve` started on a copy of a data folder whose queue holds `count` pending jobs, against a fresh fake ComfyUI,
 * until that ComfyUI has run `gaps + 1` of them; the gaps between those runs on its own clock.
 */
/**
 * Returns once what the bench has written is on disk (`sync`): the copies above, and before the first restart the
 * seeding and an earlier section's 100,000-record journal, would otherwise be written back during the gaps measured
 * (a 1,000-job restart read 1.17–1.28 right after the gallery section, 0.91–1.09 on its own).
 */
function flushWrites(): void {
  spawnSync('sync');
}

async function restartWithQueue(
  template: { dataDir: string; outputDir: string },
  runDir: string,
  settings: { stepMs: number; gaps: number },
): Promise<QueueRestart> {
  const dataDir = join(runDir, 'data');
  cpSync(template.dataDir, dataDir, { recursive: true });
  // The jobs' save paths are in the template's output folder: emptied so no run finds an earlier run's file.
  rmSync(template.outputDir, { recursive: true, force: true });
  mkdirSync(template.outputDir, { recursive: true });
  flushWrites();
  const fake = await startFakeProcess({ models: benchModels, stepMs: settings.stepMs, textured: true });
  let serve: RunningServe | undefined;
  try {
    serve = await startServeProcess({
      comfyuiUrls: [fake.url],
      dataDir,
      outputDir: template.outputDir,
      workflow: benchWorkflow,
    });
    let runs: Run[] = [];
    const deadline = performance.now() + 120_000;
    while (runs.length < settings.gaps + 1) {
      if (performance.now() > deadline)
        throw new Error(`ComfyUI ran only ${runs.length} queued jobs in 2 min`);
      await sleep(250);
      runs = await fetchRuns(fake.url);
    }
    return { startupMs: serve.startupMs, gaps: dispatchGaps(runs.slice(0, settings.gaps + 1)) };
  } finally {
    await serve?.stop();
    await fake.stop();
  }
}

export async function measureQueueRestart(
  workspace: Workspace,
  settings: { stepMs: number; count: number; rounds: number },
  log: (line: string) => void,
): Promise<Figure[]> {
  const gaps = 20;
  const sizes = { long: settings.count, short: itemsPerCall };
  const templates = {
    long: {
      dataDir: workspace.dir('scale-queue', 'long', 'data'),
      outputDir: workspace.dir('scale-queue', 'long', 'out'),
    },
    short: {
      dataDir: workspace.dir('scale-queue', 'short', 'data'),
      outputDir: workspace.dir('scale-queue', 'short', 'out'),
    },
  };
  const seeder = await startFakeProcess({ models: benchModels, stepMs: settings.stepMs });
  try {
    for (const size of ['long', 'short'] as const) {
      log(`  seeding a queue of ${sizes[size]} pending jobs through serve…`);
      await seedPendingQueue({ ...templates[size], comfyuiUrl: seeder.url, count: sizes[size] });
    }
  } finally {
    await seeder.stop();
  }
  const results = { long: [] as QueueRestart[], short: [] as QueueRestart[] };
  for (let round = 0; round < settings.rounds; round++) {
    // Interleaved, the order flipped every round, so a change in the machine's load hits both alike.
    const order = round % 2 === 0 ? (['long', 'short'] as const) : (['short', 'long'] as const);
    for (const size of order) {
      const result = await restartWithQueue(
        templates[size],
        workspace.dir('scale-queue', size, `run-${round}`),
        {
          stepMs: settings.stepMs,
          gaps,
        },
      );
      log(
        `  ${sizes[size]} pending: ready in ${result.startupMs.toFixed(0)} ms, gap p50 ${median(result.gaps).toFixed(1)} ms`,
      );
      results[size].push(result);
    }
  }
  const startups = (size: 'long' | 'short') => results[size].map((result) => result.startupMs);
  const gapMedians = (size: 'long' | 'short') => results[size].map((result) => median(result.gaps));
  const allGaps = (size: 'long' | 'short') => results[size].flatMap((result) => result.gaps);
  const longGap = median(gapMedians('long'));
  const shortGap = median(gapMedians('short'));
  return [
    {
      name: `serve start-up to the ready line (${sizes.long} pending jobs left by a stop), median of ${settings.rounds}`,
      value: median(startups('long')),
      unit: 'ms',
      target: { limit: 1500, kind: 'max' },
      note: `runs ${runsText(startups('long'))} ms; ${sizes.short} pending: median ${median(startups('short')).toFixed(0)} ms`,
    },
    {
      name: `dispatch gap p50 after a restart, ${sizes.long} pending ÷ ${sizes.short} pending`,
      value: longGap / shortGap,
      unit: '',
      target: { limit: 1.1, kind: 'max' },
      note:
        `gap p50 ${longGap.toFixed(1)} vs ${shortGap.toFixed(1)} ms (p95 ${percentile(allGaps('long'), 95).toFixed(1)} vs ` +
        `${percentile(allGaps('short'), 95).toFixed(1)} ms), ${gaps} gaps a restart, one prompt in ComfyUI at a time`,
    },
  ];
}
