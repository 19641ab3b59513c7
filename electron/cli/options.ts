import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { maxPendingJobsRange } from '../../shared/settings-bounds.js';
import type { LogLevel } from '../log.js';

/** What `serve` and `stdio` accept, from flags first, then environment variables, then settings. */
export interface CliOptions {
  command: 'serve' | 'stdio' | 'help' | 'version';
  host?: string;
  port?: number;
  comfyuiUrls: string[];
  dataDir: string;
  outputDir?: string;
  workflowsDir?: string;
  workflow?: string;
  token?: string;
  /** `--no-token-on-loopback`: the old, unsafe default of an open /mcp on 127.0.0.1 (for this run). */
  noTokenOnLoopback?: true;
  allowDirs: string[];
  maxInputMegapixels?: number;
  logLevel: LogLevel;
  maxPendingJobs?: number;
  /** Where each option given for this run came from: its flag (`--comfyui`) or variable (`COMFYUI_URL`). */
  sources: OptionSources;
}

/** The options that stand for a setting (or the data folder), each with the flag that sets it. */
export const optionFlags = {
  host: '--host',
  port: '--port',
  comfyuiUrls: '--comfyui',
  dataDir: '--data-dir',
  outputDir: '--output-dir',
  workflowsDir: '--workflows-dir',
  workflow: '--workflow',
  token: '--token',
  noTokenOnLoopback: '--no-token-on-loopback',
  allowDirs: '--allow-dir',
  maxInputMegapixels: '--max-input-megapixels',
  maxPendingJobs: '--max-pending',
} as const;

export type OptionSources = Partial<Record<keyof typeof optionFlags, string>>;

export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/** The environment variables, documented in the README, that stand in for each flag. */
export const environmentVariables = {
  host: 'COMFYUI_MCP_HOST',
  port: 'COMFYUI_MCP_PORT',
  comfyui: 'COMFYUI_URL',
  dataDir: 'COMFYUI_MCP_DATA_DIR',
  outputDir: 'COMFYUI_MCP_OUTPUT_DIR',
  workflowsDir: 'COMFYUI_MCP_WORKFLOWS_DIR',
  workflow: 'COMFYUI_MCP_WORKFLOW',
  token: 'COMFYUI_MCP_TOKEN',
  noTokenOnLoopback: 'COMFYUI_MCP_NO_TOKEN_ON_LOOPBACK',
  allowDirs: 'COMFYUI_MCP_ALLOW_DIRS',
  maxInputMegapixels: 'COMFYUI_MCP_MAX_INPUT_MEGAPIXELS',
  logLevel: 'COMFYUI_MCP_LOG_LEVEL',
  maxPending: 'COMFYUI_MCP_MAX_PENDING',
} as const;

export const usage = `Usage: comfyui-mcp-bridge <serve|stdio> [options]

  serve   Run the bridge headless: MCP at http://HOST:PORT/mcp and the dashboard.
  stdio   The launcher shim for stdio-only clients (Claude Desktop): forwards to the
          running app, or runs the bridge in-process when none runs.

Options (environment variable in brackets):
  --host H             address to bind (127.0.0.1) [COMFYUI_MCP_HOST]
  --port N             port, 0 = any free port (8190) [COMFYUI_MCP_PORT]
  --comfyui URL        a ComfyUI server; repeat for several (discovers :8188, :8000) [COMFYUI_URL, comma-separated]
  --data-dir D         settings, batches, gallery index [COMFYUI_MCP_DATA_DIR]
  --output-dir D       default folder for images [COMFYUI_MCP_OUTPUT_DIR]
  --workflows-dir D    your own API-format workflows, watched [COMFYUI_MCP_WORKFLOWS_DIR]
  --workflow ID        default workflow (file name without .json) [COMFYUI_MCP_WORKFLOW]
  --token T            bearer token for /mcp (default: generated, in settings.json) [COMFYUI_MCP_TOKEN]
  --no-token-on-loopback  serve /mcp on 127.0.0.1 without a token: any local user can
                       then use the bridge [COMFYUI_MCP_NO_TOKEN_ON_LOOPBACK=1]
  --allow-dir D        another folder agents may save into; repeatable [COMFYUI_MCP_ALLOW_DIRS]
  --max-input-megapixels N
                       larger images are refused before decoding, 1-1000 (40)
                       [COMFYUI_MCP_MAX_INPUT_MEGAPIXELS]
  --log-level L        debug|info|warn|error (info) [COMFYUI_MCP_LOG_LEVEL]
  --max-pending N      jobs that may wait in the queue at once (1000) [COMFYUI_MCP_MAX_PENDING]
  -h, --help           this text
  -v, --version        the version
`;

const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        comfyui: { type: 'string', multiple: true },
        'data-dir': { type: 'string' },
        'output-dir': { type: 'string' },
        'workflows-dir': { type: 'string' },
        workflow: { type: 'string' },
        token: { type: 'string' },
        'no-token-on-loopback': { type: 'boolean' },
        'allow-dir': { type: 'string', multiple: true },
        'max-input-megapixels': { type: 'string' },
        'log-level': { type: 'string' },
        'max-pending': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new CliUsageError(
      `${describeParseError(error as Error)} Run comfyui-mcp-bridge --help for the options.`,
    );
  }
  const { values, positionals } = parsed;
  const command = values.help
    ? 'help'
    : values.version
      ? 'version'
      : (positionals[0] as CliOptions['command'] | undefined);
  if (!command || !['serve', 'stdio', 'help', 'version'].includes(command)) {
    throw new CliUsageError(
      command
        ? `unknown command "${command}"; use serve or stdio`
        : 'no command given; use serve or stdio (see --help)',
    );
  }
  if (positionals.length > 1) throw new CliUsageError(`unexpected argument "${positionals[1]}"`);

  const sources: OptionSources = {};
  /** The flag's value, else the variable's; records which one gave it. */
  const pick = (option: keyof OptionSources, flag: string | undefined, variable: string) => {
    const value = flag ?? nonEmpty(env[variable]);
    if (value !== undefined) sources[option] = flag === undefined ? variable : optionFlags[option];
    return value;
  };
  const pickList = (
    option: keyof OptionSources,
    flags: string[] | undefined,
    variable: string,
    separator: string,
  ) => {
    const list = flags ?? splitList(env[variable], separator);
    if (list.length > 0) sources[option] = flags === undefined ? variable : optionFlags[option];
    return list;
  };
  const portText = pick('port', values.port, environmentVariables.port);
  const port = portText === undefined ? undefined : parsePort(portText);
  const logLevel = values['log-level'] ?? nonEmpty(env[environmentVariables.logLevel]) ?? 'info';
  if (!logLevels.includes(logLevel as LogLevel)) {
    throw new CliUsageError(`--log-level must be one of ${logLevels.join(', ')}, not "${logLevel}"`);
  }
  const comfyuiUrls = pickList('comfyuiUrls', values.comfyui, environmentVariables.comfyui, ',');
  for (const url of comfyuiUrls) checkUrl(url);
  const host = pick('host', values.host, environmentVariables.host);
  const dataDir = pick('dataDir', values['data-dir'], environmentVariables.dataDir);
  const outputDir = pick('outputDir', values['output-dir'], environmentVariables.outputDir);
  const workflowsDir = pick('workflowsDir', values['workflows-dir'], environmentVariables.workflowsDir);
  const workflow = pick('workflow', values.workflow, environmentVariables.workflow);
  const token = pick('token', values.token, environmentVariables.token);
  const maxPendingText = pick('maxPendingJobs', values['max-pending'], environmentVariables.maxPending);
  const maxPendingJobs = maxPendingText === undefined ? undefined : parseMaxPending(maxPendingText);
  const megapixelsText = pick(
    'maxInputMegapixels',
    values['max-input-megapixels'],
    environmentVariables.maxInputMegapixels,
  );
  const maxInputMegapixels = megapixelsText === undefined ? undefined : parseMegapixels(megapixelsText);
  const allowDirs = pickList('allowDirs', values['allow-dir'], environmentVariables.allowDirs, delimiter);
  const noTokenOnLoopbackVariable = ['1', 'true'].includes(
    env[environmentVariables.noTokenOnLoopback]?.toLowerCase() ?? '',
  );
  const noTokenOnLoopback = values['no-token-on-loopback'] === true || noTokenOnLoopbackVariable;
  if (noTokenOnLoopback)
    sources.noTokenOnLoopback = values['no-token-on-loopback']
      ? optionFlags.noTokenOnLoopback
      : environmentVariables.noTokenOnLoopback;

  return {
    command,
    comfyuiUrls,
    dataDir: resolve(dataDir ?? defaultDataDir(env, platform)),
    allowDirs: allowDirs.map((dir) => resolve(dir)),
    logLevel: logLevel as LogLevel,
    sources,
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(outputDir !== undefined ? { outputDir: resolve(outputDir) } : {}),
    ...(workflowsDir !== undefined ? { workflowsDir: resolve(workflowsDir) } : {}),
    ...(workflow !== undefined ? { workflow } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(maxPendingJobs !== undefined ? { maxPendingJobs } : {}),
    ...(maxInputMegapixels !== undefined ? { maxInputMegapixels } : {}),
    ...(noTokenOnLoopback ? { noTokenOnLoopback: true as const } : {}),
  };
}

/**
 * The same folder Electron uses as `userData` for this app, so the tray app, `serve` and the stdio shim
 * share settings, batches and the running app's endpoint file.
 */
export function defaultDataDir(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): string {
  const name = 'comfyui-mcp-bridge';
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), name);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', name);
  return join(nonEmpty(env.XDG_CONFIG_HOME) ?? join(homedir(), '.config'), name);
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new CliUsageError(`--port must be 0-65535, not "${text}"`);
  return port;
}

function parseMaxPending(text: string): number {
  const limit = Number(text);
  const { min, max } = maxPendingJobsRange;
  if (!/^\d+$/.test(text) || limit < min || limit > max) {
    throw new CliUsageError(`--max-pending must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return limit;
}

function parseMegapixels(text: string): number {
  const megapixels = Number(text);
  if (!/^\d+$/.test(text) || megapixels < 1 || megapixels > 1000)
    throw new CliUsageError(`--max-input-megapixels must be a whole number 1-1000, not "${text}"`);
  return megapixels;
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliUsageError(`--comfyui "${url}" is not a URL; use e.g. http://127.0.0.1:8188`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliUsageError(`--comfyui "${url}" must start with http:// or https://`);
  }
}

function splitList(text: string | undefined, separator: string): string[] {
  return (text ?? '')
    .split(separator)
    .map((part) => part.trim())
    .filter(Boolean);
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

/**
 * parseArgs' own text for an unknown option is two sentences about positional arguments after "--", which the
 * bridge never takes; name the option instead.
 */
function describeParseError(error: Error & { code?: string }): string {
  const option = /'([^']+)'/u.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `Unknown option ${option}.`;
  return /[.!?]$/u.test(error.message) ? error.message : `${error.message}.`;
}
