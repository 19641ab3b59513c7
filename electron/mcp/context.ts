import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerContext } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { Logger } from '../log.js';
import type { ProgressUpdate } from './service.js';

/** Key of the embedded roots/list request in an input_required round trip. */
export const ROOTS_INPUT_KEY = 'roots';

const listRootsAnswer = z.object({ roots: z.array(z.object({ uri: z.string() }).loose()) }).loose();

/**
 * Absolute local directories from a client's roots/list answer. The answer comes from the client and is
 * untrusted: anything that is not a local file:// URI of an absolute path is ignored (the save-path policy
 * downstream still confines writes).
 */
export function rootsFromListAnswer(answer: unknown): string[] {
  const parsed = listRootsAnswer.safeParse(answer);
  if (!parsed.success) return [];
  const directories: string[] = [];
  for (const { uri } of parsed.data.roots) {
    const directory = localPathOfFileUri(uri);
    if (directory !== undefined && !directories.includes(directory)) directories.push(directory);
  }
  return directories;
}

function localPathOfFileUri(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    const path = fileURLToPath(uri);
    return isAbsolute(path) ? path : undefined;
  } catch {
    // fileURLToPath refuses remote hosts (file://server/share on POSIX) and malformed URIs.
    return undefined;
  }
}

/**
 * A progress function for one tool call. MCP requires the progress value to increase with every
 * notification; heartbeats repeat the same value, so a repeated or lower value is nudged just above the
 * last one sent. Sending never throws into the caller: a client that went away is not the core's problem.
 */
export function createProgressSender(ctx: ServerContext, logger: Logger): (update: ProgressUpdate) => void {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return () => undefined;
  let last = Number.NEGATIVE_INFINITY;
  return (update) => {
    if (ctx.mcpReq.signal.aborted) return;
    const progress = update.progress > last ? update.progress : last + 1e-6;
    last = progress;
    const params: Record<string, unknown> = { progressToken: token, progress };
    if (update.total !== undefined) params.total = update.total;
    if (update.message !== undefined) params.message = update.message;
    ctx.mcpReq.notify({ method: 'notifications/progress', params }).catch((error: unknown) => {
      logger.debug('progress notification not delivered', { error: String(error) });
    });
  };
}
