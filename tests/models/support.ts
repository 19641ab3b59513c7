import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledWorkflowsDir } from '../core/harness.js';

/*
 * For the model-download tests: a real HTTP file server on 127.0.0.1:0 that honours Range and can cut or hold a
 * transfer part-way, and a bundled-workflows folder whose SD 1.5 sidecar points at it.
 */

export const modelName = 'v1-5-pruned-emaonly-fp16.safetensors';

export interface FileServer {
  url: string;
  /** The Range header of every request, '' for none. */
  ranges: string[];
  /** Lets a held transfer finish. */
  release(): void;
  close(): Promise<void>;
}

export interface FileServerOptions {
  /** The first this many requests send `cutAfter` bytes, then drop the connection. */
  cutFirst?: number;
  cutAfter?: number;
  /** Every transfer stops after this many bytes until release() is called. */
  holdAfter?: number;
}

export async function startFileServer(bytes: Buffer, options: FileServerOptions = {}): Promise<FileServer> {
  const ranges: string[] = [];
  let cuts = options.cutFirst ?? 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const server: Server = createServer((req, res) => {
    const range = req.headers.range ?? '';
    ranges.push(range);
    const match = /^bytes=(\d+)-$/.exec(range);
    const start = match ? Number(match[1]) : 0;
    const body = bytes.subarray(start);
    res.writeHead(match ? 206 : 200, {
      'content-length': body.length,
      'content-type': 'application/octet-stream',
      ...(match ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    if (cuts > 0) {
      cuts--;
      res.write(body.subarray(0, options.cutAfter ?? 1024), () => res.destroy());
      return;
    }
    if (options.holdAfter !== undefined) {
      res.write(body.subarray(0, options.holdAfter));
      void released.then(() => res.end(body.subarray(options.holdAfter)));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${modelName}`,
    ranges,
    release,
    close: () =>
      new Promise<void>((resolve) => {
        release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A bundled-workflows folder holding SD 1.5 whose one model file comes from `url`; remove it when done. */
export function workflowsWith(url: string, file: { bytes: number; sha256: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-workflows-'));
  copyFileSync(join(bundledWorkflowsDir, 'sd15.json'), join(dir, 'sd15.json'));
  const meta = JSON.parse(readFileSync(join(bundledWorkflowsDir, 'sd15.meta.json'), 'utf8')) as {
    models: Record<string, unknown>[];
  };
  meta.models = [{ file: modelName, folder: 'checkpoints', url, ...file }];
  writeFileSync(join(dir, 'sd15.meta.json'), JSON.stringify(meta));
  return dir;
}
