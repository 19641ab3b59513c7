import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDirs, startTestCore, until, type CoreFixture } from '../core/harness.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { modelName, startFileServer, workflowsWith, type FileServer } from '../models/support.js';
import { e2eSkipReason, launchChromium, openPage, uiTimeout } from './support.js';

/*
 * The Status view's model download in headless Chromium: a core (in this process, serving the built dashboard)
 * whose only bundled workflow's file is missing from a fake ComfyUI with real model folders, and a file server
 * that holds the transfer at a third until the test has seen the progress bar move.
 */

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/model-download: skipped: ${skip}`);

describe.skipIf(skip)('model download in the dashboard', () => {
  const bytes = randomBytes(3 * 1024 * 1024);
  let server: FileServer;
  let comfy: FakeComfyUI;
  let fixture: CoreFixture;
  let browser: Browser;
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startFileServer(bytes, { holdAfter: 1024 * 1024 });
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
    fixture = await startTestCore({ urls: [comfy.url], bundledWorkflowsDir: workflowsDir });
    await until(() => fixture.core.pool.snapshot()[0]?.available === true, 'backend available');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.core.stop();
    await comfy?.close();
    await server?.close();
    if (fixture) removeDirs(fixture.dataDir, fixture.outputDir);
    removeDirs(...dirs);
  });

  it('offers the model with its licence, shows the progress bar move, then says it is downloaded', async () => {
    const { page, problems, close } = await openPage(browser);
    const token = fixture.core.settings.get().dashboardToken;
    await page.goto(`${fixture.core.url}/?token=${token}#/status`);

    const offer = page.getByLabel('Model to download');
    await offer.waitFor({ timeout: uiTimeout });
    const text = await offer.textContent();
    expect(text).toContain('Stable Diffusion 1.5');
    expect(text).toContain('CreativeML OpenRAIL-M');
    expect(text).toContain(`${modelName} (3.0 MB)`);

    await offer.getByRole('button', { name: 'Download model' }).click();
    const bar = page.getByRole('progressbar', { name: `Downloading ${modelName} (1 of 1)` });
    await bar.waitFor({ timeout: uiTimeout });
    // The server holds the transfer at 1 MiB of 3: the bar shows a third, not 0 and not done.
    await expect
      .poll(() => bar.getAttribute('aria-valuenow'), { timeout: uiTimeout })
      .toBe(String(Math.round((1024 * 1024 * 100) / bytes.length)));
    expect(await offer.getByRole('button', { name: 'Download model' }).isDisabled()).toBe(true);
    // Meanwhile the bytes sit in an owner-only partial file that ComfyUI does not list.
    const partial = join(dirs[1]!, 'checkpoints', `${modelName}.partial`);
    expect(statSync(partial).mode & 0o777).toBe(0o600);
    expect(await (await fetch(`${comfy.url}/models/checkpoints`)).json()).toEqual([]);

    server.release();
    await page.getByText('Downloaded. ComfyUI lists the model now').waitFor({ timeout: uiTimeout });
    // Once the model runs, nothing is offered any more.
    await offer.waitFor({ state: 'detached', timeout: uiTimeout });
    expect(readFileSync(join(dirs[1]!, 'checkpoints', modelName)).equals(bytes)).toBe(true);
    expect(problems).toEqual([]);
    await close();
  });
});
