import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { it } from 'vitest';
import { isBuilt, notBuiltMessage } from '../cli/built-cli.js';

/*
 * The third-party MCP clients the interoperability tests drive, pinned in tests/interop/package.json and
 * installed beside it (`npm ci --prefix tests/interop`, which .ci/run does), never among the app's own
 * dependencies. Each runs with a throw-away HOME, so it neither reads nor writes the user's configuration.
 */

const installDir = resolve(import.meta.dirname, 'node_modules');
const pinned = (
  JSON.parse(readFileSync(resolve(import.meta.dirname, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  }
).dependencies;

export interface ThirdPartyClient {
  name: string;
  /** The command and the arguments before the client's own. */
  command: string[];
}

export const mcpRemote: ThirdPartyClient = {
  name: `mcp-remote ${pinned['mcp-remote']}`,
  command: [process.execPath, join(installDir, 'mcp-remote', 'dist', 'proxy.js')],
};

/** Claude Code ships a native executable (its Node ≥ 22 engine only concerns its install script). */
export const claudeCode: ThirdPartyClient = {
  name: `Claude Code ${pinned['@anthropic-ai/claude-code']}`,
  command: [join(installDir, '@anthropic-ai', 'claude-code', 'bin', 'claude.exe')],
};

export const geminiCli: ThirdPartyClient = {
  name: `Gemini CLI ${pinned['@google/gemini-cli']}`,
  command: [process.execPath, join(installDir, '@google', 'gemini-cli', 'bundle', 'gemini.js')],
};

const installHint =
  'install the clients with `bash scripts/install-interop-clients.sh` or `npm ci --prefix tests/interop` (.ci/run does)';

/**
 * Whether the client is installed and the CLI built. If not: on CI (`CI` set) a failing test says what is
 * missing, since a silently skipped interoperability test would pass CI while proving nothing; locally the
 * tests are skipped with a message.
 */
export function runnable(client: ThirdPartyClient): boolean {
  const missing = !isBuilt
    ? notBuiltMessage
    : client.command.some((part) => part !== process.execPath && !existsSync(part))
      ? `${client.name} is not installed: ${installHint}.`
      : undefined;
  if (missing === undefined) return true;
  if (onCi()) {
    it(`${client.name} is installed and the CLI is built`, () => {
      throw new Error(missing);
    });
  } else {
    console.warn(`tests/interop: ${missing} Its tests are skipped.`);
  }
  return false;
}

function onCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/**
 * A throw-away home for one client run: HOME and the XDG folders inside it, and only the variables a
 * client needs from ours (no API keys, no proxy settings, no bridge variables). Switches off update checks
 * and telemetry, which would otherwise reach the network.
 */
export function isolatedEnv(): { home: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(join(tmpdir(), 'bridge-interop-home-'));
  const xdg = { XDG_CONFIG_HOME: '.config', XDG_CACHE_HOME: '.cache', XDG_DATA_HOME: '.local/share' };
  const env: NodeJS.ProcessEnv = { HOME: home, USERPROFILE: home, PATH: process.env.PATH, LANG: 'C.UTF-8' };
  for (const [name, relative] of Object.entries(xdg)) {
    env[name] = join(home, relative);
    mkdirSync(env[name], { recursive: true });
  }
  return {
    home,
    env: {
      ...env,
      TMPDIR: tmpdir(),
      NO_COLOR: '1',
      // Claude Code
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      // mcp-remote keeps OAuth state here
      MCP_REMOTE_CONFIG_DIR: join(home, '.mcp-auth'),
    },
  };
}
