import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { startSd15Fake } from '../core/harness.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

/*
 * Issue 14 §1 in a real browser: the Connect view's one-click buttons for Cursor and VS Code carry install links
 * with this bridge's MCP URL and token (their formats are checked in tests/dashboard/connect-snippets.test.ts).
 */

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/connect: skipped: ${skip}`);

describe.skipIf(skip)('connect an agent: one-click buttons', () => {
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

  it('render with links that install this bridge, its URL and token filled in', async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await page.goto(`${bridge.dashboardUrl}#/connect`);
      const cursor = page.getByRole('link', { name: 'Install in Cursor' });
      const vscode = page.getByRole('link', { name: 'Install in VS Code (Copilot)' });
      await cursor.waitFor({ timeout: uiTimeout });
      const mcpUrl = `${bridge.baseUrl}/mcp`;
      const headers = { Authorization: `Bearer ${bridge.mcpToken}` };

      const cursorLink = new URL((await cursor.getAttribute('href'))!);
      expect(cursorLink.href.startsWith('cursor://anysphere.cursor-deeplink/mcp/install?')).toBe(true);
      expect(cursorLink.searchParams.get('name')).toBe('comfyui');
      expect(JSON.parse(atob(cursorLink.searchParams.get('config')!))).toEqual({ url: mcpUrl, headers });

      const vscodeHref = (await vscode.getAttribute('href'))!;
      expect(vscodeHref.startsWith('vscode:mcp/install?')).toBe(true);
      expect(JSON.parse(decodeURIComponent(vscodeHref.slice('vscode:mcp/install?'.length)))).toEqual({
        name: 'comfyui',
        type: 'http',
        url: mcpUrl,
        headers,
      });
      // Only those two clients have one-click links.
      expect(await page.getByRole('link', { name: /^Install in / }).count()).toBe(2);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
