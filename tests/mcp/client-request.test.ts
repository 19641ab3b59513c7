import { describe, expect, it } from 'vitest';
import { carriesClientRequest } from '../../electron/mcp/client-request.js';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('carriesClientRequest', () => {
  it('is true for a 2025 initialize, a 2026 server/discover and a first tools/list', () => {
    expect(carriesClientRequest(body({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }))).toBe(
      true,
    );
    expect(carriesClientRequest(body({ jsonrpc: '2.0', id: 'a', method: 'server/discover' }))).toBe(true);
    expect(carriesClientRequest(body({ jsonrpc: '2.0', id: 2, method: 'tools/list' }))).toBe(true);
  });

  it('finds one in a batch', () => {
    const batch = [
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'initialize', params: {} },
    ];
    expect(carriesClientRequest(body(batch))).toBe(true);
  });

  it('is false for notifications, responses, an empty body and what is not JSON', () => {
    expect(carriesClientRequest(body({ jsonrpc: '2.0', method: 'notifications/initialized' }))).toBe(false);
    expect(carriesClientRequest(body({ jsonrpc: '2.0', id: 1, result: { method: 'initialize' } }))).toBe(
      false,
    );
    expect(carriesClientRequest(body([{ jsonrpc: '2.0', id: 1, result: {} }]))).toBe(false);
    expect(carriesClientRequest(Buffer.from('{"method":"initialize",'))).toBe(false);
    expect(carriesClientRequest(Buffer.alloc(0))).toBe(false);
    expect(carriesClientRequest(body(null))).toBe(false);
  });
});
