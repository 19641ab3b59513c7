/**
 * An interleaved A/B of the dashboard's gallery first paint: two built checkouts (a baseline and this one) each
 * run `serve` on its own copy of the same 10,000-generation data folder, and fresh-context loads alternate
 * between them (the order flipped every round), so a change in the machine's load hits both alike.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node .tmp/bench/bench/first-paint-ab.js <baseline> [rounds]
 *
 * `<baseline>` is another checkout with its own `npm run build` done (its `bin/` and `dist/` are used).
 * Each side gets one warm-up load first (it renders the first thumbnails cold), not counted. Each round times,
 * on each side, the gallery opened directly (first paint) and Status then a click on the Gallery tab (the click
 * event to the first thumbnail).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { freshLoad, launchBenchChromium } from './first-paint.js';
import { writeDistinctPngs } from './images.js';
import { buildRoot, repoRoot } from './paths.js';
import { startFakeProcess, startServeProcess, type RunningServe } from './processes.js';
import { benchModels } from './session.js';
import { seedGallery } from './seed-gallery.js';
import { median } from './stats.js';
import { Workspace } from './workspace.js';

const [baselineArgument, roundsArgument] = process.argv.slice(2);
if (!baselineArgument) throw new Error('usage: first-paint-ab.js <baseline checkout> [rounds]');
const baseline: string = baselineArgument;
const rounds = Number(roundsArgument ?? 10);
const count = 10_000;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  // The fake reads its /object_info answer next to its compiled module (as in main.ts).
  copyFileSync(
    join(repoRoot, 'tests/fakes/object-info.json'),
    join(buildRoot, 'tests/fakes/object-info.json'),
  );
  const workspace = new Workspace();
  const fake = await startFakeProcess({ models: benchModels });
  const serves: RunningServe[] = [];
  try {
    const imagesDir = join(workspace.dir('out'), 'generated');
    const sources = await writeDistinctPngs(workspace.dir('sources'), 20);
    const seeded = workspace.dir('seeded');
    await seedGallery({ dataDir: seeded, imagesDir, count, sources });
    const sides = [
      { name: 'A (baseline)', root: resolve(baseline), paints: [] as number[], clicks: [] as number[] },
      { name: 'B (this checkout)', root: repoRoot, paints: [] as number[], clicks: [] as number[] },
    ];
    for (const [index, side] of sides.entries()) {
      const dataDir = join(workspace.root, `data-${index}`);
      mkdirSync(dataDir);
      copyFileSync(join(seeded, 'gallery.jsonl'), join(dataDir, 'gallery.jsonl'));
      serves.push(
        await startServeProcess({
          comfyuiUrls: [fake.url],
          dataDir,
          outputDir: workspace.dir('out'),
          root: side.root,
        }),
      );
    }
    const browser = await launchBenchChromium();
    try {
      for (const [index, side] of sides.entries()) {
        const warm = await freshLoad(browser, serves[index]!.dashboardUrl);
        log(`${side.name}: warm-up ${warm.paintMs.toFixed(0)} ms`);
      }
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const index of order) {
          const url = serves[index]!.dashboardUrl;
          sides[index]!.paints.push((await freshLoad(browser, url, 'direct')).paintMs);
          sides[index]!.clicks.push(
            (await freshLoad(browser, url, 'via-status')).clickToTileMs ?? Number.NaN,
          );
        }
        const last = (values: number[]) => values.at(-1)!.toFixed(0);
        log(
          `round ${round + 1}: first paint A ${last(sides[0]!.paints)} ms, B ${last(sides[1]!.paints)} ms; ` +
            `click to tile A ${last(sides[0]!.clicks)} ms, B ${last(sides[1]!.clicks)} ms` +
            ` (load average ${loadavg()[0]!.toFixed(1)})`,
        );
      }
    } finally {
      await browser.close();
    }
    for (const side of sides)
      log(
        `${side.name}: first paint median ${median(side.paints).toFixed(0)} ms, ` +
          `click to tile median ${median(side.clicks).toFixed(0)} ms, of ${side.paints.length}`,
      );
    const ratio = (values: (side: (typeof sides)[number]) => number[]) =>
      (median(values(sides[1]!)) / median(values(sides[0]!))).toFixed(2);
    log(`B ÷ A: first paint ${ratio((side) => side.paints)}, click to tile ${ratio((side) => side.clicks)}`);
  } finally {
    await Promise.all(serves.map((serve) => serve.stop()));
    await fake.stop();
    workspace.remove();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
