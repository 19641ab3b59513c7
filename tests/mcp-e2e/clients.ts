import { pathToFileURL } from 'node:url';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttp,
} from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as LegacyStdio } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as LegacyHttp } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { binPath, cleanEnv, packageRoot } from '../cli/built-cli.js';

/*
 * The two client eras real agents use (2025: @modelcontextprotocol/sdk 1.x, e.g. Claude Desktop and most
 * IDEs; 2026-07-28: the v2 client), each over Streamable HTTP or through the built stdio launcher shim.
 */

export type Era = '2025' | '2026';
export type Via = 'http' | 'stdio';

export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

export interface CallResult {
  content: Record<string, unknown>[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface PromptInfo {
  name: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}

export interface PromptText {
  messages: { role: string; content: { type: string; text?: string } }[];
}

export interface ResourceInfo {
  uri: string;
  name: string;
  mimeType?: string;
}

export interface E2eClient {
  era: Era;
  via: Via;
  listTools(): Promise<{ tools: { name: string }[] }>;
  call(
    name: string,
    args: Record<string, unknown>,
    options?: { signal?: AbortSignal; onprogress?: (progress: Progress) => void },
  ): Promise<CallResult>;
  listPrompts(): Promise<{ prompts: PromptInfo[] }>;
  getPrompt(name: string, args?: Record<string, string>): Promise<PromptText>;
  listResources(): Promise<{ resources: ResourceInfo[] }>;
  readResource(uri: string): Promise<{ contents: { uri: string; mimeType?: string; text?: string }[] }>;
  /** What the shim wrote to stderr (its log); empty over HTTP. */
  stderr(): string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Directories reported as roots; without it the client declares no roots capability. */
  roots?: string[];
  /** http: the MCP URL. */
  mcpUrl?: string;
  /** http: the bearer token /mcp requires (the stdio shim reads it from the data folder itself). */
  token?: string;
  /** stdio: arguments after `stdio` and the shim's working directory. */
  shimArgs?: string[];
  cwd?: string;
  /** stdio: another server process than the shim (a third-party proxy such as mcp-remote). */
  server?: { command: string; args: string[]; env?: Record<string, string> };
}

/** Generous per-call limit: the bounded-wait and long-poll tests wait on purpose. */
const callTimeoutMs = 120_000;

export async function connect(era: Era, via: Via, options: ConnectOptions): Promise<E2eClient> {
  const info = { name: `e2e-${era}-${via}`, version: '1.0.0' };
  const roots = options.roots;
  const answerRoots = () =>
    Promise.resolve({ roots: (roots ?? []).map((dir) => ({ uri: pathToFileURL(dir).href, name: dir })) });
  const capabilities = roots === undefined ? {} : { roots: { listChanged: true } };
  const stdioParams = {
    command: options.server?.command ?? process.execPath,
    args: options.server?.args ?? [binPath, 'stdio', ...(options.shimArgs ?? [])],
    cwd: options.cwd ?? packageRoot,
    env: (options.server?.env ?? cleanEnv()) as Record<string, string>,
    stderr: 'pipe' as const,
  };
  let stderr = '';
  const headers: Record<string, string> =
    options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` };
  const requestInit = { headers };

  if (era === '2025') {
    const client = new LegacyClient(info, { capabilities });
    if (roots !== undefined) client.setRequestHandler(ListRootsRequestSchema, answerRoots);
    if (via === 'stdio') {
      const transport = new LegacyStdio(stdioParams);
      transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await client.connect(transport);
    } else {
      await client.connect(new LegacyHttp(new URL(options.mcpUrl!), { requestInit }));
    }
    return {
      era,
      via,
      listTools: () => client.listTools(),
      call: async (name, args, callOptions = {}) =>
        (await client.callTool({ name, arguments: args }, undefined, {
          timeout: callTimeoutMs,
          ...(callOptions.onprogress
            ? { onprogress: callOptions.onprogress, resetTimeoutOnProgress: true }
            : {}),
          ...(callOptions.signal ? { signal: callOptions.signal } : {}),
        })) as CallResult,
      listPrompts: () => client.listPrompts(),
      getPrompt: (name, args) => client.getPrompt({ name, ...(args ? { arguments: args } : {}) }),
      listResources: () => client.listResources(),
      readResource: (uri) => client.readResource({ uri }),
      stderr: () => stderr,
      close: () => client.close(),
    };
  }

  const client = new ModernClient(info, {
    capabilities,
    versionNegotiation: { mode: { pin: '2026-07-28' } },
  });
  if (roots !== undefined) client.setRequestHandler('roots/list', answerRoots);
  if (via === 'stdio') {
    const transport = new ModernStdio(stdioParams);
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await client.connect(transport);
  } else {
    await client.connect(new ModernHttp(new URL(options.mcpUrl!), { requestInit }));
  }
  return {
    era,
    via,
    listTools: () => client.listTools(),
    call: async (name, args, callOptions = {}) =>
      (await client.callTool(
        { name, arguments: args },
        {
          timeout: callTimeoutMs,
          ...(callOptions.onprogress
            ? { onprogress: callOptions.onprogress, resetTimeoutOnProgress: true }
            : {}),
          ...(callOptions.signal ? { signal: callOptions.signal } : {}),
        },
      )) as CallResult,
    listPrompts: () => client.listPrompts(),
    getPrompt: (name, args) => client.getPrompt({ name, ...(args ? { arguments: args } : {}) }),
    listResources: () => client.listResources(),
    readResource: (uri) => client.readResource({ uri }),
    stderr: () => stderr,
    close: () => client.close(),
  };
}
