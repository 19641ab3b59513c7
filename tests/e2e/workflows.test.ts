import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { bundledWorkflowsDir, startSd15Fake } from '../core/harness.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/workflows: skipped: ${skip}`);

describe.skipIf(skip)('workflows', () => {
  let fake: FakeComfyUI;
  let bridge: Bridge;
  let browser: Browser;

  beforeAll(async () => {
    fake = await startSd15Fake(2);
    bridge = await startBridge({ comfyuiUrls: [fake.url] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.stop();
    await fake?.close();
  });

  it('shows a workflow dropped into the user folder, with its detected parameters, and makes it the default', async () => {
    const { page, problems, close } = await openPage(browser);
    await page.goto(`${bridge.dashboardUrl}#/workflows`);
    await page.getByText('You have not added workflows of your own yet.').waitFor({ timeout: uiTimeout });
    // Bundled ones list their check against the fake, which has only the SD 1.5 checkpoint.
    const sd15 = page.locator('li.workflow[data-id="sd15"]');
    await sd15.getByText(/^Runs on/).waitFor({ timeout: uiTimeout });
    await page
      .locator('li.workflow[data-id="sdxl"]')
      .getByText(/^Cannot run on/)
      .waitFor({ timeout: uiTimeout });

    // A plain API-format export, no placeholders: the bridge has to detect the inputs itself.
    const graph = readFileSync(join(bundledWorkflowsDir, 'sd15.json'), 'utf8');
    writeFileSync(join(bridge.workflowsDir, 'my-portraits.json'), graph);

    const mine = page.locator('li.workflow[data-id="my-portraits"]');
    await mine.waitFor({ timeout: uiTimeout });
    expect(await mine.getByText('Yours').count()).toBe(1);
    const parameters = mine.getByRole('list', { name: /^Parameters of/ });
    const names = await parameters.getByRole('listitem').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['prompt', 'negative_prompt', 'width', 'height', 'seed']));
    await mine.getByText(/^Runs on/).waitFor({ timeout: uiTimeout });

    await mine.getByRole('button', { name: /the default$/ }).click();
    await mine.getByText('Default', { exact: true }).waitFor({ timeout: uiTimeout });
    expect(problems).toEqual([]);
    await close();
  });
});
