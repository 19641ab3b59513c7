import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parseCli } from '../../electron/cli/options.js';
import { shimArgsOf } from '../../electron/cli/shim-args.js';
import { connectInfo } from '../../electron/dashboard/connect.js';
import { connectInfoSchema } from '../../shared/dashboard-api.js';

/*
 * Issue 11 §3: snippets for Codex, Gemini CLI and Windsurf in each client's own schema, parsed as the client
 * would (TOML, JSON), and a stdio shim that carries the options needed to reach the bridge that made it.
 * Issue 14 §1: Cursor's and VS Code's one-click install links, decoded as the client does and checked against
 * the server shape each documents.
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

const mcpb = { fileName: 'comfyui-mcp-bridge-0.1.0-linux-x64.mcpb', available: false };
const shim = { command: '/usr/bin/node', args: ['/app/bin/comfyui-mcp-bridge.js', 'stdio'] };
const snippetsOf = (mcpToken: string, mcpUrl = 'http://127.0.0.1:8190/mcp') => {
  const info = connectInfoSchema.parse(connectInfo({ mcpUrl, mcpToken, shim, platform: 'linux', mcpb }));
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

/*
 * The servers the one-click links install, in each client's documented shape (strict: a field the client does
 * not read fails). Cursor: a remote server's mcp.json entry, `url` and `headers`
 * (https://cursor.com/docs/mcp/install-links, "same format as mcp.json"). VS Code: `name` plus the mcp.json entry
 * of an HTTP server, `type: "http"`, `url`, `headers` (https://code.visualstudio.com/docs/copilot/chat/mcp-servers).
 */
const headers = z.strictObject({ Authorization: z.string().regex(/^Bearer \S/) }).optional();
const cursorServer = z.strictObject({ url: z.url({ protocol: /^https?$/ }), headers });
const vscodeServer = z.strictObject({
  name: z.string().min(1),
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }),
  headers,
});

/** What Cursor reads from its install link: the name and the base64 JSON config. */
function decodeCursorLink(link: string): { name: string; config: unknown } {
  const url = new URL(link);
  expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(
    'cursor://anysphere.cursor-deeplink/mcp/install',
  );
  expect([...url.searchParams.keys()].sort()).toEqual(['config', 'name']);
  const base64 = url.searchParams.get('config')!;
  expect(base64).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  return { name: url.searchParams.get('name')!, config: JSON.parse(atob(base64)) as unknown };
}

/** What VS Code reads from its install link: the URL-decoded JSON after `vscode:mcp/install?`. */
function decodeVscodeLink(link: string): unknown {
  const prefix = 'vscode:mcp/install?';
  expect(link.startsWith(prefix)).toBe(true);
  const encoded = link.slice(prefix.length);
  // Nothing in it a URL parser would cut or change: spaces, quotes, braces, & and # are all encoded.
  expect(encoded).toMatch(/^[A-Za-z0-9\-_.!~*'()%]+$/);
  return JSON.parse(decodeURIComponent(encoded)) as unknown;
}

describe('one-click install links', () => {
  const url = 'http://127.0.0.1:8190/mcp';

  it('Cursor: the name and, base64-encoded, the same server as the Cursor snippet, token included', () => {
    const token = 'tok+en/with=base64&url#chars';
    const cursor = snippetsOf(token, url).cursor!;
    const { name, config } = decodeCursorLink(cursor.installUrl!);
    expect(name).toBe('comfyui');
    expect(cursorServer.parse(config)).toEqual({ url, headers: { Authorization: `Bearer ${token}` } });
    expect(config).toEqual(
      (JSON.parse(cursor.text) as { mcpServers: Record<string, unknown> }).mcpServers[name],
    );
  });

  it('VS Code: the server as VS Code’s mcp.json has it, with its name, token included', () => {
    const token = 'tok"en &?#%/ with spaces';
    const vscode = snippetsOf(token, url).vscode!;
    const server = vscodeServer.parse(decodeVscodeLink(vscode.installUrl!));
    expect(server).toEqual({
      name: 'comfyui',
      type: 'http',
      url,
      headers: { Authorization: `Bearer ${token}` },
    });
    const { name, ...entry } = server;
    expect(entry).toEqual((JSON.parse(vscode.text) as { servers: Record<string, unknown> }).servers[name]);
  });

  it('leave the header out when /mcp needs no token', () => {
    const snippets = snippetsOf('', url);
    expect(cursorServer.parse(decodeCursorLink(snippets.cursor!.installUrl!).config)).toEqual({ url });
    expect(vscodeServer.parse(decodeVscodeLink(snippets.vscode!.installUrl!))).toEqual({
      name: 'comfyui',
      type: 'http',
      url,
    });
  });

  it('the shape checks really check: a field the client does not read is refused', () => {
    expect(() => cursorServer.parse({ url, type: 'http' })).toThrow();
    expect(() => vscodeServer.parse({ name: 'comfyui', type: 'streamableHttp', url })).toThrow();
  });

  it('only the clients that have install links get one', () => {
    const withLinks = Object.values(snippetsOf('t', url))
      .filter((snippet) => snippet.installUrl !== undefined)
      .map((snippet) => snippet.client);
    expect(withLinks.sort()).toEqual(['cursor', 'vscode']);
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
