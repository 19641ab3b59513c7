import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { binPath, mcpTokenOf, runCli, startServe, type ServeProcess } from '../cli/built-cli.js';
import { removeDirs, startSd15Fake } from '../core/harness.js';
import { claudeCode, geminiCli, isolatedEnv, runnable, type ThirdPartyClient } from './third-party.js';

/*
 * The agent CLIs' own MCP health checks (`claude mcp list`, `gemini mcp list`), which connect to every
 * configured server and say whether it answered, pointed at the built `serve` three ways: Streamable HTTP
 * with the bearer token, the stdio shim forwarding to that serve, and HTTP with a wrong token (which must
 * show as a failure, not as connected). Each CLI gets a throw-away HOME and an empty project folder.
 */

const wrongToken = 'not-the-token-0123456789abcdef';
/**
 * How long each CLI may take to connect. Their defaults (Gemini's list check: 5 s) are shorter than the stdio
 * shim's start-up on a loaded 2-core CI machine (Gemini reported the shim "Disconnected" in 1 of 3 runs at a
 * load average of 24); these tests prove the protocol works with each client, the bench times start-up.
 */
const connectTimeoutMs = 60_000;

let fake: FakeComfyUI;
let serve: ServeProcess;
let dataDir: string;
let token: string;
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  fake = await startSd15Fake(2);
  dataDir = tempDir('bridge-interop-data-');
  serve = await startServe([
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--output-dir',
    tempDir('bridge-interop-out-'),
    '--comfyui',
    fake.url,
    '--log-level',
    'warn',
  ]);
  const recorded = mcpTokenOf(dataDir);
  if (recorded === undefined) throw new Error('serve wrote no /mcp token to its endpoint record');
  token = recorded;
});
afterAll(async () => {
  await serve?.stop();
  await fake?.close();
  removeDirs(...dirs);
});

/** The shim as a user configures it: the package's command with `stdio` and the serve's data folder. */
const shimCommand = () => [process.execPath, binPath, 'stdio', '--data-dir', dataDir];

/** Runs one client command in its own home and project folder; fails with its output if it fails. */
async function run(client: ThirdPartyClient, args: string[], place: { env: NodeJS.ProcessEnv; cwd: string }) {
  const result = await runCli(args, {
    command: client.command,
    env: place.env,
    cwd: place.cwd,
    timeoutMs: 150_000,
  });
  const output = `${client.name} ${args.join(' ')} exited with ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  if (result.code !== 0) throw new Error(`${output}\nserve stderr:\n${serve.stderr()}`);
  return { ...result, output: `${output}\nserve stderr:\n${serve.stderr()}` };
}

/** `name: … - status` lines (both CLIs print one per server, Gemini's after a status mark and on stderr). */
function statusByServer(output: string): Map<string, string> {
  const statuses = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^(?:[^\w\s]\s+)?(bridge-[\w-]+): .*? - (.+)$/u.exec(line.trim());
    if (match) statuses.set(match[1]!, match[2]!);
  }
  return statuses;
}

describe.skipIf(!runnable(claudeCode))('claude mcp list', () => {
  it('shows the bridge connected over HTTP and through the stdio shim, and a wrong token as failed', async () => {
    const { home, env } = isolatedEnv();
    dirs.push(home);
    const place = {
      env: { ...env, MCP_TIMEOUT: String(connectTimeoutMs) },
      cwd: tempDir('bridge-interop-project-'),
    };
    const http = (name: string, bearer: string) =>
      run(
        claudeCode,
        [
          'mcp',
          'add',
          '--scope',
          'user',
          '--transport',
          'http',
          name,
          serve.mcpUrl,
          '--header',
          `Authorization: Bearer ${bearer}`,
        ],
        place,
      );
    await http('bridge-http', token);
    await http('bridge-wrong-token', wrongToken);
    await run(claudeCode, ['mcp', 'add', '--scope', 'user', 'bridge-stdio', '--', ...shimCommand()], place);

    const list = await run(claudeCode, ['mcp', 'list'], place);
    const statuses = statusByServer(list.stdout);
    expect(statuses.get('bridge-http'), list.output).toBe('✔ Connected');
    expect(statuses.get('bridge-stdio'), list.output).toBe('✔ Connected');
    // Claude Code shows the bridge's own 401 advice to the user.
    expect(statuses.get('bridge-wrong-token'), list.output).toMatch(/^✘ Failed to connect .*HTTP 401/);
    expect(statuses.get('bridge-wrong-token'), list.output).toContain('Missing or wrong access token');
  });
});

describe.skipIf(!runnable(geminiCli))('gemini mcp list', () => {
  it('shows the bridge connected over HTTP and through the stdio shim, and a wrong token as disconnected', async () => {
    const { home, env } = isolatedEnv();
    dirs.push(home);
    // The settings file as `gemini mcp add --scope user --timeout …` writes it.
    const http = (bearer: string) => ({
      url: serve.mcpUrl,
      type: 'http',
      headers: { Authorization: `Bearer ${bearer}` },
      timeout: connectTimeoutMs,
    });
    const [command, ...args] = shimCommand();
    mkdirSync(join(home, '.gemini'));
    writeFileSync(
      join(home, '.gemini', 'settings.json'),
      JSON.stringify({
        general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
        privacy: { usageStatisticsEnabled: false },
        mcpServers: {
          'bridge-http': http(token),
          'bridge-stdio': { command, args, timeout: connectTimeoutMs },
          'bridge-wrong-token': http(wrongToken),
        },
      }),
    );
    const place = {
      env: { ...env, GEMINI_CLI_TRUST_WORKSPACE: 'true' },
      cwd: tempDir('bridge-interop-project-'),
    };

    const list = await run(geminiCli, ['mcp', 'list'], place);
    const statuses = statusByServer(`${list.stdout}\n${list.stderr}`);
    expect(statuses.get('bridge-http'), list.output).toBe('Connected');
    expect(statuses.get('bridge-stdio'), list.output).toBe('Connected');
    expect(statuses.get('bridge-wrong-token'), list.output).toBe('Disconnected');
  });
});
