import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCore, type Core } from '../../electron/core.js';
import { createLogger } from '../../electron/log.js';
import { createSettings, memoryStore } from '../../electron/settings.js';
import { apiErrorSchema, apiRoutes } from '../../shared/dashboard-api.js';
import type { SettingsPatch } from '../../shared/settings.js';
import { bundledWorkflowsDir, removeDirs, startSd15Fake, until } from '../core/harness.js';
import { apiOf } from './helpers.js';

/*
 * Issue 11 §3: a dashboard edit overwrote a command-line flag for the rest of the run (clearing the ComfyUI
 * list made the bridge discover another ComfyUI on :8188). Flags win, as the README says: a setting a flag or
 * variable set is locked for the run, the API names it and by what, and refuses to change it.
 */

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A core started as `serve --comfyui <url> --workflow sd15` with COMFYUI_MCP_MAX_PENDING set would start it. */
async function coreWithFlags(
  overrides: SettingsPatch,
  sources: Record<string, string>,
  discoveryCandidates: string[],
): Promise<Core> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bridge-data-'));
  const outputDir = mkdtempSync(join(tmpdir(), 'bridge-out-'));
  cleanups.push(() => removeDirs(dataDir, outputDir));
  const logger = createLogger({ level: process.env.BRIDGE_TEST_LOGS ? 'debug' : 'error' });
  const settings = createSettings({
    store: memoryStore({ port: 0, outputDir }),
    logger,
    overrides,
    overrideSources: sources,
  });
  const core = await startCore({
    settings,
    dataDir,
    bundledWorkflowsDir,
    logger,
    tuning: { healthIntervalMs: 100, failoverAfterMs: 600, discoveryCandidates },
  });
  cleanups.push(() => core.stop());
  return core;
}

describe('settings set by a flag or variable', () => {
  it('are reported as locked, refused with a 409 that names the flag, and stay in force', async () => {
    const [flagged, discoverable] = [await startSd15Fake(), await startSd15Fake()];
    cleanups.push(
      () => flagged.close(),
      () => discoverable.close(),
    );
    // The fake on the discovery list stands for the ComfyUI on :8188 the bridge found once the list was cleared.
    const core = await coreWithFlags(
      { comfyuiUrls: [flagged.url], defaultWorkflow: 'sd15', maxPendingJobs: 50 },
      { comfyuiUrls: '--comfyui', defaultWorkflow: '--workflow', maxPendingJobs: 'COMFYUI_MCP_MAX_PENDING' },
      [discoverable.url],
    );
    const api = apiOf(core);
    await until(() => core.pool.snapshot()[0]?.available === true, 'the flagged ComfyUI is reachable');

    for (const [patch, named] of [
      [{ comfyuiUrls: [] }, 'comfyuiUrls (set by --comfyui)'],
      [{ defaultWaitSeconds: 12, comfyuiUrls: [discoverable.url] }, 'comfyuiUrls (set by --comfyui)'],
      [{ defaultWorkflow: 'sdxl' }, 'defaultWorkflow (set by --workflow)'],
      [{ maxPendingJobs: 7 }, 'maxPendingJobs (set by COMFYUI_MCP_MAX_PENDING)'],
    ] as const) {
      const reply = await api.call('/api/settings', { method: 'PATCH', body: patch });
      expect(reply.status, `${JSON.stringify(patch)}: ${reply.body.toString()}`).toBe(409);
      const { error } = apiErrorSchema.parse(reply.json());
      expect(error.code).toBe('setting_locked');
      expect(error.message).toContain(named);
      expect(error.message).toMatch(/where the bridge is started, or start it without/);
    }
    // Nothing of a refused patch applied, not even its free fields; the flag's ComfyUI is still the only one.
    expect(core.settings.get()).toMatchObject({
      comfyuiUrls: [flagged.url],
      defaultWorkflow: 'sd15',
      maxPendingJobs: 50,
      defaultWaitSeconds: 45,
    });
    expect(core.pool.ids()).toEqual([flagged.url]);

    const shown = apiRoutes.settings.response.parse((await api.call('/api/settings')).json());
    expect(shown.locked).toEqual({
      comfyuiUrls: '--comfyui',
      defaultWorkflow: '--workflow',
      maxPendingJobs: 'COMFYUI_MCP_MAX_PENDING',
    });
    const workflows = apiRoutes.workflows.response.parse((await api.call('/api/workflows')).json());
    expect(workflows.defaultLockedBy).toBe('--workflow');

    // The whole form sent back, locked values unchanged, saves what is free to change.
    const saved = await api.call('/api/settings', {
      method: 'PATCH',
      body: { ...shown.settings, defaultWaitSeconds: 12 },
    });
    expect(saved.status, saved.body.toString()).toBe(200);
    const after = apiRoutes.updateSettings.response.parse(saved.json());
    expect(after.settings).toMatchObject({ comfyuiUrls: [flagged.url], defaultWaitSeconds: 12 });
    expect(after.locked).toEqual(shown.locked);
  });

  it('are none when the bridge was started without flags', async () => {
    const core = await coreWithFlags({}, {}, ['http://127.0.0.1:9']);
    const shown = apiRoutes.settings.response.parse((await apiOf(core).call('/api/settings')).json());
    expect(shown.locked).toEqual({});
    const workflows = apiRoutes.workflows.response.parse((await apiOf(core).call('/api/workflows')).json());
    expect(workflows).not.toHaveProperty('defaultLockedBy');
  });
});
