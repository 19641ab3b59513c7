import type { Readable, Writable } from 'node:stream';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import { isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { createCoreAttacher, startCoreOnSomePort, type InProcessCore } from './attach.js';
import { findRunningApp } from './find-app.js';
import { startRelay } from './relay.js';

export type { InProcessCore } from './attach.js';

export interface StdioShimOptions<C extends InProcessCore = InProcessCore> {
  dataDir: string;
  /**
   * The agent's project: relative save paths land here. Unset when the client started the shim somewhere that
   * is no project (images/project-folder.ts).
   */
  cwd?: string;
  /** Bearer token to send when the endpoint record names none (flag, environment or stored setting). */
  token?: string;
  logger: Logger;
  /** Starts the core in-process; `anyPort` asks for a free port because the configured one is taken. */
  startCore: (anyPort: boolean) => Promise<C>;
  /** The MCP server factory over that core, anchored at `cwd`. */
  serverFactory: (core: C) => McpServerFactory | Promise<McpServerFactory>;
  input?: Readable;
  output?: Writable;
  /** True when the client has already left needing nothing more (stdio/front.ts): nothing is started then. */
  clientGone?: () => boolean;
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
  if (options.clientGone?.()) {
    logger.info('the client left before it needed the bridge; stopping');
    return;
  }
  let core: C | undefined;
  if (running === undefined) {
    logger.info('no running app found; starting the bridge in-process', { dataDir: options.dataDir });
    try {
      core = await startCoreOnSomePort(options.startCore, logger);
    } catch (error) {
      // Its probe missed a core that holds the folder (still starting, or slow to answer): forward to it.
      if (!isBridgeError(error) || error.code !== 'data_dir_in_use') throw error;
      logger.info('another core holds the data folder; forwarding to it', { error: error.message });
    }
  }
  if (core === undefined) {
    // The core forwarded to may go away (its shim exits); the relay then re-attaches through this.
    const attacher = createCoreAttacher({
      dataDir: options.dataDir,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.token ? { token: options.token } : {}),
      logger,
      startCore: options.startCore,
    });
    const target = running === undefined ? await attacher.attach() : attacher.targetOf(running);
    logger.info('forwarding to the running app', { url: target.mcpUrl });
    const relay = startRelay({ ...target, reattach: () => attacher.attach(), input, output, logger });
    await relay.finished;
    await attacher.stop();
    return;
  }

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
