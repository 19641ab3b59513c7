import { Worker } from 'node:worker_threads';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '../core/harness.js';

/*
 * The attacker of the file-race tests: a worker thread that swaps a folder for a symbolic link to another folder
 * and back, as fast as it can, while the bridge works on the main thread. The real folder waits as
 * `<folder>.real` while the link is in place. Pausing always leaves the real folder at its name.
 *
 * Node has no renameat2(RENAME_EXCHANGE), so a swap is two renames with an instant where nothing is at the name;
 * a bridge that creates missing folders may make one there. The worker then moves that folder aside as
 * `.made-in-gap-<n>` (inside the same parent) and goes on.
 */

const swapLoop = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { folder, linkTarget, control, deadline, holdRealMs, holdLinkMs } = workerData;
const hold = (ms) => { if (ms > 0) Atomics.wait(state, 0, 0, Math.random() * ms); };
const state = new Int32Array(control);
const aside = folder + '.real';
let flips = 0;
let gaps = 0;
const clearGap = () => fs.renameSync(folder, path.join(path.dirname(folder), '.made-in-gap-' + gaps++));
const retryAfterGap = (step) => {
  try { step(); } catch (error) {
    if (!['EEXIST', 'ENOTEMPTY', 'EISDIR', 'ENOTDIR'].includes(error.code)) throw error;
    clearGap();
    step();
  }
};
while (Atomics.load(state, 0) !== 2 && Date.now() < deadline) {
  if (Atomics.load(state, 0) === 1) {
    Atomics.store(state, 1, 1);
    Atomics.notify(state, 1);
    Atomics.wait(state, 0, 1, 50);
    continue;
  }
  Atomics.store(state, 1, 0);
  hold(holdRealMs);
  fs.renameSync(folder, aside);
  retryAfterGap(() => fs.symlinkSync(linkTarget, folder, 'dir'));
  hold(holdLinkMs);
  fs.unlinkSync(folder);
  retryAfterGap(() => fs.renameSync(aside, folder));
  flips++;
  Atomics.store(state, 2, flips);
}
Atomics.store(state, 1, 1);
Atomics.notify(state, 1);
parentPort.postMessage({ flips, gaps });
`;

export interface FolderSwapper {
  /** How many swaps (there and back) the worker has made so far. */
  flips(): number;
  /** Stops swapping with the real folder in place; resolves once the worker is there. */
  pause(): Promise<void>;
  resume(): void;
  /** Ends the worker (real folder in place) and says how often it swapped. */
  stop(): Promise<{ flips: number; gaps: number }>;
}

export function startFolderSwapper(options: {
  folder: string;
  linkTarget: string;
  /** Upper bound on the worker's life, whatever the test does. */
  maxMs: number;
  /** Each state is held for a random time up to this long (default 0: swap as fast as possible). */
  holdRealMs?: number;
  holdLinkMs?: number;
}): FolderSwapper {
  const control = new SharedArrayBuffer(12);
  const state = new Int32Array(control);
  const worker = new Worker(swapLoop, {
    eval: true,
    workerData: {
      folder: options.folder,
      linkTarget: options.linkTarget,
      control,
      deadline: Date.now() + options.maxMs,
      holdRealMs: options.holdRealMs ?? 0,
      holdLinkMs: options.holdLinkMs ?? 0,
    },
  });
  const finished = new Promise<{ flips: number; gaps: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const settled = async (): Promise<void> => {
    while (Atomics.load(state, 1) !== 1) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  return {
    flips: () => Atomics.load(state, 2),
    async pause() {
      Atomics.store(state, 0, 1);
      await Promise.race([settled(), finished]);
    },
    resume() {
      Atomics.store(state, 1, 0);
      Atomics.store(state, 0, 0);
      Atomics.notify(state, 0);
    },
    async stop() {
      Atomics.store(state, 0, 2);
      Atomics.notify(state, 0);
      const result = await finished;
      await worker.terminate();
      return result;
    },
  };
}

/**
 * Runs `round(i)` at least `minRounds` times and until the attacker has swapped twice meanwhile, so the calls
 * overlap swaps however the threads are scheduled (on a loaded machine the worker may start late or stall).
 * `roundLimit` and `budgetMs` only bound a race that cannot get there; one that saw no swap at all fails.
 */
export async function raceWhileSwapping(
  attacker: FolderSwapper,
  round: (i: number) => Promise<void>,
  bounds: { minRounds: number; roundLimit: number; budgetMs: number },
): Promise<{ rounds: number; flipsDuring: number }> {
  await until(() => attacker.flips() > 0, 'the attacker swapping');
  const flipsBefore = attacker.flips();
  const deadline = Date.now() + bounds.budgetMs;
  const enough = (rounds: number) => rounds >= bounds.minRounds && attacker.flips() - flipsBefore >= 2;
  let rounds = 0;
  while (rounds < bounds.roundLimit && !enough(rounds) && Date.now() < deadline) await round(rounds++);
  const flipsDuring = attacker.flips() - flipsBefore;
  if (flipsDuring === 0) throw new Error(`the attacker made no swap during ${rounds} rounds`);
  return { rounds, flipsDuring };
}

/** Every file below `dir` whose name ends in `.tmp`, the temp files of the atomic writer. */
export function tempFilesBelow(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.tmp')) found.push(full);
    }
  };
  walk(dir);
  return found;
}
