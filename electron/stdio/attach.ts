import { setTimeout as sleep } from 'node:timers/promises';
import { BridgeError, isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { shimHeaders } from '../mcp/shim-cwd.js';
import { findRunningApp } from './find-app.js';
import type { EndpointRecord } from './endpoint-record.js';

/*
 * Where a forwarding shim's requests go, and where they go next when that core goes away (the shim that
 * hosted it in-process exited, or it crashed). Exactly one core runs per data folder (electron/core-lock.ts),
 * so "next" is: the core that now answers on the folder, else one this shim starts itself; a start refused
 * because another starter won the lock means that one will answer shortly.
 */

/** The part of the core the shim needs when it runs it in-process. */
export interface InProcessCore {
  mcpUrl: string;
  stop(): Promise<void>;
}

export interface RelayTarget {
  mcpUrl: string;
  /** The bearer token if any, and the shim's secret and working directory. */
  headers: Record<string, string>;
}

export interface CoreAttacherOptions<C extends InProcessCore> {
  dataDir: string;
  /** The shim's working directory when it can stand for the agent's project; the core is told it. */
  cwd?: string;
  /** Sent when the endpoint record names no token (a record written by an older app). */
  token?: string;
  logger: Logger;
  /** Starts the core in-process; `anyPort` asks for a free port because the configured one is taken. */
  startCore: (anyPort: boolean) => Promise<C>;
  /** How long a re-attachment may take before the requests waiting on it are answered with an error. */
  deadlineMs?: number;
}

export interface CoreAttacher {
  targetOf(record: EndpointRecord): RelayTarget;
  /** The core now serving the data folder, started here if none does. */
  attach(): Promise<RelayTarget>;
  /** Stops the core this shim started, if it started one. */
  stop(): Promise<void>;
}

export function createCoreAttacher<C extends InProcessCore>(options: CoreAttacherOptions<C>): CoreAttacher {
  const logger = options.logger;
  let ownCore: C | undefined;
  const targetOf = (record: EndpointRecord): RelayTarget => {
    const token = record.mcpToken ?? options.token;
    const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    return {
      mcpUrl: record.mcpUrl,
      headers: {
        ...authorization,
        ...(options.cwd === undefined ? {} : shimHeaders(record.shimSecret, options.cwd)),
      },
    };
  };
  return {
    targetOf,
    async attach() {
      const deadline = performance.now() + (options.deadlineMs ?? 60_000);
      for (let pause = 50; performance.now() < deadline; pause = Math.min(pause * 2, 1_000)) {
        const running = await findRunningApp(options.dataDir, { logger });
        if (running !== undefined) {
          logger.info('attached to the core on the data folder', { url: running.mcpUrl, pid: running.pid });
          return targetOf(running);
        }
        if (ownCore === undefined) {
          try {
            ownCore = await startCoreOnSomePort(options.startCore, logger);
            continue; // its endpoint file is written: the next look finds it
          } catch (error) {
            // Another core holds the folder (still starting, or stopping): wait for it or for its end.
            if (!isBridgeError(error) || error.code !== 'data_dir_in_use') throw error;
            logger.info('another core holds the data folder; waiting for it', { error: error.message });
          }
        }
        await sleep(pause);
      }
      throw new BridgeError(
        'bridge_unreachable',
        `No ComfyUI MCP Bridge answers on the data folder ${options.dataDir}, and none could be started here.`,
        { hint: 'Check the bridge log in the data folder, then restart this MCP server in your client.' },
      );
    },
    async stop() {
      await ownCore?.stop();
    },
  };
}

export async function startCoreOnSomePort<C extends InProcessCore>(
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
