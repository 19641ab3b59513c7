import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { e2eSkipReason, startBridge, type Bridge } from './support.js';

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/api-guard: skipped: ${skip}`);

/** A raw request, so the test controls every header (fetch would not send a foreign Origin as given). */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve('open');
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.on('error', () => undefined);
  });
}

describe.skipIf(skip)('the dashboard API guard', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({ comfyuiUrls: ['http://127.0.0.1:9'] });
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  it('answers with the token, refuses without it or with a wrong one', async () => {
    const status = `${bridge.baseUrl}/api/status`;
    expect((await get(status, { Authorization: `Bearer ${bridge.token}` })).status).toBe(200);
    const without = await get(status, {});
    expect(without.status).toBe(401);
    expect((JSON.parse(without.body) as { error: { message: string } }).error.message).toMatch(/token/i);
    expect((await get(status, { Authorization: 'Bearer not-the-token' })).status).toBe(401);
    expect((await get(`${bridge.baseUrl}/api/gallery/x/thumbnail`, {})).status).toBe(401);
  });

  it('refuses a foreign Origin even with the right token', async () => {
    const foreign = await get(`${bridge.baseUrl}/api/status`, {
      Authorization: `Bearer ${bridge.token}`,
      Origin: 'http://evil.example',
    });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ error: { code: 'forbidden_origin' } });
    const sameOrigin = await get(`${bridge.baseUrl}/api/status`, {
      Authorization: `Bearer ${bridge.token}`,
      Origin: bridge.baseUrl,
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('guards the live events socket the same way', async () => {
    const events = `${bridge.baseUrl.replace('http', 'ws')}/api/events`;
    expect(await upgradeStatus(`${events}?token=${bridge.token}`)).toBe('open');
    expect(await upgradeStatus(events)).toBe(401);
    expect(await upgradeStatus(`${events}?token=${bridge.token}`, { Origin: 'http://evil.example' })).toBe(
      403,
    );
  });
});
