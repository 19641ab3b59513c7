import { mkdirSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { readPngText } from '../../electron/images/png-text.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, type TestClient } from '../mcp/harness.js';
import {
  cleanupList,
  completedRunsByJob,
  ramDir,
  removeDirs,
  sd15Models,
  startReliabilityCore,
  tempDir,
  type ReliabilityCore,
} from './fixtures.js';

/*
 * Load over real MCP clients and HTTP against one core and two fake backends. Figures (RSS, throughput) are
 * printed for docs/RELIABILITY.md and never asserted: CI machines differ. SOAK_JOBS raises the soak's size.
 */

const soakJobs = Number(process.env.SOAK_JOBS ?? 2_000);
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

// The live heap after a full collection tells retention from garbage that RSS still holds.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
function liveHeap(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe('load', () => {
  const cleanups = cleanupList();
  afterEach(() => cleanups.runAll());

  async function fakes(count: number, stepMs: number): Promise<FakeComfyUI[]> {
    const started = await Promise.all(
      Array.from({ length: count }, () => startFakeComfyUI({ models: sd15Models, stepMs })),
    );
    cleanups.add(() => Promise.all(started.map((fake) => fake.close())));
    return started;
  }

  async function bridge(urls: string[], onRam = false): Promise<ReliabilityCore> {
    const fixture = await startReliabilityCore({
      urls,
      // The soak queues all its jobs up front, more than the default cap on pending jobs.
      settings: { maxInFlightPerBackend: 2, maxPendingJobs: Math.max(soakJobs, 1_000) },
      ...(onRam ? { dataDir: ramDir('soak-data'), outputDir: ramDir('soak-out') } : {}),
    });
    cleanups.add(() => removeDirs(fixture.dataDir, fixture.outputDir));
    cleanups.add(() => fixture.core.stop());
    return fixture;
  }

  it('10 concurrent MCP clients × 10 generations: every file goes to the client that asked, none clobbered', async () => {
    const backends = await fakes(2, 2);
    const fixture = await bridge(backends.map((fake) => fake.url));
    const base = realpathSync(tempDir('load'));
    cleanups.add(() => removeDirs(base));
    const clients: { client: TestClient; project: string }[] = [];
    for (let c = 0; c < 10; c++) {
      const project = join(base, `project-${c}`);
      mkdirSync(project);
      // Half of the agents speak the 2025 protocol (sessions), half the 2026 one (per request).
      const client = await connect(c % 2 ? '2025' : '2026', new URL(fixture.core.mcpUrl), {
        roots: [project],
        token: fixture.core.settings.get().mcpToken,
      });
      cleanups.add(() => client.close());
      clients.push({ client, project });
    }

    const started = Date.now();
    const results = await Promise.all(
      clients.map(async ({ client, project }, c) => {
        const mine: { path: string; prompt: string; project: string }[] = [];
        for (let i = 0; i < 10; i++) {
          const prompt = `client ${c} image ${i}`;
          // Every client uses the same relative names: only its own root tells the files apart.
          const result = await client.callTool('generate_image', {
            prompt,
            save_path: `images/img-${i}.png`,
            workflow: 'sd15',
            width: 64,
            height: 64,
            wait_seconds: 120,
          });
          expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
          const image = (result.structuredContent as { status: string; images: { path: string }[] })
            .images[0]!;
          mine.push({ path: image.path, prompt, project });
        }
        return mine;
      }),
    );
    const seconds = (Date.now() - started) / 1000;

    const all = results.flat();
    expect(all).toHaveLength(100);
    expect(new Set(all.map((item) => item.path)).size).toBe(100);
    for (const { path, prompt, project } of all) {
      expect(path.startsWith(join(project, 'images') + '/'), path).toBe(true);
      // The file holds this client's own image: its embedded prompt is the one this client sent.
      expect(readPngText(readFileSync(path))['bridge-prompt'], path).toBe(prompt);
    }
    for (const { project } of clients) expect(readdirSync(join(project, 'images'))).toHaveLength(10);
    const runs = completedRunsByJob(backends);
    expect(runs.size).toBe(100);
    for (const [jobId, count] of runs) expect(count, jobId).toBe(1);
    expect(backends.every((fake) => fake.executions.size > 0)).toBe(true);
    expect((await fixture.core.gallery.loaded()).size).toBe(100);
    console.info(`load: 10 clients × 10 generations in ${seconds.toFixed(1)} s over 2 fake backends`);
  }, 120_000);

  it(`soak: ${soakJobs} jobs in batches of 100 complete exactly once with memory reported`, async () => {
    const backends = await fakes(2, 0);
    // Data and images on a RAM disk where there is one: every image and batch write is fsynced, and this test is
    // about the bridge's memory and bookkeeping, not the CI machine's disk.
    const fixture = await bridge(
      backends.map((fake) => fake.url),
      true,
    );
    const client = await connect('2026', new URL(fixture.core.mcpUrl), {
      token: fixture.core.settings.get().mcpToken,
    });
    cleanups.add(() => client.close());

    const heapStart = liveHeap();
    const rssStart = process.memoryUsage().rss;
    const cpuStart = process.cpuUsage();
    const started = Date.now();
    const batchIds: string[] = [];
    for (let b = 0; b * 100 < soakJobs; b++) {
      const count = Math.min(100, soakJobs - b * 100);
      const accepted = await client.callTool('batch_generate_images', {
        items: Array.from({ length: count }, (_, i) => ({
          prompt: `soak ${b}-${i}`,
          seed: (b * 100 + i) % 16_777_216,
          save_path: `soak/${b}/${i}.png`,
        })),
        defaults: { workflow: 'test-pattern', width: 64, height: 64 },
      });
      expect(accepted.isError, JSON.stringify(accepted.content)).toBeFalsy();
      batchIds.push((accepted.structuredContent as { batch_id: string }).batch_id);
    }
    let completed = 0;
    for (const batchId of batchIds) {
      const status = (await client.callTool('check_batch_status', { batch_id: batchId, wait_seconds: 300 }))
        .structuredContent as { done: boolean; completed: number; total: number; failed: number };
      expect(status).toMatchObject({ done: true, failed: 0 });
      completed += status.completed;
    }
    const seconds = (Date.now() - started) / 1000;
    const rssEnd = process.memoryUsage().rss;
    const cpu = process.cpuUsage(cpuStart);
    const heapEnd = liveHeap();

    expect(completed).toBe(soakJobs);
    const runs = completedRunsByJob(backends);
    expect(runs.size).toBe(soakJobs);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect((await fixture.core.gallery.loaded()).size).toBe(soakJobs);
    expect(fixture.core.scheduler.counts()).toEqual({ pending: 0, running: 0 });
    expect(fixture.core.pool.snapshot().map((backend) => backend.inFlight)).toEqual([0, 0]);
    // Without the fakes' own history (a killed fake forgets its queue and history), what is left is the bridge's.
    await Promise.all(backends.map((fake) => fake.kill()));
    const bridgeHeapEnd = liveHeap();
    console.info(
      `soak: ${soakJobs} jobs in ${seconds.toFixed(1)} s (${(soakJobs / seconds).toFixed(0)} jobs/s); ` +
        `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (test process: bridge and fakes); ` +
        `RSS ${mb(rssStart)} at start, ${mb(rssEnd)} at end; live heap ${mb(heapStart)} → ${mb(heapEnd)} ` +
        `(${Math.round((heapEnd - heapStart) / soakJobs)} bytes per job with the in-process fakes, ` +
        `${Math.round((bridgeHeapEnd - heapStart) / soakJobs)} bytes per job for the bridge alone)`,
    );
  }, 600_000);
});
