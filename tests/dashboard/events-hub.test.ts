import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEventsHub, type EventsHub } from '../../electron/dashboard/events-hub.js';
import { createHttpServer, type BridgeHttpServer } from '../../electron/http/server.js';
import { silentLogger } from '../../electron/log.js';
import { until } from '../core/harness.js';

const token = 'hub-token';
const open: { server: BridgeHttpServer; hub: EventsHub }[] = [];
afterEach(async () => {
  for (const { server, hub } of open.splice(0)) {
    await hub.close();
    await server.close();
  }
});

async function start(pingIntervalMs: number) {
  const hub = createEventsHub({ token: () => token, logger: silentLogger, pingIntervalMs });
  const server = await createHttpServer({
    port: 0,
    logger: silentLogger,
    mcpHandler: () => undefined,
    upgradeHandler: (req, socket, head) => hub.handleUpgrade(req, socket, head),
  });
  open.push({ server, hub });
  return { hub, url: `${server.url.replace('http', 'ws')}/api/events?token=${token}` };
}

describe('events hub keep-alive', () => {
  it('pings its clients and keeps those that answer', async () => {
    // A client that has not answered by the next ping is dropped; 20 ms was shorter than a pong's delay on a
    // loaded machine (the client was dropped and never saw three pings), so the interval leaves room for that.
    const { hub, url } = await start(1_000);
    const client = new WebSocket(url);
    let pings = 0;
    client.on('ping', () => pings++);
    await new Promise((resolve) => client.once('open', resolve));
    await until(() => pings >= 3, 'three pings');
    expect(client.readyState).toBe(WebSocket.OPEN);
    expect(hub.clientCount).toBe(1);
    client.terminate();
  });

  it('drops a client that stops answering pings', async () => {
    const { hub, url } = await start(20);
    const client = new WebSocket(url, { autoPong: false });
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    await new Promise((resolve) => client.once('open', resolve));
    expect(await closed).toBe(1006);
    await until(() => hub.clientCount === 0, 'the hub forgets the dropped client');
  });

  it('refuses paths other than /api/events', async () => {
    const { url } = await start(1_000);
    const client = new WebSocket(url.replace('/api/events', '/api/other'));
    // ws reports the refused handshake as an error too; the status is what this test reads.
    client.on('error', () => undefined);
    const status = await new Promise<number>((resolve) =>
      client.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(404);
  });
});
