import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { startSd15Fake } from '../core/harness.js';
import { connect } from '../mcp-e2e/clients.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/connection: skipped: ${skip}`);

describe.skipIf(skip)('connection status', () => {
  let first: FakeComfyUI;
  let second: FakeComfyUI;
  let bridge: Bridge;
  let browser: Browser;

  beforeAll(async () => {
    first = await startSd15Fake(2);
    second = await startSd15Fake(2);
    // Stored, not a flag: a flag would lock the address for the run, and this test changes it in Settings.
    bridge = await startBridge({ comfyuiUrls: [], storedSettings: { comfyuiUrls: [first.url] } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.stop();
    await first?.close();
    await second?.close();
  });

  it('flips the indicator when ComfyUI stops and again when it is back', async () => {
    const { page, problems, close } = await openPage(browser);
    await page.goto(`${bridge.dashboardUrl}#/status`);
    const indicator = page.getByRole('status', { name: /^Connection:/ });
    const stateIs = (state: string) =>
      expect.poll(() => indicator.getAttribute('data-state'), { timeout: uiTimeout }).toBe(state);

    await stateIs('connected');
    await page.getByText('Reachable · ComfyUI').waitFor();
    expect(await page.getByText('No ComfyUI answers.').count()).toBe(0);

    await first.kill();
    await stateIs('unreachable');
    expect(await indicator.textContent()).toContain('ComfyUI not reachable');
    const hint = page.getByRole('note');
    await hint.waitFor();
    expect(await hint.textContent()).toMatch(/Start ComfyUI.*port 8188.*8000/s);

    await first.restart();
    await stateIs('connected');
    expect(await page.getByText('No ComfyUI answers.').count()).toBe(0);

    // The websocket's own error while the bridge was fine would show here; ComfyUI going away must not.
    expect(problems).toEqual([]);
    await close();
  });

  it('uses a ComfyUI address changed in Settings at once, without a restart', async () => {
    await first.kill();
    const { page, problems, close } = await openPage(browser);
    await page.goto(`${bridge.dashboardUrl}#/settings`);
    const urls = page.getByLabel('ComfyUI servers');
    await expect.poll(() => urls.inputValue(), { timeout: uiTimeout }).toBe(first.url);
    await urls.fill(second.url);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved; in effect now.').waitFor({ timeout: uiTimeout });

    await page.getByRole('link', { name: 'Status', exact: true }).click();
    const indicator = page.getByRole('status', { name: /^Connection:/ });
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: uiTimeout }).toBe('connected');
    await page.getByRole('heading', { name: second.url }).waitFor({ timeout: uiTimeout });
    expect(await page.getByRole('heading', { name: first.url }).count()).toBe(0);

    // The agents' side follows too: the next image is drawn by the new ComfyUI.
    const agent = await connect('2026', 'http', {
      mcpUrl: `${bridge.baseUrl}/mcp`,
      token: bridge.mcpToken,
    });
    try {
      const result = await agent.call('generate_image', {
        prompt: 'a red kite',
        workflow: 'sd15',
        width: 64,
        height: 64,
      });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(second.submitted.length).toBe(1);
    } finally {
      await agent.close();
    }
    expect(problems).toEqual([]);
    await close();
  });
});
