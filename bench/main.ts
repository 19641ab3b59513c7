/**
 * `npm run bench`: measures the built bridge (`serve` in its own process) against fake ComfyUIs (each in its own
 * process) and prints every figure with its target and its ratio to that limit. Exits non-zero only on a crash;
 * a missed target is a result, not a failure. Knobs (environment): BENCH_STEP_MS (per sampler step, 20 steps
 * per image; default 25), BENCH_CALLS (generate_image calls per format; 50), BENCH_BATCH (100),
 * BENCH_GALLERY (10000), BENCH_WEBP (100), BENCH_WEB (1024² sources for the web assets; 4), BENCH_WEB_CALLS (A/B
 * pairs of generate_image with and without `web`; 8), BENCH_WEB_ITEMS (web items in the memory run; 10), BENCH_SHIM_RUNS
 * (spawns of the stdio shim per mode; 20), BENCH_CHROMIUM (/usr/bin/chromium), BENCH_SCALE_GALLERY (generations in
 * the large gallery; 100000), BENCH_SCALE_QUEUE (pending jobs left by a stop; 1000), BENCH_SCALE_ROUNDS (restarts
 * per size, interleaved; 3), BENCH_BRIDGE_ROOT (another checkout whose built bridge is measured, for A/B runs),
 * BENCH_ONLY (comma-separated sections out of startup, shim, overhead, comfy-http, edit, batch, gallery, webp, web,
 * scale-gallery, scale-queue; all when unset) to repeat a few figures quickly. BENCH_CALLS also sets the
 * edit_image calls. BENCH_BREAKDOWN=1 prints where each
 * generate_image call's overhead goes, step by step (bench/breakdown.ts); BENCH_BASELINE=<another built checkout>
 * alternates its calls with this build's (an interleaved A/B) in the overhead section.
 *
 * This is the benchmark's script, section after section in the order they run; the measuring itself lives in
 * the sibling modules it imports.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { measureComfyHttp } from './comfy-http.js';
import { measureDashboardMemory } from './dashboard-memory.js';
import { chromiumPath, measureFirstPaint } from './first-paint.js';
import { measureGalleryListing } from './gallery.js';
import { measureEditOverhead } from './edit.js';
import { batchFigures, measureOverhead, runBatch } from './generation.js';
import { writeDistinctPngs } from './images.js';
import { describeMachine, machineLine } from './machine.js';
import { connectClient, type BenchClient } from './mcp.js';
import { buildRoot, repoRoot } from './paths.js';
import { startFakeProcess, startServeProcess, type RunningServe } from './processes.js';
import { printLine, writeResults, type Figure } from './report.js';
import { benchModels } from './session.js';
import { seedGallery } from './seed-gallery.js';
import { measureLargeGallery, measureQueueRestart } from './scale.js';
import { measureServeStartup, measureShimStartup } from './startup.js';
import { measureWebAssets } from './web.js';
import { measureWebTools } from './web-tools.js';
import { measureWebp } from './webp.js';
import { Workspace } from './workspace.js';

const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const stepMs = knob('BENCH_STEP_MS', 25);
const calls = knob('BENCH_CALLS', 50);
const batchSize = knob('BENCH_BATCH', 100);
const galleryCount = knob('BENCH_GALLERY', 10_000);
const webpCount = knob('BENCH_WEBP', 100);
const webCount = knob('BENCH_WEB', 4);
const webCalls = knob('BENCH_WEB_CALLS', 8);
const webItems = knob('BENCH_WEB_ITEMS', 10);
const shimRuns = knob('BENCH_SHIM_RUNS', 20);
const scaleGallery = knob('BENCH_SCALE_GALLERY', 100_000);
const scaleQueue = knob('BENCH_SCALE_QUEUE', 1000);
const scaleRounds = knob('BENCH_SCALE_ROUNDS', 3);
const startupRuns = 5;
const sectionNames = [
  'startup',
  'shim',
  'overhead',
  'comfy-http',
  'edit',
  'batch',
  'gallery',
  'webp',
  'web',
  'scale-gallery',
  'scale-queue',
] as const;
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const unknownSection = only?.find((name) => !(sectionNames as readonly string[]).includes(name));
if (unknownSection !== undefined) {
  throw new Error(`BENCH_ONLY names "${unknownSection}"; the sections are ${sectionNames.join(', ')}.`);
}
const runs = (section: (typeof sectionNames)[number]) => only === undefined || only.includes(section);

const figures: Figure[] = [];
const notes: string[] = [];
const log = (line: string) => process.stdout.write(`${line}\n`);
const add = (...added: Figure[]) => {
  for (const figure of added) {
    figures.push(figure);
    log(printLine(figure));
  }
};

async function measureGallerySession(workspace: Workspace): Promise<void> {
  const dataDir = workspace.dir('gallery', 'data');
  const outputDir = workspace.dir('gallery', 'out');
  if (runs('gallery')) {
    log(`  seeding ${galleryCount} generations…`);
    const sources = await writeDistinctPngs(workspace.dir('gallery', 'sources'), 20);
    await seedGallery({ dataDir, imagesDir: join(outputDir, 'generated'), count: galleryCount, sources });
  }
  // Quick steps: the batch the dashboard-memory figure watches should not take minutes.
  const fake = await startFakeProcess({ models: benchModels, stepMs: 2 });
  // Started inside the try: a serve that fails to start must not leave the fake ComfyUI running.
  let serve: RunningServe | undefined;
  let client: BenchClient | undefined;
  try {
    serve = await startServeProcess({ comfyuiUrls: [fake.url], dataDir, outputDir });
    client = await connectClient(serve.mcpUrl, serve.mcpToken);
    if (runs('gallery')) await measureGallery(serve, client, dataDir, workspace);
    if (runs('webp')) {
      log(`  WebP: writing ${webpCount} distinct 1024² PNGs…`);
      add(...(await measureWebp(workspace, client, outputDir, webpCount)));
    }
  } finally {
    await client?.close().catch(() => undefined);
    await serve?.stop();
    await fake.stop();
  }
}

async function measureGallery(
  serve: RunningServe,
  client: BenchClient,
  dataDir: string,
  workspace: Workspace,
): Promise<void> {
  add({
    name: `serve start-up to the ready line (${galleryCount} generations indexed)`,
    value: serve.startupMs,
    unit: 'ms',
    target: { limit: 1500, kind: 'max' },
  });
  const listing = await measureGalleryListing({
    dashboardUrl: serve.dashboardUrl,
    client,
    dataDir,
    scratchDir: workspace.dir('gallery', 'scratch'),
    count: galleryCount,
  });
  add(...listing.figures);
  notes.push(...listing.notes);
  const paint = await measureFirstPaint(serve.dashboardUrl, galleryCount);
  add(...paint.figures);
  notes.push(...paint.notes);
  for (const note of paint.notes) log(`  ${note}`);
  add({
    name: `server resident memory (${galleryCount} generations indexed)`,
    value: serve.rss() / 2 ** 20,
    unit: 'MiB',
    target: { limit: 200, kind: 'max' },
    note: 'after the listings and dashboard loads above',
  });
  if (!existsSync(chromiumPath)) return;
  log(`  dashboard memory with a ${batchSize}-image batch running…`);
  add(
    ...(await measureDashboardMemory({ dashboardUrl: serve.dashboardUrl, client, galleryCount, batchSize })),
  );
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const loadAtStart = loadavg()[0]!;
  log(`Machine: ${machineLine(machine)}; 1-minute load average ${loadAtStart.toFixed(1)}`);
  log(
    `Simulated generation: SDXL workflow (native 1024²), its sampler steps × ${stepMs} ms + a real 1024² PNG saved by the fake ComfyUI`,
  );
  // The fake reads its /object_info answer next to its compiled module.
  copyFileSync(
    join(repoRoot, 'tests/fakes/object-info.json'),
    join(buildRoot, 'tests/fakes/object-info.json'),
  );
  const workspace = new Workspace();
  try {
    if (runs('startup')) {
      log('Start-up…');
      add(await measureServeStartup(workspace, startupRuns));
    }

    if (runs('web')) {
      log(`Web assets from ${webCount} 1024² sources…`);
      add(...(await measureWebAssets(workspace, webCount)));
      log(`The web option through MCP (${webCalls} A/B pairs, ${webItems} items for memory)…`);
      add(...(await measureWebTools(workspace, { stepMs, calls: webCalls, items: webItems }, log)));
    }

    if (runs('shim')) {
      log(`stdio shim start-up (${shimRuns} spawns per mode)…`);
      add(...(await measureShimStartup(workspace, shimRuns)));
    }

    if (runs('overhead')) {
      log(`Per-image overhead (${calls} generate_image calls per format)…`);
      const overhead = await measureOverhead(
        workspace,
        {
          stepMs,
          calls,
          breakdown: process.env.BENCH_BREAKDOWN === '1',
          ...(process.env.BENCH_BASELINE ? { baseline: process.env.BENCH_BASELINE } : {}),
        },
        log,
      );
      add(...overhead.figures);
      notes.push(...overhead.breakdown.map((line) => line.trim()));
      add({
        name: 'tools/list size',
        value: overhead.toolsListBytes,
        unit: 'bytes',
        note: 'JSON of { tools }',
      });
    }

    if (runs('comfy-http')) {
      log("ComfyUI HTTP legs: the bridge's client against fetch (200 requests each)…");
      add(...(await measureComfyHttp(workspace, 200)));
    }

    if (runs('edit')) {
      log(`Edit overhead (${calls} edit_image calls, 1024² sources)…`);
      add(...(await measureEditOverhead(workspace, { stepMs, calls }, log)));
    }

    if (runs('batch')) {
      log(`Batch of ${batchSize}, one backend…`);
      const one = await runBatch(workspace, { stepMs, backends: 1, count: batchSize });
      log(`Batch of ${batchSize}, two backends…`);
      const two = await runBatch(workspace, { stepMs, backends: 2, count: batchSize });
      add(...batchFigures(one, two, batchSize));
    }

    if (runs('gallery') || runs('webp')) {
      log(`Gallery with ${galleryCount} generations…`);
      await measureGallerySession(workspace);
    }

    if (runs('scale-gallery')) {
      log(`Gallery with ${scaleGallery} generations…`);
      const large = await measureLargeGallery(workspace, { count: scaleGallery, starts: scaleRounds }, log);
      add(...large.figures);
      notes.push(...large.notes);
    }

    if (runs('scale-queue')) {
      log(`Restart with ${scaleQueue} pending jobs…`);
      add(...(await measureQueueRestart(workspace, { stepMs, count: scaleQueue, rounds: scaleRounds }, log)));
    }
  } finally {
    workspace.remove();
  }
  notes.push(
    `1-minute load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end ` +
      `(${machine.cores} cores; anything above that means other processes competed for the CPU).`,
  );
  const base = writeResults(join(repoRoot, 'bench/results'), machine, figures, notes);
  for (const note of notes) log(`Note: ${note}`);
  log(`Results: ${base}.json, ${base}.md`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
