import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDirs, startTestCore, until, type CoreFixture } from '../core/harness.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, type TestClient } from '../mcp/harness.js';
import { startFileServer, workflowsWith, type FileServer } from '../models/support.js';
import { e2eSkipReason, launchChromium, openPage, uiTimeout } from './support.js';

/*
 * The first-run checklist in headless Chromium, advancing step by step with the page never reloaded: a core (in
 * this process, serving the built dashboard) whose fake ComfyUI is down at first, then comes up (through the
 * checklist's Start ComfyUI, running a real process) without the one bundled model, gets it through the checklist's Download button, then a real MCP client (the v2 client over
 * HTTP) connects and generates.
 */

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/first-run: skipped: ${skip}`);

describe.skipIf(skip)('first-run checklist in the dashboard', () => {
  const bytes = randomBytes(256 * 1024);
  let server: FileServer;
  let comfy: FakeComfyUI;
  let fixture: CoreFixture;
  let browser: Browser;
  let agent: TestClient | undefined;
  let control: Server;
  let startRequests = 0;
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startFileServer(bytes);
    const workflowsDir = workflowsWith(server.url, {
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const modelsDir = mkdtempSync(join(tmpdir(), 'comfy-models-'));
    dirs.push(workflowsDir, modelsDir);
    comfy = await startFakeComfyUI({
      modelsDir,
      stepMs: 2,
      device: { name: 'cuda:0 NVIDIA GeForce RTX 4060', type: 'cuda', vramTotal: 8_585_216_000 },
    });
    // ComfyUI is not running when the bridge starts. The start command is a real process that asks this test, over
    // HTTP, to bring the fake up: what a real start script does to a real ComfyUI.
    await comfy.kill();
    control = createServer((_req, res) => {
      startRequests += 1;
      void comfy.restart().then(() => res.end('up'));
    });
    await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
    const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}/up`;
    const scriptDir = mkdtempSync(join(tmpdir(), 'comfy-start-'));
    dirs.push(scriptDir);
    const script = join(scriptDir, 'start-comfy.mjs');
    writeFileSync(script, 'await fetch(process.argv[2]);\n');
    fixture = await startTestCore({
      urls: [comfy.url],
      bundledWorkflowsDir: workflowsDir,
      settings: { comfyuiStartCommand: `"${process.execPath}" "${script}" ${controlUrl}` },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await agent?.close();
    await browser?.close();
    await fixture?.core.stop();
    await comfy?.close();
    await server?.close();
    control?.close();
    if (fixture) removeDirs(fixture.dataDir, fixture.outputDir);
    removeDirs(...dirs);
  });

  it('goes from ComfyUI down to a first image, each step turning done live', async () => {
    const { page, problems, close } = await openPage(browser);
    const token = fixture.core.settings.get().dashboardToken;
    // The page the desktop window opens on, on a first run.
    expect(fixture.core.startPageUrl).toBe(`${fixture.core.dashboardUrl}#/checklist`);
    await until(() => fixture.core.pool.snapshot()[0]?.problem !== undefined, 'first probe failed');
    await page.goto(`${fixture.core.url}/?token=${token}#/checklist`);
    const step = (name: string) => page.getByRole('listitem', { name });
    // Set once; still there at the end shows the page was never reloaded.
    await page.evaluate(() => Object.assign(window, { loadedOnce: true }));

    await step('ComfyUI found: to do').waitFor({ timeout: uiTimeout });
    expect(await step('ComfyUI found: to do').textContent()).toContain(comfy.url);
    await step('A model that runs: waiting').waitFor({ timeout: uiTimeout });
    await step('An agent connected: to do').waitFor({ timeout: uiTimeout });
    await step('First image made: waiting').waitFor({ timeout: uiTimeout });

    await step('ComfyUI found: to do').getByRole('button', { name: 'Start ComfyUI' }).click();
    await page.getByText(/^Started \(process \d+\); its output goes to /).waitFor({ timeout: uiTimeout });
    await step('ComfyUI found: done').waitFor({ timeout: uiTimeout });
    expect(startRequests).toBe(1);
    const model = step('A model that runs: to do');
    await model.waitFor({ timeout: uiTimeout });
    await model.getByRole('button', { name: 'Download model' }).click();
    await step('A model that runs: done').waitFor({ timeout: uiTimeout });
    await page.getByText('2 of 4 done.').waitFor({ timeout: uiTimeout });

    agent = await connect('2026', new URL(fixture.core.mcpUrl), {
      token: fixture.core.settings.get().mcpToken,
    });
    await step('An agent connected: done').waitFor({ timeout: uiTimeout });
    await step('First image made: to do').waitFor({ timeout: uiTimeout });

    const result = await agent.callTool('generate_image', {
      prompt: 'a lighthouse at dusk',
      width: 512,
      height: 512,
    });
    expect(result.isError).toBeFalsy();
    await step('First image made: done').waitFor({ timeout: uiTimeout });
    await page.getByText('All set: ComfyUI makes images for your agent.').waitFor({ timeout: uiTimeout });

    expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);

    // Finished, the checklist closes and Status links it from then on.
    await page.getByRole('button', { name: 'Close the checklist' }).click();
    await page.getByRole('link', { name: 'First-run checklist' }).waitFor({ timeout: uiTimeout });
    expect(problems).toEqual([]);
    await close();
  });
});
