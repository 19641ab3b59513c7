import { readEndpointRecord, type EndpointRecord } from './endpoint-record.js';

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
 * The app running on this data folder, if one does: its endpoint file exists, its process is alive, and its
 * HTTP server answers at all (any status; a stale file whose pid was reused by another program has no
 * server behind it). Undefined means the shim should start the core itself.
 */
export async function findRunningApp(
  dataDir: string,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<EndpointRecord | undefined> {
  const record = readEndpointRecord(dataDir);
  if (record === undefined || !isProcessAlive(record.pid)) return undefined;
  try {
    const response = await fetch(record.mcpUrl, {
      method: 'GET',
      headers: { accept: 'text/event-stream', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? 2_000),
    });
    await response.body?.cancel();
    return record;
  } catch {
    return undefined;
  }
}
