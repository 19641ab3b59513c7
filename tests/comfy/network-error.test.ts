import http from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ComfyClient } from '../../electron/comfy/client.js';
import { describeNetworkError } from '../../electron/comfy/network-error.js';
import { closedPort } from './client-suite.js';

const failureOf = (start: (fail: (error: unknown) => void) => void) => new Promise<unknown>(start);

describe('a failed connection to ComfyUI, in words', () => {
  it('says what a refused HTTP connection means and gives the system message once', async () => {
    const port = await closedPort();
    const error = await failureOf((fail) => http.get(`http://127.0.0.1:${port}/`).on('error', fail));
    expect(describeNetworkError(error)).toBe(
      `connection refused, nothing is listening there: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('says the same of the websocket, which the status page shows when ComfyUI is down', async () => {
    const port = await closedPort();
    const client = new ComfyClient({ baseUrl: `http://127.0.0.1:${port}` });
    const error = (await client.connect().catch((e: unknown) => e)) as Error;
    await client.close();
    expect(error.message).toContain(
      `(connection refused, nothing is listening there: connect ECONNREFUSED 127.0.0.1:${port})`,
    );
    expect(error.message.match(/ECONNREFUSED/gu)).toHaveLength(1);
    // The raw socket error it comes from, for the record: the code is in the message already.
    const raw = await failureOf((fail) => new WebSocket(`ws://127.0.0.1:${port}/ws`).on('error', fail));
    expect((raw as Error).message).toContain('ECONNREFUSED');
  });

  it("shows every address's attempt when Node tried several and its own message is empty", () => {
    const attempt = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const error = Object.assign(new AggregateError([attempt('::1:8188'), attempt('127.0.0.1:8188')]), {
      code: 'ECONNREFUSED',
    });
    expect(describeNetworkError(error)).toBe(
      'connection refused, nothing is listening there: connect ECONNREFUSED ::1:8188; connect ECONNREFUSED 127.0.0.1:8188',
    );
  });

  it('keeps an unknown code and a codeless error as they are', () => {
    expect(describeNetworkError(Object.assign(new Error('boom'), { code: 'EWEIRD' }))).toBe('EWEIRD: boom');
    expect(describeNetworkError(new Error('socket hang up'))).toBe('socket hang up');
  });
});
