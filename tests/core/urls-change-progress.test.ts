import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCore, type Core } from '../../electron/core.js';
import { createLogger } from '../../electron/log.js';
import { createSettings, memoryStore } from '../../electron/settings.js';
import type { DashboardEvent } from '../../shared/dashboard-api.js';
import { apiOf, openEvents } from '../dashboard/helpers.js';
import { connect } from '../mcp/harness.js';
import { bundledWorkflowsDir, removeDirs, startSd15Fake, until } from './harness.js';

/*
 * Issue 11 §3: after the ComfyUI URLs were changed in Settings (away and back), step progress stopped for good,
 * in MCP progress notifications and on the dashboard, until a restart. The scheduler subscribed to a backend's
 * client once per URL; coming back created a new client for the same URL, and nobody listened to it.
 */

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A core whose ComfyUI list is a stored setting (as the dashboard edits it), not a command-line override. */
async function coreWithStoredUrls(urls: string[]): Promise<Core> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bridge-data-'));
  const outputDir = mkdtempSync(join(tmpdir(), 'bridge-out-'));
  cleanups.push(() => removeDirs(dataDir, outputDir));
  const logger = createLogger({ level: process.env.BRIDGE_TEST_LOGS ? 'debug' : 'error' });
  const settings = createSettings({ store: memoryStore({ comfyuiUrls: urls, port: 0, outputDir }), logger });
  const core = await startCore({
    settings,
    dataDir,
    bundledWorkflowsDir,
    logger,
    tuning: { healthIntervalMs: 100, failoverAfterMs: 600, heartbeatMs: 200 },
  });
  cleanups.push(() => core.stop());
  return core;
}

const onlyReachable = (core: Core, url: string) => {
  const backends = core.pool.snapshot();
  return backends.length === 1 && backends[0]!.url === url && backends[0]!.available;
};

describe('ComfyUI URLs changed in Settings', () => {
  it('keeps step progress flowing to MCP and the dashboard after the URLs go away and come back', async () => {
    // sd15's 20 steps of 40 ms: long enough to be seen stepping, short enough for a loaded machine.
    const [home, away] = [await startSd15Fake(40), await startSd15Fake(40)];
    cleanups.push(
      () => home.close(),
      () => away.close(),
    );
    const core = await coreWithStoredUrls([home.url]);
    await until(() => onlyReachable(core, home.url), 'the first ComfyUI is reachable');

    const api = apiOf(core);
    for (const urls of [[away.url], [home.url]]) {
      const reply = await api.call('/api/settings', { method: 'PATCH', body: { comfyuiUrls: urls } });
      expect(reply.status, reply.body.toString()).toBe(200);
      await until(() => onlyReachable(core, urls[0]!), `only ${urls[0]} is in use, reachable`);
    }

    const events = await openEvents(core);
    if (events.kind !== 'open') throw new Error(`events refused with ${events.status}`);
    cleanups.push(() => events.socket.terminate());
    const client = await connect('2026', new URL(core.mcpUrl), { token: core.settings.get().mcpToken });
    cleanups.push(() => client.close());

    const messages: string[] = [];
    const result = await client.callTool(
      'generate_image',
      { prompt: 'a heron at dusk', workflow: 'sd15', width: 64, height: 64, wait_seconds: 30 },
      { onprogress: (update) => messages.push(update.message ?? '') },
    );
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect((result.structuredContent as { status?: string }).status).not.toBe('running');
    expect(home.executions.size, 'the job ran on the ComfyUI that came back').toBe(1);

    expect(messages.filter((message) => /step \d+\/20/u.test(message)).length).toBeGreaterThan(0);
    const progress = (event: DashboardEvent) => event.type === 'progress' && event.max === 20;
    await until(() => events.events.some(progress), 'a step progress event on the dashboard');
  });
});
