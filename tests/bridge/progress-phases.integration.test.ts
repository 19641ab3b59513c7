import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DashboardEvent } from '../../shared/dashboard-api.js';
import {
  cleanupsAfterEach,
  removeDirs,
  startSd15Fake,
  startTestCore,
  toolContext,
  until,
} from '../core/harness.js';
import { openEvents } from '../dashboard/helpers.js';

const cleanups = cleanupsAfterEach();

/** The index of the first message that satisfies `test`, failing with the messages when there is none. */
function indexOf(messages: string[], test: (message: string) => boolean, what: string): number {
  const index = messages.findIndex(test);
  if (index < 0) throw new Error(`no ${what} in: ${messages.join(' | ')}`);
  return index;
}

/** A core with one idle fake ComfyUI, up: slow enough steps that the sampler's progress is seen. */
async function startIdleBackend() {
  const fake = await startSd15Fake(20);
  cleanups.push(() => fake.close());
  const fixture = await startTestCore({ urls: [fake.url] });
  const project = mkdtempSync(join(tmpdir(), 'phases-'));
  cleanups.push(async () => {
    await fixture.core.stop();
    removeDirs(fixture.dataDir, fixture.outputDir, project);
  });
  const { core } = fixture;
  await until(() => core.pool.snapshot().some((backend) => backend.available), 'the backend is up');
  return { core, project };
}

describe('progress phases of one image (fake ComfyUI)', () => {
  it('reports queued, loading, sampling n/N, decoding and saving in order, never "waiting" once ComfyUI runs it', async () => {
    const { core, project } = await startIdleBackend();
    const events = await openEvents(core);
    if (events.kind !== 'open') throw new Error(`events refused with ${events.status}`);
    cleanups.push(() => events.socket.terminate());

    const { ctx, updates } = toolContext({ roots: [project] });
    const result = await core.service.generateImage(
      { prompt: 'a lighthouse', workflow: 'sd15', width: 64, height: 64, seed: 7, save_path: 'out.png' },
      ctx,
    );
    expect(result.status).toBe('completed');
    const messages = updates.map((update) => update.message ?? '');

    // The job was dispatched before the call listened: it must not look as if it waited for a ComfyUI.
    expect(messages.filter((message) => message.startsWith('waiting'))).toEqual([]);
    const loading = indexOf(messages, (m) => m === 'loading the model', 'loading');
    const firstStep = indexOf(messages, (m) => /^step \d+\/\d+$/.test(m), 'sampler step');
    const decoding = indexOf(messages, (m) => m === 'decoding the image', 'decoding');
    const saving = indexOf(messages, (m) => m === 'saving the image', 'saving');
    expect(loading).toBeLessThan(firstStep);
    expect(firstStep).toBeLessThan(decoding);
    expect(decoding).toBeLessThan(saving);
    // Nothing after decoding goes back to an earlier phase.
    expect(
      messages.slice(decoding).filter((m) => m.startsWith('step ') || m === 'loading the model'),
    ).toEqual([]);
    expect(messages).toContain('step 20/20');

    // The dashboard sees the same phases, in the same order, each once.
    const phaseEvents = (): string[] =>
      events.events.flatMap((event: DashboardEvent) =>
        event.type === 'progress' && event.phase && event.phase !== 'sampling' ? [event.phase] : [],
      );
    await until(() => phaseEvents().includes('saving'), 'the dashboard saw the saving phase');
    expect(phaseEvents()).toEqual(['loading', 'decoding', 'saving']);
    const kinds = events.events.flatMap((event) =>
      event.type === 'progress' ? [event.phase === 'sampling' ? `sampling` : (event.phase ?? 'none')] : [],
    );
    const firstSampling = kinds.indexOf('sampling');
    expect(firstSampling).toBeGreaterThan(kinds.indexOf('loading'));
    expect(firstSampling).toBeLessThan(kinds.indexOf('decoding'));
    expect(kinds.slice(kinds.indexOf('decoding'))).not.toContain('sampling');
  });
});

describe('progress phases of a batch item (fake ComfyUI)', () => {
  it('check_batch_status names where a running item is: loading, step n/N, decoding, saving, in order', async () => {
    const { core, project } = await startIdleBackend();

    const submit = toolContext({ roots: [project] });
    const batch = await core.service.batchGenerateImages(
      {
        items: [
          { prompt: 'a lighthouse', workflow: 'sd15', width: 64, height: 64, seed: 7, save_path: 'b.png' },
        ],
      },
      submit.ctx,
    );
    const { ctx, updates } = toolContext({ roots: [project] });
    const status = await core.service.checkBatchStatus({ batch_id: batch.batch_id, wait_seconds: 60 }, ctx);
    expect(status.done).toBe(true);
    const itemPart = (message: string) => /item \d+: (.*)$/.exec(message)?.[1];
    const parts = updates.flatMap((update) => {
      const part = itemPart(update.message ?? '');
      return part === undefined ? [] : [part];
    });
    // Before the fix a running item read "queued in ComfyUI" until its first step, and nothing after the last.
    const loading = indexOf(parts, (m) => m === 'loading the model', 'loading');
    const firstStep = indexOf(parts, (m) => /^step \d+\/\d+$/.test(m), 'sampler step');
    const decoding = indexOf(parts, (m) => m === 'decoding the image', 'decoding');
    const saving = indexOf(parts, (m) => m === 'saving the image', 'saving');
    expect(loading).toBeLessThan(firstStep);
    expect(firstStep).toBeLessThan(decoding);
    expect(decoding).toBeLessThan(saving);
    expect(parts.slice(loading)).not.toContain('queued in ComfyUI');
  });
});
