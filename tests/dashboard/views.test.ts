import { deviceMemory, deviceTitle } from '../../shared/devices.js';
import { describe, expect, it } from 'vitest';
import {
  backendViewSchema,
  batchViewSchema,
  galleryItemSchema,
  settingsViewSchema,
  workflowViewSchema,
} from '../../shared/dashboard-api.js';
import { defaultSettings } from '../../shared/settings.js';
import type { BackendSnapshot } from '../../electron/jobs/backend-pool.js';
import type { BatchRecord, JobRecord, JobSpec } from '../../electron/jobs/types.js';
import { describeWorkflow } from '../../electron/workflows/workflow.js';
import type { WorkflowEntry } from '../../electron/workflows/library.js';
import {
  describeDefault,
  recentBatches,
  restartRequired,
  toBackendView,
  toBatchView,
  toGalleryItem,
  toSettingsView,
  toWorkflowView,
  type ItemContext,
} from '../../electron/dashboard/views.js';
import { fixture } from '../workflows/helpers.js';

const spec: JobSpec = {
  prompt: 'a lighthouse',
  negativePrompt: '',
  width: 512,
  height: 512,
  seed: 7,
  format: 'png',
  workflow: 'sd15',
  savePath: '/out/a.png',
  allowedRoots: ['/out'],
  overwrite: false,
};

function job(id: string, state: JobRecord['state'], extra: Partial<JobRecord> = {}): JobRecord {
  return { id, index: 0, spec, state, attempts: 1, updatedAt: '2026-01-01T00:00:00.000Z', ...extra };
}

function batch(id: string, createdAt: string, jobs: JobRecord[]): BatchRecord {
  return { id, priority: 'batch', createdAt, jobs: jobs.map((entry, index) => ({ ...entry, index })) };
}

const noContext: ItemContext = { progressOf: () => undefined, imageIdOf: () => undefined };

describe('device names', () => {
  it('calls a CPU device CPU with RAM, Apple silicon unified memory, and a GPU by its name with VRAM', () => {
    expect([deviceTitle({ name: 'cpu', type: 'cpu' }), deviceMemory('cpu')]).toEqual(['CPU', 'RAM']);
    expect([deviceTitle({ name: 'mps', type: 'mps' }), deviceMemory('mps')]).toEqual([
      'mps',
      'unified memory',
    ]);
    expect([deviceTitle({ name: 'cuda:0 RTX', type: 'cuda' }), deviceMemory('cuda')]).toEqual([
      'cuda:0 RTX',
      'VRAM',
    ]);
  });
});

describe('backend view', () => {
  it('shows stats when known and the problem when unreachable', () => {
    const up: BackendSnapshot = {
      id: 'http://a:8188',
      url: 'http://a:8188',
      available: true,
      stats: {
        version: '0.3.64',
        os: 'posix',
        ramTotal: 1,
        ramFree: 1,
        devices: [{ name: 'RTX', type: 'cuda', vramTotal: 24, vramFree: 20 }],
      },
      queueRemaining: 2,
      inFlight: 1,
      since: '2026-01-01T00:00:00.000Z',
    };
    expect(backendViewSchema.parse(toBackendView(up))).toEqual({
      url: 'http://a:8188',
      reachable: true,
      version: '0.3.64',
      devices: [{ name: 'RTX', type: 'cuda', vramTotal: 24, vramFree: 20 }],
      queueRemaining: 2,
      inFlight: 1,
      since: '2026-01-01T00:00:00.000Z',
    });
    const down = toBackendView({ ...up, available: false, problem: 'start ComfyUI', stats: undefined });
    expect(down).toMatchObject({ reachable: false, problem: 'start ComfyUI', devices: [] });
    expect(down).not.toHaveProperty('version');
  });
});

describe('batch view', () => {
  it('shows progress only on running items and the image only on completed ones still in the gallery', () => {
    const context: ItemContext = {
      progressOf: () => ({ value: 3, max: 20 }),
      imageIdOf: (jobId) => (jobId === 'j_done' ? 'j_done' : undefined),
    };
    const view = toBatchView(
      batch('b_1', '2026-01-01T00:00:00.000Z', [
        job('j_run', 'running'),
        job('j_done', 'completed', {
          result: {
            path: '/out/a.png',
            width: 500,
            height: 400,
            format: 'png',
            bytes: 10,
            seed: 7,
            workflow: 'sd15',
            backend: 'http://a',
          },
        }),
        job('j_gone', 'completed'),
        job('j_bad', 'failed', { error: { code: 'x', message: 'broke', details: { secret: 1 } } }),
        job('j_wait', 'pending'),
      ]),
      context,
    );
    batchViewSchema.parse(view);
    expect(view.done).toBe(false);
    expect(view.counts).toEqual({ total: 5, completed: 2, pending: 1, running: 1, failed: 1, cancelled: 0 });
    const [running, done, gone, failed, pending] = view.items;
    expect(running).toMatchObject({ progress: { value: 3, max: 20 } });
    expect(running).not.toHaveProperty('imageId');
    expect(done).toMatchObject({ imageId: 'j_done', path: '/out/a.png', width: 500, height: 400 });
    expect(done).not.toHaveProperty('progress');
    expect(gone).not.toHaveProperty('imageId');
    expect(failed!.error).toEqual({ code: 'x', message: 'broke' });
    expect(pending).not.toHaveProperty('progress');
  });

  it('lists unfinished batches first, then the newest finished ones, within the limit', () => {
    const finished = (id: string, at: string) => batch(id, at, [job(`${id}j`, 'completed')]);
    const open = batch('b_open', '2026-01-01T00:00:00.000Z', [job('oj', 'pending')]);
    const list = recentBatches(
      [
        finished('b_old', '2026-01-02T00:00:00.000Z'),
        open,
        finished('b_new', '2026-01-04T00:00:00.000Z'),
        finished('b_mid', '2026-01-03T00:00:00.000Z'),
      ],
      3,
    );
    expect(list.map((entry) => entry.id)).toEqual(['b_open', 'b_new', 'b_mid']);
    expect(recentBatches([open], 0).map((entry) => entry.id)).toEqual(['b_open']);
    expect(toBatchView(open, noContext).done).toBe(false);
  });
});

describe('gallery item', () => {
  it('carries the record without empty optional fields', () => {
    const item = toGalleryItem(
      {
        id: 'g1',
        path: '/out/a.webp',
        prompt: 'p',
        negativePrompt: '',
        seed: 1,
        width: 2,
        height: 3,
        format: 'webp',
        bytes: 4,
        workflow: 'sd15',
        backend: 'http://a',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
      { state: 'present' },
    );
    expect(galleryItemSchema.parse(item)).toEqual(item);
    expect(item).not.toHaveProperty('negativePrompt');
    expect(item).not.toHaveProperty('batchId');
    expect(item).not.toHaveProperty('fileNote');
  });
});

describe('workflow view', () => {
  const entry: WorkflowEntry = {
    id: 'sd15',
    source: 'bundled',
    file: '/w/sd15.json',
    status: 'ok',
    workflow: describeWorkflow('sd15', fixture('sd15-default')),
  };

  it('flattens detected parameters and reports each backend, checked or not', () => {
    const view = toWorkflowView(entry, [
      { backend: 'http://a', checked: true, runnable: false, messages: ['needs model x'] },
      { backend: 'http://b', checked: false },
    ]);
    workflowViewSchema.parse(view);
    expect(view.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'prompt',
          classType: 'CLIPTextEncode',
          input: 'text',
          source: 'detected',
        }),
        expect.objectContaining({ name: 'seed', classType: 'KSampler', input: 'seed' }),
      ]),
    );
    expect(view.outputNodeIds.length).toBeGreaterThan(0);
    expect(view.validation).toEqual([
      { backend: 'http://a', runnable: false, messages: ['needs model x'] },
      { backend: 'http://b', runnable: false, messages: [expect.stringContaining('has not answered')] },
    ]);
  });

  it('shows a broken file with its error and nothing to validate', () => {
    const view = toWorkflowView(
      { id: 'bad', source: 'user', file: '/u/bad.json', status: 'error', error: 'not JSON' },
      [],
    );
    expect(workflowViewSchema.parse(view)).toMatchObject({
      status: 'error',
      error: 'not JSON',
      parameters: [],
    });
  });

  it('names the default: the choice when there is one, the preference while nothing can be checked', () => {
    expect(describeDefault('', { id: 'sd15', reason: 'first with models' }, true)).toEqual({
      defaultId: 'sd15',
      defaultReason: 'first with models',
    });
    expect(describeDefault('mine', { id: undefined, reason: 'no backend' }, false)).toMatchObject({
      defaultId: 'mine',
    });
    expect(describeDefault('', { id: undefined, reason: 'no backend' }, false)).toEqual({
      defaultReason: 'no backend',
    });
  });
});

describe('settings view', () => {
  it('never carries the dashboard token', () => {
    const view = toSettingsView({ ...defaultSettings, dashboardToken: 'secret' });
    expect(view).not.toHaveProperty('dashboardToken');
    expect(settingsViewSchema.parse(view)).toEqual(view);
  });

  it('reports the start-up settings that changed', () => {
    const running = {
      host: '127.0.0.1',
      port: 8190,
      mcpToken: '',
      requireTokenOnLoopback: true,
      userWorkflowsDir: '',
    };
    expect(restartRequired(running, { ...defaultSettings })).toEqual([]);
    expect(restartRequired(running, { ...defaultSettings, port: 9000, comfyuiUrls: ['http://x'] })).toEqual([
      'port',
    ]);
    expect(restartRequired(running, { ...defaultSettings, mcpToken: 't', userWorkflowsDir: '/w' })).toEqual([
      'mcpToken',
      'userWorkflowsDir',
    ]);
    expect(restartRequired(running, { ...defaultSettings, requireTokenOnLoopback: false })).toEqual([
      'requireTokenOnLoopback',
    ]);
  });
});
