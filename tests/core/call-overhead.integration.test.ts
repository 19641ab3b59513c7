/**
 * A generate_image call's fixed overhead cut by overlapping its steps, none dropped (issue 16): the job is
 * dispatched in the write that accepts it (the batch file names the prompt id; POST /prompt goes out while that
 * write runs, and the run is followed only once it is durable; a batch that cannot be written withdraws the
 * prompt; a bridge that stops between that write and ComfyUI's answer loses nothing and runs nothing twice), and
 * the save path is checked again while the image downloads, a refusal still writing nothing. The order of the steps is read from the phase timeline
 * (electron/phase-timeline.ts), the same marks `serve --log-level debug` logs.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { recordPhaseTimelines, type PhaseMark } from '../../electron/phase-timeline.js';
import type { BatchRecord } from '../../electron/jobs/types.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import {
  cleanupsAfterEach,
  generateSd15,
  startCoreOnSd15Fake,
  startSd15Fake,
  startTestCore,
  tempDirs,
  until,
  type CoreFixture,
} from './harness.js';

const timelines = new Map<string, PhaseMark[]>();
recordPhaseTimelines((job, marks) => timelines.set(job, marks));

const { tempDir, removeTempDirs } = tempDirs('accept-dispatch-');
afterAll(removeTempDirs);

function storedBatches(dataDir: string): BatchRecord[] {
  const folder = join(dataDir, 'batches');
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')) as BatchRecord);
}

function runsOf(jobId: string, fake: FakeComfyUI): number {
  let runs = 0;
  for (const [promptId, count] of fake.executions) if (promptId.startsWith(`${jobId}-`)) runs += count;
  return runs;
}

describe('generate_image: dispatched in the write that accepts it', () => {
  const cleanups = cleanupsAfterEach();

  async function core(fake: FakeComfyUI, dataDir = tempDir()): Promise<CoreFixture> {
    const fixture = await startTestCore({ urls: [fake.url], dataDir, outputDir: tempDir() });
    cleanups.push(() => fixture.core.stop());
    await until(() => fixture.core.pool.loads().some((load) => load.available), 'the backend is up');
    return fixture;
  }

  async function startFake(): Promise<FakeComfyUI> {
    const fake = await startSd15Fake();
    cleanups.push(() => fake.close());
    return fake;
  }

  const call = generateSd15;

  it('has the prompt id on disk before POST /prompt, with one batch write before it', async () => {
    const fake = await startFake();
    const fixture = await core(fake);
    let release!: () => void;
    fake.queuePromptsLate(new Promise<void>((resolve) => (release = resolve)));
    const answer = call(fixture, 'a lighthouse');

    // ComfyUI holds the request: what is on disk now is all a crash would leave.
    await until(() => storedBatches(fixture.dataDir).length === 1, 'the batch is written');
    const [stored] = storedBatches(fixture.dataDir);
    expect(stored!.jobs[0]).toMatchObject({ state: 'running', attempts: 1 });
    expect(stored!.jobs[0]!.dispatch?.promptId).toBe(`${stored!.jobs[0]!.id}-1`);
    expect(fake.submitted).toHaveLength(0);
    release();

    const result = await answer;
    expect(result.status).toBe('completed');
    // POST /prompt went out while the batch was written (ComfyUI held it until the file was seen), and no second
    // batch write came before ComfyUI's answer.
    // The write ends with its folder's fsync, after the file is visible: ComfyUI's answer may come before or
    // after that end ('persisted'), and either order is right.
    const phases = timelines.get(stored!.jobs[0]!.id)!.map(([phase]) => phase);
    const writes = phases.filter((phase) => phase === 'persist' || phase === 'post' || phase === 'persisted');
    expect(writes.slice(0, 3)).toEqual(['persist', 'post', 'persisted']);
    expect(phases.slice(0, phases.indexOf('posted')).filter((phase) => phase === 'persist')).toEqual([
      'persist',
    ]);
    expect(runsOf(stored!.jobs[0]!.id, fake)).toBe(1);
  });

  it('a batch that cannot be written is refused, and the prompt sent during the write is withdrawn', async () => {
    const fake = await startFake();
    const fixture = await core(fake);
    let release!: () => void;
    fake.queuePromptsLate(new Promise<void>((resolve) => (release = resolve)));
    // Were the prompt to run, it would stay in ComfyUI's queue: only its withdrawal empties it.
    fake.holdSampling(true);
    const batches = join(fixture.dataDir, 'batches');
    rmSync(batches, { recursive: true, force: true });
    writeFileSync(batches, 'not a folder');

    await expect(call(fixture, 'a refused lighthouse')).rejects.toMatchObject({ code: 'state_not_saved' });
    await until(() => fake.requestLog.includes('POST /prompt'), 'the POST sent during the write arrives');
    release();
    await until(() => fake.submitted.length === 1, 'ComfyUI takes the prompt late');
    await until(() => fake.queueLength === 0, 'the prompt is removed or interrupted');
    expect(fake.executions.get(fake.submitted[0]!.promptId)).toBeUndefined();
    expect(fixture.core.scheduler.list()).toEqual([]);
  });

  it('a stop between that write and ComfyUI taking the prompt: re-sent after the restart, run once', async () => {
    const fake = await startFake();
    const dataDir = tempDir();
    const first = await core(fake, dataDir);
    fake.queuePromptsLate(new Promise<void>(() => undefined));
    const answer = call(first, 'a lost prompt').catch((error: unknown) => error);
    // Accepted (written and synced) and the call waiting on it: the stop is what the call sees next.
    await until(() => first.core.scheduler.list().length === 1, 'the batch is accepted');
    const [stored] = storedBatches(dataDir);
    await first.core.stop();
    await answer;
    // A crashed ComfyUI: the request it held is gone with its queue and history.
    await fake.kill();
    await fake.restart();

    const second = await core(fake, dataDir);
    await until(
      () => second.core.scheduler.get(stored!.id)?.jobs[0]?.state === 'completed',
      'the job completes after the restart',
    );
    expect(runsOf(stored!.jobs[0]!.id, fake)).toBe(1);
  });

  it('a stop while ComfyUI is taking the prompt: followed after the restart, not run again', async () => {
    const fake = await startFake();
    const dataDir = tempDir();
    const first = await core(fake, dataDir);
    let release!: () => void;
    fake.queuePromptsLate(new Promise<void>((resolve) => (release = resolve)));
    const answer = call(first, 'a prompt taken late').catch((error: unknown) => error);
    // Accepted (written and synced) and the call waiting on it: the stop is what the call sees next.
    await until(() => first.core.scheduler.list().length === 1, 'the batch is accepted');
    const [stored] = storedBatches(dataDir);
    await first.core.stop();
    await answer;
    release();
    await until(() => runsOf(stored!.jobs[0]!.id, fake) === 1, 'ComfyUI ran the prompt it was sent');

    const second = await core(fake, dataDir);
    await until(
      () => second.core.scheduler.get(stored!.id)?.jobs[0]?.state === 'completed',
      'the job completes after the restart',
    );
    expect(runsOf(stored!.jobs[0]!.id, fake)).toBe(1);
    expect(fake.submitted.filter((prompt) => prompt.promptId.startsWith(stored!.jobs[0]!.id))).toHaveLength(
      1,
    );
  });
});

describe('generate_image: the save path checked again while the image downloads', () => {
  const cleanups = cleanupsAfterEach();

  async function setUp(viewDelayMs: number) {
    const outputDir = tempDir();
    const { fake, fixture } = await startCoreOnSd15Fake(cleanups, { dataDir: tempDir(), outputDir });
    fake.setViewBehaviour({ delayMs: viewDelayMs });
    return { fake, fixture, outputDir };
  }

  it('has checked the path before the download ends', async () => {
    const { fixture } = await setUp(1500);
    const result = await generateSd15(fixture, 'a slow download');
    expect(result.status).toBe('completed');
    const job = fixture.core.scheduler.get(result.batch_id)!.jobs[0]!;
    const phases = timelines.get(job.id)!.map(([phase]) => phase);
    expect(phases.indexOf('path-checked')).toBeGreaterThan(phases.indexOf('deliver'));
    expect(phases.indexOf('path-checked')).toBeLessThan(phases.indexOf('downloaded'));
    expect(existsSync(result.images[0]!.path)).toBe(true);
  });

  it('writes a PNG into its temp file while /view is still sending it, and places it whole', async () => {
    const { fake, fixture, outputDir } = await setUp(0);
    let release!: () => void;
    fake.setViewBehaviour({
      holdAfter: { bytes: 64, until: new Promise<void>((resolve) => (release = resolve)) },
    });
    const tempBytes = () =>
      readdirSync(outputDir)
        .filter((name) => name.endsWith('.tmp'))
        .reduce((sum, name) => sum + statSync(join(outputDir, name)).size, 0);
    const answer = generateSd15(fixture, 'a held download', join(outputDir, 'held.png'));
    await until(() => tempBytes() === 64, 'the first bytes are in the temp file before the rest is sent');
    release();
    const result = await answer;
    expect(result.status).toBe('completed');
    expect(readdirSync(outputDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(await sharp(join(outputDir, 'held.png')).metadata()).toMatchObject({
      width: 64,
      height: 64,
      format: 'png',
    });
  });

  it('writes nothing when the save folder became a link out of the allowed folders during the run', async () => {
    const { fake, fixture, outputDir } = await setUp(0);
    const folder = join(outputDir, 'out');
    mkdirSync(folder);
    const elsewhere = tempDir('elsewhere-');
    fake.holdSampling(true);
    const answer = generateSd15(fixture, 'a swapped folder', join(folder, 'image.png'));
    await until(() => fake.queueLength === 1, 'ComfyUI runs the prompt');
    renameSync(folder, join(outputDir, 'moved'));
    symlinkSync(elsewhere, folder);
    fake.holdSampling(false);
    const result = await answer.catch((error: unknown) => error as { code: string });
    expect(['path_refused', 'path_changed']).toContain((result as { code?: string }).code);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readdirSync(join(outputDir, 'moved'))).toEqual([]);
  });
});
