import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ComfyClient } from '../../electron/comfy/client.js';
import { BackendPool } from '../../electron/jobs/backend-pool.js';
import { createLogger } from '../../electron/log.js';
import { cleanupsAfterEach } from '../core/harness.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';

const quiet = createLogger({ sink: () => undefined });
/** More callers than an event's listeners may number before Node warns of a leak (ten). */
const callers = 12;

const cleanups = cleanupsAfterEach();

function poolFor(url: string): BackendPool {
  const pool = new BackendPool({
    createClient: (baseUrl) => new ComfyClient({ baseUrl, logger: quiet }),
    logger: quiet,
    window: 1,
  });
  pool.setUrls([url]);
  cleanups.push(() => pool.close());
  return pool;
}

/** A TCP port that accepts connections and never answers: a ComfyUI still starting up, as a probe meets it. */
async function silentPort(): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/** Process warnings emitted while `during` runs. */
async function warningsDuring(during: () => Promise<unknown>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  try {
    await during();
    // A warning is emitted on the next tick after the listener that caused it was added.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return warnings;
}

describe('calls waiting for the first health probes', () => {
  it('many at start-up wait without a leak warning, and each ends at its own time-out', async () => {
    const pool = poolFor(await silentPort());
    const warnings = await warningsDuring(() =>
      Promise.all(Array.from({ length: callers }, () => pool.firstProbes(100))),
    );
    expect(warnings.filter((warning) => warning.includes('MaxListeners'))).toEqual([]);
    expect(pool.snapshot()[0]!.available).toBe(false);
  });

  it('are all woken once the backend has answered, long before their time-out', async () => {
    const fake: FakeComfyUI = await startFakeComfyUI();
    cleanups.push(() => fake.close());
    const pool = poolFor(fake.url);
    const warnings = await warningsDuring(() =>
      Promise.all(Array.from({ length: callers }, () => pool.firstProbes(600_000))),
    );
    expect(warnings.filter((warning) => warning.includes('MaxListeners'))).toEqual([]);
    expect(pool.snapshot()[0]!.available).toBe(true);
  });
});
