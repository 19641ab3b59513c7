import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../shared/dashboard-api.js';
import { removeDirs } from '../core/harness.js';
import { cleanEnv, isBuilt, notBuiltMessage, packageRoot, startServe } from './built-cli.js';

/*
 * Issue 11 §3: the Connect view's stdio snippet left out `--data-dir` (and the other options) of the `serve`
 * that made it, so the shim it starts looked in the default data folder, found no bridge and silently started
 * a second one. Here the built `serve` runs on a folder of its own, and the shim is started exactly as the
 * snippet says, in an environment whose default data folder is elsewhere.
 */

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!isBuilt)('the stdio snippet of a serve with --data-dir', () => {
  it('carries the data folder and the run options, and its shim forwards to that serve', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bridge-data-'));
    // The default data folder of the serve and of the shim: empty, and never the developer's own.
    const configHome = mkdtempSync(join(tmpdir(), 'bridge-xdg-'));
    cleanups.push(() => removeDirs(dataDir, configHome));
    const env = cleanEnv({ XDG_CONFIG_HOME: configHome });
    const serve = await startServe(
      ['--data-dir', dataDir, '--port', '0', '--comfyui', 'http://127.0.0.1:9', '--max-pending', '25'],
      env,
    );
    cleanups.push(() => serve.stop());

    const dashboard = new URL(serve.dashboardUrl);
    const reply = await fetch(new URL('/api/connect', dashboard), {
      headers: { Authorization: `Bearer ${dashboard.searchParams.get('token')}` },
    });
    expect(reply.status).toBe(200);
    const info = apiRoutes.connect.response.parse(await reply.json());
    const snippet = info.snippets.find((entry) => entry.client === 'claude-desktop')!;
    const launch = (
      JSON.parse(snippet.text) as {
        mcpServers: { comfyui: { command: string; args: string[]; env?: Record<string, string> } };
      }
    ).mcpServers.comfyui;
    const flag = (name: string) => launch.args[launch.args.indexOf(name) + 1];
    expect(launch.args).toContain('stdio');
    expect(flag('--data-dir')).toBe(dataDir);
    expect(flag('--comfyui')).toBe('http://127.0.0.1:9');
    expect(flag('--max-pending')).toBe('25');
    expect(info.shim.args).toEqual(launch.args);

    const transport = new StdioClientTransport({
      command: launch.command,
      args: launch.args,
      env: { ...(env as Record<string, string>), ...launch.env },
      cwd: packageRoot,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'snippet-shim', version: '1.0.0' });
    await client.connect(transport);
    cleanups.push(() => client.close());
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('generate_image');
    expect(stderr).toContain('forwarding to the running app');
    expect(stderr).toContain(serve.mcpUrl);
    expect(stderr).not.toContain('starting the bridge in-process');
    expect(existsSync(join(configHome, 'comfyui-mcp-bridge', 'endpoint.json'))).toBe(false);
  });
});

if (!isBuilt) console.warn(`tests/cli: ${notBuiltMessage}`);
