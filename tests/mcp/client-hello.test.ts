import { describe, expect, it } from 'vitest';
import { opensClientSession } from '../../electron/mcp/client-hello.js';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('opensClientSession', () => {
  it('is true for a 2025 initialize and a 2026 server/discover request', () => {
    expect(opensClientSession(body({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }))).toBe(true);
    expect(opensClientSession(body({ jsonrpc: '2.0', id: 'a', method: 'server/discover' }))).toBe(true);
  });

  it('finds one in a batch', () => {
    const batch = [
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'initialize', params: {} },
    ];
    expect(opensClientSession(body(batch))).toBe(true);
  });

  it('is false for other requests, notifications, responses and what is not JSON', () => {
    expect(opensClientSession(body({ jsonrpc: '2.0', id: 1, method: 'tools/list' }))).toBe(false);
    expect(opensClientSession(body({ jsonrpc: '2.0', method: 'initialize' }))).toBe(false);
    expect(opensClientSession(body({ jsonrpc: '2.0', id: 1, result: { method: 'initialize' } }))).toBe(false);
    expect(opensClientSession(Buffer.from('{"method":"initialize",'))).toBe(false);
    expect(opensClientSession(Buffer.alloc(0))).toBe(false);
    expect(opensClientSession(body(null))).toBe(false);
  });
});
