import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../log.js';
import { sendError } from './respond.js';

/*
 * The Claude Desktop extension (.mcpb) as a download from "connect an agent", when one was built for this
 * version and platform (`npm run dist:mcpb` writes it to release/; a packaged app may carry it beside its
 * resources). The name is fixed, never taken from the request; the file sent is the one opened and checked.
 */

export interface McpbBundle {
  /** As scripts/build-mcpb.mjs names it. */
  fileName: string;
  /** Folders to look in, in order. */
  dirs: readonly string[];
}

export function mcpbFileName(version: string, platform: NodeJS.Platform, arch: string): string {
  return `comfyui-mcp-bridge-${version}-${platform}-${arch}.mcpb`;
}

/** The bundle in the first folder that holds it as a regular file (not a link), opened; undefined if none. */
export async function openMcpb(
  bundle: McpbBundle,
): Promise<{ handle: FileHandle; size: number } | undefined> {
  for (const dir of bundle.dirs) {
    let handle: FileHandle;
    try {
      handle = await open(join(dir, bundle.fileName), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    } catch {
      continue;
    }
    const stats = await handle.stat();
    if (stats.isFile()) return { handle, size: stats.size };
    await handle.close();
  }
  return undefined;
}

export async function mcpbAvailable(bundle: McpbBundle): Promise<boolean> {
  const opened = await openMcpb(bundle);
  await opened?.handle.close();
  return opened !== undefined;
}

export async function serveMcpb(
  req: IncomingMessage,
  res: ServerResponse,
  bundle: McpbBundle,
  logger: Logger,
): Promise<void> {
  const opened = await openMcpb(bundle);
  if (!opened)
    return sendError(
      res,
      404,
      'mcpb_not_built',
      `No ${bundle.fileName} was built for this version and platform: run "npm run dist:mcpb" in the bridge's source folder (it writes release/${bundle.fileName}).`,
    );
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': opened.size,
    'Content-Disposition': `attachment; filename="${bundle.fileName}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    await opened.handle.close();
    res.end();
    return;
  }
  // The stream closes the handle when it ends or fails.
  await pipeline(opened.handle.createReadStream(), res).catch((error: unknown) => {
    logger.warn('sending the .mcpb failed', { error: String(error) });
    res.destroy();
  });
}
