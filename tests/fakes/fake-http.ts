/** The HTTP plumbing every route of the fake ComfyUI shares: aiohttp's answers, request bodies, killable waits. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export const json = 'application/json; charset=utf-8';
export const serverError = '500 Internal Server Error\n\nServer got itself in trouble';
/** ComfyUI's default --max-upload-size (100 MiB), as /features and the feature_flags message report it. */
export const maxUploadSize = 104_857_600;

export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  filename?: string,
): void {
  const headers: Record<string, string> = {
    'content-type': contentType,
    server: 'Python/3.11 aiohttp/3.8.4',
  };
  if (filename) headers['content-disposition'] = `filename="${filename}"`;
  res.writeHead(status, headers);
  res.end(body);
}

/** Sleeps; false when the fake was killed meanwhile (the request dies with the process). */
export async function pause(ms: number, life: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal: life });
    return true;
  } catch {
    return false;
  }
}

/** Waits for the promise to settle; false when the fake was killed first. */
export async function settled(promise: Promise<unknown>, life: AbortSignal): Promise<boolean> {
  if (life.aborted) return false;
  let onAbort = () => undefined as void;
  const killed = new Promise<false>((resolveKilled) => {
    onAbort = () => resolveKilled(false);
    life.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      promise.then(
        () => true as const,
        () => true as const,
      ),
      killed,
    ]);
  } finally {
    life.removeEventListener('abort', onAbort);
  }
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
