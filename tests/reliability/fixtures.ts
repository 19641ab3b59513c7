import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Core, CoreOptions } from '../../electron/core.js';
import type { JobRecord } from '../../electron/jobs/types.js';
import type { SettingsPatch } from '../../shared/settings.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { startTestCore } from '../core/harness.js';

/*
 * Shared pieces of the reliability suite, on top of tests/core/harness.ts: the checks the fault tests all
 * need — how often ComfyUI ran each job, how often each job ended, and what a folder holds.
 */

export { bundledWorkflowsDir, removeDirs, sd15Models, until } from '../core/harness.js';

export interface ReliabilityCore {
  core: Core;
  dataDir: string;
  outputDir: string;
  /** Terminal transitions seen per job id: every job must end exactly once. */
  endings: Map<string, string[]>;
}

/** Cleanups run in reverse order after each test; register one for everything a test starts. */
export function cleanupList() {
  const cleanups: (() => unknown)[] = [];
  return {
    add(cleanup: () => unknown) {
      cleanups.push(cleanup);
    },
    async runAll() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}

export function tempDir(prefix: string, parent = tmpdir()): string {
  return mkdtempSync(join(parent, `reliability-${prefix}-`));
}

/** A RAM-backed folder where there is one (Linux /dev/shm): for runs that measure the bridge, not the disk's fsync. */
export function ramDir(prefix: string): string {
  return tempDir(prefix, existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
}

/** A real core (tests/core/harness.ts) that also records every job's terminal transitions. */
export async function startReliabilityCore(options: {
  urls: string[];
  dataDir?: string;
  outputDir?: string;
  settings?: SettingsPatch;
  tuning?: CoreOptions['tuning'];
}): Promise<ReliabilityCore> {
  const { core, dataDir, outputDir } = await startTestCore({
    ...options,
    dataDir: options.dataDir ?? tempDir('data'),
    outputDir: options.outputDir ?? tempDir('out'),
  });
  const endings = new Map<string, string[]>();
  const seen = new Map<string, string>();
  core.scheduler.on('job', (job: JobRecord) => {
    const before = seen.get(job.id);
    seen.set(job.id, job.state);
    if (before === job.state) return;
    if (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled') {
      endings.set(job.id, [...(endings.get(job.id) ?? []), job.state]);
    }
  });
  return { core, dataDir, outputDir, endings };
}

/** How many times ComfyUI ran each job to completion, over all backends (prompt ids are `<job id>-<attempt>`). */
export function completedRunsByJob(fakes: readonly FakeComfyUI[]): Map<string, number> {
  const runs = new Map<string, number>();
  for (const fake of fakes) {
    for (const [promptId, count] of fake.executions) {
      const jobId = promptId.replace(/-\d+$/, '');
      runs.set(jobId, (runs.get(jobId) ?? 0) + count);
    }
  }
  return runs;
}

/** Every file below `dir` (hidden ones too) with its size and content hash, keyed by the path relative to dir. */
export function snapshotTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isSymbolicLink()) files.set(relative(dir, full), 'symlink');
      else {
        const hash = createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 16);
        files.set(relative(dir, full), `${statSync(full).size}:${hash}`);
      }
    }
  };
  walk(dir);
  return files;
}
