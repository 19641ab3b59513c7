import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultFileName } from '../../electron/bridge/file-names.js';
import { messageFor, percentFor, ProgressReporter } from '../../electron/bridge/progress.js';
import { chooseSaveTarget } from '../../electron/bridge/save-location.js';
import { toBatchStatus } from '../../electron/bridge/status.js';
import type { BatchRecord, JobRecord } from '../../electron/jobs/types.js';

describe('defaultFileName', () => {
  it('makes a short slug of the prompt with the seed and extension', () => {
    expect(defaultFileName('A red fox, in the SNOW at dawn; cinematic lighting', 42, 'webp')).toBe(
      'a-red-fox-in-the-snow-42.webp',
    );
    expect(defaultFileName('Crème brûlée', 7, 'jpeg')).toBe('creme-brulee-7.jpg');
    expect(defaultFileName('日本の猫', 1, 'png', '-3')).toBe('image-1-3.png');
  });
});

describe('chooseSaveTarget', () => {
  const name = 'fox-1.png';
  const withProject = { defaultDir: '/out', baseDir: '/site' };
  const choose = (
    savePath: string | undefined,
    anchors: { defaultDir: string; baseDir?: string },
    images?: string,
  ) => chooseSaveTarget({ savePath, generatedName: name, anchors, imagesFolder: images });

  it("puts an unnamed image in the project's images folder, else the output folder, and says why", () => {
    expect(choose(undefined, withProject, 'static')).toEqual({
      path: '/site/static/fox-1.png',
      reason: "no save_path: the project's static/ folder",
    });
    expect(choose(undefined, withProject).path).toBe('/out/fox-1.png');
    expect(choose(undefined, { defaultDir: '/out' }).path).toBe('/out/fox-1.png');
    expect(choose(undefined, { defaultDir: '/out' }).reason).toMatch(/no project folder/);
  });

  it('keeps a given save_path, explaining only a relative one with no project to resolve against', () => {
    expect(choose('img/a.png', withProject, 'public')).toEqual({ path: 'img/a.png' });
    expect(choose('/abs/a.png', { defaultDir: '/out' })).toEqual({ path: '/abs/a.png' });
    expect(choose('img/a.png', { defaultDir: '/out' }).reason).toMatch(/resolved in the output folder/);
  });
});

describe('progress', () => {
  afterEach(() => vi.useRealTimers());

  it('maps phases to a 0–100 scale with a message', () => {
    expect(percentFor({ kind: 'queued', position: 2 })).toBe(0);
    expect(percentFor({ kind: 'sampling', value: 10, max: 20 })).toBe(47.5);
    expect(messageFor({ kind: 'sampling', value: 0, max: 0 })).toBe('sampling');
    expect(messageFor({ kind: 'decoding' })).toBe('decoding the image');
    expect(percentFor({ kind: 'saving' })).toBe(95);
    expect(messageFor({ kind: 'queued', position: 2 })).toBe('queued: 2 ahead');
    expect(messageFor({ kind: 'sampling', value: 3, max: 20 })).toBe('step 3/20');
  });

  it('only ever increases, and heartbeats while nothing changes', () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const reporter = new ProgressReporter((update) => sent.push(update.progress), 5_000);
    reporter.update({ kind: 'sampling', value: 10, max: 20 });
    reporter.update({ kind: 'sampling', value: 5, max: 20 });
    vi.advanceTimersByTime(10_000);
    reporter.stop();
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(4);
    for (let i = 1; i < sent.length; i++) expect(sent[i]).toBeGreaterThan(sent[i - 1]!);
    expect(sent[0]).toBe(47.5);
  });
});

describe('toBatchStatus', () => {
  const job = (index: number, over: Partial<JobRecord>): JobRecord => ({
    id: `j${index}`,
    index,
    state: 'pending',
    attempts: 0,
    updatedAt: '',
    spec: {
      prompt: 'p',
      negativePrompt: '',
      width: 64,
      height: 64,
      seed: 100 + index,
      format: 'png',
      workflow: 'w',
      savePath: `/out/${index}.png`,
      allowedRoots: ['/out'],
      overwrite: false,
    },
    ...over,
  });

  it('counts every state and gives each item its path or error', () => {
    const batch: BatchRecord = {
      id: 'b1',
      priority: 'batch',
      createdAt: '',
      jobs: [
        job(0, {
          state: 'completed',
          result: {
            path: '/out/0.png',
            width: 64,
            height: 64,
            format: 'png',
            bytes: 10,
            seed: 100,
            workflow: 'w',
            backend: 'x',
          },
        }),
        job(1, {
          state: 'failed',
          error: { code: 'execution_error', message: 'boom', details: { node: '3' } },
        }),
        job(2, { state: 'running' }),
        job(3, {}),
      ],
    };
    const status = toBatchStatus(batch);
    expect(status).toMatchObject({
      batch_id: 'b1',
      done: false,
      total: 4,
      completed: 1,
      failed: 1,
      running: 1,
      pending: 1,
    });
    expect(status.items[0]).toMatchObject({ status: 'completed', path: '/out/0.png', bytes: 10 });
    expect(status.items[1]).toMatchObject({
      status: 'failed',
      error: { code: 'execution_error', details: { node: '3' } },
    });
    expect(status.items[3]).toEqual({ index: 3, status: 'pending', seed: 103 });
  });
});
