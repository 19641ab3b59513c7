import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checklistViewSchema } from '../../shared/dashboard-api.js';
import { readEndpointRecord } from '../../electron/stdio/endpoint-record.js';
import { isBuilt, notBuiltMessage } from '../cli/built-cli.js';
import { removeDirs, startSd15Fake, startTestCore, tempDirs } from '../core/harness.js';
import { apiOf, eventually } from '../dashboard/helpers.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, type E2eClient } from './clients.js';

/*
 * The checklist's "agent connected" step through the built stdio launcher shim: a shim forwarding to the running
 * app (the client's requests arrive over /mcp), and a shim that runs the core in-process (they never touch
 * HTTP).
 */

if (!isBuilt) console.warn(`tests/mcp-e2e: ${notBuiltMessage}`);

let fake: FakeComfyUI;
const { tempDir, removeTempDirs } = tempDirs('bridge-checklist-');
let client: E2eClient | undefined;
beforeAll(async () => {
  fake = await startSd15Fake(2);
});
afterEach(async () => {
  await client?.close();
  client = undefined;
});
afterAll(async () => {
  await fake.close();
  removeTempDirs();
});

async function agentStep(baseUrl: string, token: string): Promise<string | undefined> {
  const reply = await fetch(`${baseUrl}/api/checklist`, { headers: { Authorization: `Bearer ${token}` } });
  return checklistViewSchema.parse(await reply.json()).steps.find((step) => step.id === 'agent')?.state;
}

describe.skipIf(!isBuilt).each(['2025', '2026'] as const)('%s-era client through the stdio shim', (era) => {
  it('counts as an agent when the shim forwards to the running app', async () => {
    const fixture = await startTestCore({ urls: [fake.url] });
    try {
      const token = apiOf(fixture.core).token;
      expect(await agentStep(fixture.core.url, token)).toBe('todo');
      client = await connect(era, 'stdio', { shimArgs: ['--data-dir', fixture.dataDir] });
      // A 2026 client's opening probe may have been answered by the shim alone (and its discovery cached):
      // the app hears from it with its first request.
      await client.listTools();
      await eventually(async () => (await agentStep(fixture.core.url, token)) === 'done', 'agent done');
      expect(client.stderr()).toContain('forwarding to the running app');
    } finally {
      await client?.close();
      client = undefined;
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir);
    }
  });

  it('counts as an agent when the shim runs the core in-process', async () => {
    const dataDir = tempDir();
    client = await connect(era, 'stdio', {
      shimArgs: [
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--output-dir',
        join(dataDir, 'out'),
        '--comfyui',
        fake.url,
      ],
    });
    await client.listTools();
    const record = readEndpointRecord(dataDir);
    if (!record) throw new Error('the in-process core wrote no endpoint record');
    const { dashboardToken } = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as {
      dashboardToken: string;
    };
    expect(await agentStep(record.url, dashboardToken)).toBe('done');
  });
});
