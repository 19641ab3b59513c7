import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../electron/cli/options.js';
import { shimArgsOf } from '../../electron/cli/shim-args.js';
import { connectInfo } from '../../electron/dashboard/connect.js';
import { connectInfoSchema } from '../../shared/dashboard-api.js';

/*
 * Issue 11 §3: snippets for Codex, Gemini CLI and Windsurf in each client's own schema, parsed as the client
 * would (TOML, JSON), and a stdio shim that carries the options needed to reach the bridge that made it.
 */

/** Python's tomllib (3.11+) parses the Codex snippet: a real TOML parser, not a pattern. */
function parseToml(text: string): unknown {
  const run = spawnSync(
    'python3',
    ['-c', 'import json,sys,tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))'],
    {
      input: text,
      encoding: 'utf8',
    },
  );
  if (run.status !== 0) throw new Error(`not TOML (${run.error?.message ?? run.stderr}):\n${text}`);
  return JSON.parse(run.stdout) as unknown;
}

const shim = { command: '/usr/bin/node', args: ['/app/bin/comfyui-mcp-bridge.js', 'stdio'] };
const snippetsOf = (mcpToken: string, mcpUrl = 'http://127.0.0.1:8190/mcp') => {
  const info = connectInfoSchema.parse(connectInfo({ mcpUrl, mcpToken, shim, platform: 'linux' }));
  return Object.fromEntries(info.snippets.map((snippet) => [snippet.client, snippet]));
};

describe('Codex, Gemini CLI and Windsurf snippets', () => {
  it('carry the URL and the bearer token in the fields each client reads', () => {
    const token = 'tok"en\\with quotes';
    const snippets = snippetsOf(token);
    expect(snippets.codex!.where).toBe('~/.codex/config.toml');
    expect(parseToml(snippets.codex!.text)).toEqual({
      mcp_servers: {
        comfyui: { url: 'http://127.0.0.1:8190/mcp', http_headers: { Authorization: `Bearer ${token}` } },
      },
    });
    expect(snippets['gemini-cli']!.where).toMatch(/^~\/\.gemini\/settings\.json/);
    expect(JSON.parse(snippets['gemini-cli']!.text)).toEqual({
      mcpServers: {
        comfyui: { httpUrl: 'http://127.0.0.1:8190/mcp', headers: { Authorization: `Bearer ${token}` } },
      },
    });
    expect(snippets.windsurf!.where).toBe('~/.codeium/windsurf/mcp_config.json');
    expect(JSON.parse(snippets.windsurf!.text)).toEqual({
      mcpServers: {
        comfyui: { serverUrl: 'http://127.0.0.1:8190/mcp', headers: { Authorization: `Bearer ${token}` } },
      },
    });
  });

  it('leave the header out when /mcp needs no token', () => {
    const snippets = snippetsOf('');
    expect(parseToml(snippets.codex!.text)).toEqual({
      mcp_servers: { comfyui: { url: 'http://127.0.0.1:8190/mcp' } },
    });
    expect(JSON.parse(snippets['gemini-cli']!.text)).toEqual({
      mcpServers: { comfyui: { httpUrl: 'http://127.0.0.1:8190/mcp' } },
    });
    expect(JSON.parse(snippets.windsurf!.text)).toEqual({
      mcpServers: { comfyui: { serverUrl: 'http://127.0.0.1:8190/mcp' } },
    });
  });
});

describe('the stdio shim arguments of a run', () => {
  it('turn every option given (flag or variable) into a flag, and never the token', () => {
    const options = parseCli(
      [
        'serve',
        '--port',
        '9100',
        '--comfyui',
        'http://gpu.lan:8188',
        '--allow-dir',
        '/srv/a',
        '--token',
        's3cret',
      ],
      {
        COMFYUI_MCP_OUTPUT_DIR: '/srv/out',
        COMFYUI_MCP_MAX_PENDING: '20',
        COMFYUI_MCP_NO_TOKEN_ON_LOOPBACK: '1',
      },
    );
    const args = shimArgsOf(options);
    expect(args).toEqual([
      '--port',
      '9100',
      '--comfyui',
      'http://gpu.lan:8188',
      '--output-dir',
      '/srv/out',
      '--allow-dir',
      '/srv/a',
      '--max-pending',
      '20',
      '--no-token-on-loopback',
    ]);
    expect(args.join(' ')).not.toContain('s3cret');
    // The shim understands them: parsed back, they are the same options.
    const back = parseCli(['stdio', ...args], {});
    expect(back).toMatchObject({
      port: 9100,
      comfyuiUrls: ['http://gpu.lan:8188'],
      outputDir: '/srv/out',
      allowDirs: ['/srv/a'],
      maxPendingJobs: 20,
      noTokenOnLoopback: true,
    });
  });

  it('are none for a run with no options (the core adds the data folder)', () => {
    expect(shimArgsOf(parseCli(['serve'], {}))).toEqual([]);
  });
});
