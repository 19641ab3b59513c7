import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ComfyClient } from '../../electron/comfy/client.js';
import { parseBinaryFrame, parseTextFrame } from '../../electron/comfy/messages.js';
import { decodeHistory, decodeQueue } from '../../electron/comfy/parse.js';
import { nextEvent } from './client-suite.js';

function frame(type: number, second: number, ...rest: Buffer[]): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(type, 0);
  header.writeUInt32BE(second, 4);
  return Buffer.concat([header, ...rest]);
}

describe('websocket frame decoding', () => {
  it('reads binary frames by their leading event type', () => {
    const jpeg = Buffer.from('ffd8ffe0', 'hex');
    expect(parseBinaryFrame(frame(1, 1, jpeg))).toEqual({ type: 'preview', mime: 'image/jpeg', bytes: jpeg });
    const meta = Buffer.from(JSON.stringify({ prompt_id: 'P', image_type: 'image/jpeg' }));
    expect(parseBinaryFrame(frame(4, meta.length, meta, jpeg))).toEqual({
      type: 'preview',
      promptId: 'P',
      mime: 'image/jpeg',
      bytes: jpeg,
    });
    expect(parseBinaryFrame(frame(3, 1, Buffer.from('2width: 40')))).toEqual({
      type: 'text',
      nodeId: '2',
      text: 'width: 40',
    });
    expect(parseBinaryFrame(frame(2, 0))).toBeUndefined();
    expect(parseBinaryFrame(Buffer.from([0, 0]))).toBeUndefined();
  });

  it('keeps executing without prompt_id (reconnect replay) and ignores unknown or broken frames', () => {
    expect(parseTextFrame('{"type":"executing","data":{"node":"2"}}')).toEqual({
      type: 'executing',
      node: '2',
    });
    expect(parseTextFrame('{"type":"progress_state","data":{"prompt_id":"P"}}')).toBeUndefined();
    expect(parseTextFrame('not json')).toBeUndefined();
  });
});

describe('response decoding', () => {
  it('sorts pending queue entries into run order, float and negative numbers included', () => {
    const queue = decodeQueue({
      queue_running: [[11, 'run', {}, { client_id: 'me' }, ['3']]],
      queue_pending: [
        [-14, 'front', {}, {}, []],
        [1000.5, 'explicit', {}, {}, []],
        [12, 'twelve', {}, {}, []],
      ],
    });
    expect(queue.running).toEqual([{ number: 11, promptId: 'run', clientId: 'me' }]);
    expect(queue.pending.map((e) => e.promptId)).toEqual(['front', 'twelve', 'explicit']);
  });

  it('reads history: {} is undefined, interrupted and failed runs by their last message', () => {
    expect(decodeHistory({}, 'P')).toBeUndefined();
    const entry = (status_str: string, messages: unknown[]) => ({
      P: { outputs: {}, status: { status_str, completed: status_str === 'success', messages } },
    });
    expect(decodeHistory(entry('error', [['execution_interrupted', { node_id: '2' }]]), 'P')).toEqual({
      status: 'interrupted',
    });
    const failed = decodeHistory(
      entry('error', [
        [
          'execution_error',
          { node_id: '2', node_type: 'X', exception_type: 'E', exception_message: 'm\n', traceback: ['t'] },
        ],
      ]),
      'P',
    );
    expect(failed).toEqual({
      status: 'error',
      error: { nodeId: '2', nodeType: 'X', exceptionType: 'E', exceptionMessage: 'm\n', traceback: ['t'] },
      outputs: {},
    });
  });
});

describe('websocket liveness', () => {
  it('drops a socket whose server stops answering pings', async () => {
    const http = createServer();
    // autoPong off: the server accepts the connection and talks, but never answers a ping.
    const wss = new WebSocketServer({ server: http, autoPong: false });
    wss.on('connection', (ws) =>
      ws.send(
        JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'x' } }),
      ),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const client = new ComfyClient({ baseUrl: url, pingIntervalMs: 30, reconnectDelayMs: 10_000 });
    try {
      await client.connect();
      expect(client.connected).toBe(true);
      await nextEvent(client, 'connection', (e) => !e.connected);
      expect(client.connected).toBe(false);
    } finally {
      await client.close();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
