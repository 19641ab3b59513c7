import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { startSd15Fake } from '../core/harness.js';
import { connect, type E2eClient } from '../mcp-e2e/clients.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

/*
 * The Batches view and the Status view tell the same story: two pages open side by side on the built `serve`, a
 * batch run against the fake ComfyUI, and at each moment the run is held still (sampling held mid-run, then the
 * batch finished) the running and waiting counts of one equal the other's.
 */

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/batch-counts: skipped: ${skip}`);

const total = 12;
const failing = 3;

interface Counts {
  done: number;
  failed: number;
  running: number;
  waiting: number;
}

/** "5 of 12 done, 2 running, 4 waiting, 1 failed" (the parts after the first only when not zero). */
async function batchCounts(page: Page, batchId: string): Promise<Counts | undefined> {
  const summary = page.getByRole('article', { name: `Batch ${batchId}` }).locator('.batch-summary');
  if ((await summary.count()) === 0) return undefined;
  const text = (await summary.textContent()) ?? '';
  const part = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(text)?.[1] ?? 0);
  return {
    done: part(`of ${total} done`),
    failed: part('failed'),
    running: part('running'),
    waiting: part('waiting'),
  };
}

/** The Status view's "Queue: 2 running, 10 waiting". */
async function statusQueue(page: Page): Promise<Pick<Counts, 'running' | 'waiting'> | undefined> {
  const queue = page.locator('dt', { hasText: 'Queue' }).locator('xpath=following-sibling::dd[1]');
  if ((await queue.count()) === 0) return undefined;
  const match = /(\d+) running, (\d+) waiting/.exec((await queue.textContent()) ?? '');
  return match ? { running: Number(match[1]), waiting: Number(match[2]) } : undefined;
}

describe.skipIf(skip)('Batches and Status counts', () => {
  let fake: FakeComfyUI;
  let bridge: Bridge;
  let browser: Browser;
  let agent: E2eClient;

  beforeAll(async () => {
    fake = await startSd15Fake(2);
    fake.failWhen((prompt) =>
      JSON.stringify(prompt).includes('please fail') ? 'Failed as asked' : undefined,
    );
    bridge = await startBridge({ comfyuiUrls: [fake.url] });
    browser = await launchChromium();
    agent = await connect('2026', 'http', { mcpUrl: `${bridge.baseUrl}/mcp`, token: bridge.mcpToken });
  });
  afterAll(async () => {
    await agent?.close();
    await browser?.close();
    await bridge?.stop();
    await fake?.close();
  });

  it('agree while a batch is held mid-run and once it has finished', async () => {
    const status = await openPage(browser);
    const batches = await openPage(browser);
    await status.page.goto(`${bridge.dashboardUrl}#/status`);
    await batches.page.goto(`${bridge.dashboardUrl}#/batches`);
    await batches.page.getByText('No batches yet.').waitFor({ timeout: uiTimeout });
    await expect
      .poll(() => statusQueue(status.page), { timeout: uiTimeout })
      .toEqual({ running: 0, waiting: 0 });

    fake.holdSampling(true);
    const started = await agent.call('batch_generate_images', {
      items: Array.from({ length: total }, (_, index) => ({
        prompt: index % 4 === 1 ? `a lighthouse, please fail ${index}` : `a lighthouse, variation ${index}`,
      })),
      defaults: { workflow: 'sd15', width: 96, height: 64 },
    });
    expect(started.isError, JSON.stringify(started.content)).toBeFalsy();
    const batchId = (started.structuredContent as { batch_id: string }).batch_id;

    // Held mid-run: some sent to ComfyUI, the rest waiting in the bridge, nothing finished yet.
    await expect
      .poll(
        async () => {
          const batch = await batchCounts(batches.page, batchId);
          return batch !== undefined && batch.running > 0 && batch.running + batch.waiting === total;
        },
        { timeout: uiTimeout },
      )
      .toBe(true);
    // Nothing moves while sampling is held, so the two pages must settle on the same figures.
    const agreement = async () => {
      const batch = await batchCounts(batches.page, batchId);
      const queue = await statusQueue(status.page);
      return { batch: batch && { running: batch.running, waiting: batch.waiting }, status: queue };
    };
    await expect
      .poll(agreement, { timeout: uiTimeout })
      .toSatisfy(
        ({ batch, status: queue }) => batch !== undefined && JSON.stringify(batch) === JSON.stringify(queue),
      );
    expect(await batchCounts(batches.page, batchId)).toMatchObject({ done: 0, failed: 0 });

    // Finished: every image done or failed, and nothing running or waiting in either view.
    fake.holdSampling(false);
    await expect
      .poll(() => batchCounts(batches.page, batchId), { timeout: uiTimeout * 2 })
      .toEqual({ done: total - failing, failed: failing, running: 0, waiting: 0 });
    await expect
      .poll(() => statusQueue(status.page), { timeout: uiTimeout })
      .toEqual({ running: 0, waiting: 0 });

    for (const watched of [status, batches]) {
      expect(watched.problems).toEqual([]);
      await watched.close();
    }
  });
});
