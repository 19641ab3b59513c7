import type { Readable, Writable } from 'node:stream';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import { isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { shimHeaders } from '../mcp/shim-cwd.js';
import { findRunningApp } from './find-app.js';
import { startRelay } from './relay.js';

/** The part of the core the shim needs when it runs it in-process. */
export interface InProcessCore {
  mcpUrl: string;
  stop(): Promise<void>;
}

export interface StdioShimOptions<C extends InProcessCore = InProcessCore> {
  dataDir: string;
  /** The agent's project: relative save paths land here. */
  cwd: string;
  /** Bearer token to send when the endpoint record names none (flag, environment or stored setting). */
  token?: string;
  logger: Logger;
  /** Starts the core in-process; `anyPort` asks for a free port because the configured one is taken. */
  startCore: (anyPort: boolean) => Promise<C>;
  /** The MCP server factory over that core, anchored at `cwd`. */
  serverFactory: (core: C) => McpServerFactory | Promise<McpServerFactory>;
  input?: Readable;
  output?: Writable;
}

/**
 * The launcher shim behind `comfyui-mcp-bridge stdio`: forwards to the app running on the data folder, or
 * starts the core in-process and serves MCP over stdio itself. Settles when the client closes stdin.
 * Nothing but JSON-RPC is ever written to `output`.
 */
export async function runStdioShim<C extends InProcessCore>(options: StdioShimOptions<C>): Promise<void> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const logger = options.logger.child('stdio');
  const running = await findRunningApp(options.dataDir, { logger });
  if (running !== undefined) {
    const token = running.mcpToken ?? options.token;
    const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    logger.info('forwarding to the running app', { url: running.mcpUrl, pid: running.pid });
    const relay = startRelay({
      mcpUrl: running.mcpUrl,
      headers: { ...authorization, ...shimHeaders(running.shimSecret, options.cwd) },
      input,
      output,
      logger,
    });
    await relay.finished;
    return;
  }

  logger.info('no running app found; starting the bridge in-process', { dataDir: options.dataDir });
  const core = await startCoreOnSomePort(options.startCore, logger);
  const ended = new Promise<void>((resolve) => {
    input.once('end', resolve);
    input.once('close', resolve);
  });
  // Loaded here, not at the top: a forwarding shim never needs the MCP server, and its client waits for it.
  const { serveStdio, StdioServerTransport } = await import('@modelcontextprotocol/server/stdio');
  const handle = serveStdio(await options.serverFactory(core), {
    transport: new StdioServerTransport(input, output),
    onerror: (error) => logger.warn('stdio transport error', { error: error.message }),
  });
  await ended;
  logger.info('client closed stdin; stopping');
  await handle.close();
  await core.stop();
}

async function startCoreOnSomePort<C extends InProcessCore>(
  start: (anyPort: boolean) => Promise<C>,
  logger: Logger,
): Promise<C> {
  try {
    return await start(false);
  } catch (error) {
    // The shim does not need a fixed port (its client speaks stdio); another program may own that one.
    if (!isBridgeError(error) || error.code !== 'port_in_use') throw error;
    logger.warn('the configured port is taken; using any free port', { error: error.message });
    return start(true);
  }
}
