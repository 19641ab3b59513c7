import type { Logger } from '../log.js';
import { readEndpointRecord, type EndpointRecord } from './endpoint-record.js';
import { serverHoldsSecret } from './handshake.js';

/** Whether a process with this id exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The app running on this data folder, if one does: its endpoint file exists, its process is alive, and the
 * server at its address proves it holds the file's secret (see handshake.ts). A record left by a crash,
 * whose pid was reused or whose port another program took, fails the proof and is stale. Undefined means
 * the shim should start the core itself. Until the proof, nothing but a nonce is sent anywhere.
 */
export async function findRunningApp(
  dataDir: string,
  options: { timeoutMs?: number; logger?: Logger } = {},
): Promise<EndpointRecord | undefined> {
  const record = readEndpointRecord(dataDir);
  if (record === undefined) return undefined;
  if (!isProcessAlive(record.pid)) {
    options.logger?.info('endpoint.json is stale: its process has ended', { pid: record.pid });
    return undefined;
  }
  if (!(await serverHoldsSecret(record, options.timeoutMs ?? 2_000))) {
    options.logger?.warn(
      'endpoint.json is stale: the server at its address could not prove it is the bridge that wrote it ' +
        '(a crash left the file, and another program now has that pid or port); nothing was sent to it',
      { pid: record.pid, url: record.url },
    );
    return undefined;
  }
  return record;
}
