import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../../renderer/src/api/client.js';
import { ApiError } from '../../renderer/src/api/errors.js';
import type { DashboardEvent } from '../../shared/dashboard-api.js';
import { settingsView, statusView } from './fixtures.js';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

function fetchAnswering(status: number, body: unknown) {
  const sent: Sent[] = [];
  const fake = (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push({
      url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      method: init?.method ?? 'GET',
      headers: init?.headers as Record<string, string>,
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    });
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  };
  return { fetch: fake, sent };
}

/** A WebSocket stand-in: tests open, message and close each instance by hand. */
class FakeSocket {
  static instances: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }
  close() {
    this.closed = true;
  }
}

afterEach(() => {
  FakeSocket.instances = [];
  vi.useRealTimers();
});

describe('API client', () => {
  it('sends the token as a Bearer header and returns the parsed answer', async () => {
    const { fetch, sent } = fetchAnswering(200, statusView());
    const client = createApiClient({ baseUrl: 'http://127.0.0.1:8190', token: 't0k', fetch });
    const status = await client.status();
    expect(status.backends[0]?.url).toBe('http://127.0.0.1:8188');
    expect(sent).toEqual([
      {
        url: 'http://127.0.0.1:8190/api/status',
        method: 'GET',
        headers: { Authorization: 'Bearer t0k', Accept: 'application/json' },
      },
    ]);
  });

  it('fills in path ids and query parameters, and sends PATCH bodies as JSON', async () => {
    const gallery = fetchAnswering(200, { items: [], total: 0 });
    const client = createApiClient({ baseUrl: 'http://h:1', token: 't', fetch: gallery.fetch });
    await client.gallery({ query: 'a cat', limit: 10, cursor: undefined });
    expect(gallery.sent[0]?.url).toBe('http://h:1/api/gallery?query=a+cat&limit=10');
    await client.gallery({ mode: 'remove_background', cursor: 'c1' });
    expect(gallery.sent[1]?.url).toBe('http://h:1/api/gallery?mode=remove_background&cursor=c1');

    const cancel = fetchAnswering(200, { cancelled: 2, alreadyFinished: 1 });
    await createApiClient({ baseUrl: 'http://h:1', token: 't', fetch: cancel.fetch }).cancelBatch('b/1');
    expect(cancel.sent[0]).toMatchObject({ url: 'http://h:1/api/batches/b%2F1/cancel', method: 'POST' });

    const patch = fetchAnswering(200, { settings: settingsView({ port: 9000 }), restartRequired: ['port'] });
    const result = await createApiClient({
      baseUrl: 'http://h:1',
      token: 't',
      fetch: patch.fetch,
    }).updateSettings({
      port: 9000,
    });
    expect(patch.sent[0]).toMatchObject({ method: 'PATCH', body: '{"port":9000}' });
    expect(patch.sent[0]?.headers['Content-Type']).toBe('application/json');
    expect(result.restartRequired).toEqual(['port']);
  });

  it('turns the bridge’s error body into an ApiError with its code', async () => {
    const { fetch } = fetchAnswering(401, { error: { code: 'unauthorized', message: 'Missing token.' } });
    const client = createApiClient({ baseUrl: 'http://h:1', token: 'wrong', fetch });
    await expect(client.workflows()).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('refuses an answer that does not match the contract', async () => {
    const { fetch } = fetchAnswering(200, { backends: 'many' });
    const client = createApiClient({ baseUrl: 'http://h:1', token: 't', fetch });
    const failure = await client.status().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).code).toBe('bad_response');
  });

  it('reports a bridge that does not answer as a network error, and calls nothing without a token', async () => {
    const down = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
    await expect(
      createApiClient({ baseUrl: 'http://h:1', token: 't', fetch: down }).settings(),
    ).rejects.toMatchObject({
      code: 'network',
    });
    const { fetch, sent } = fetchAnswering(200, {});
    await expect(
      createApiClient({ baseUrl: 'http://h:1', token: undefined, fetch }).settings(),
    ).rejects.toMatchObject({
      code: 'no_token',
    });
    expect(sent).toEqual([]);
  });

  it('puts the token on image URLs, which cannot carry headers', () => {
    const client = createApiClient({ baseUrl: 'http://127.0.0.1:8190', token: 'a b' });
    expect(client.imageUrl('img-1', 'thumbnail')).toBe(
      'http://127.0.0.1:8190/api/gallery/img-1/thumbnail?token=a+b',
    );
    expect(client.imageUrl('img-1', 'full')).toBe('http://127.0.0.1:8190/api/gallery/img-1/image?token=a+b');
  });
});

describe('live events socket', () => {
  it('connects with the token, delivers contract events in order and skips unknown ones', async () => {
    const client = createApiClient({
      baseUrl: 'http://127.0.0.1:8190',
      token: 'tok',
      WebSocket: FakeSocket as unknown as typeof WebSocket,
    });
    const events: DashboardEvent[] = [];
    const opened = vi.fn();
    const stop = client.subscribe({ onEvent: (event) => events.push(event), onOpen: opened });
    const socket = FakeSocket.instances[0]!;
    expect(socket.url).toBe('ws://127.0.0.1:8190/api/events?token=tok');
    socket.onopen?.();
    expect(opened).toHaveBeenCalledOnce();
    socket.onmessage?.({ data: JSON.stringify({ type: 'workflows' }) });
    socket.onmessage?.({ data: JSON.stringify({ type: 'from-the-future' }) });
    socket.onmessage?.({ data: 'not json' });
    const removed = { type: 'gallery', change: 'removed', id: 'img-1' } as const;
    socket.onmessage?.({ data: JSON.stringify(removed) });
    // Parsed once the contract's chunk has loaded (asynchronously), in the order they came.
    await vi.waitFor(() => expect(events).toEqual([{ type: 'workflows' }, removed]));
    stop();
    expect(socket.closed).toBe(true);
  });

  it('reconnects with growing delays, starting over after a successful open, and stops when told', () => {
    vi.useFakeTimers();
    const states: string[] = [];
    const client = createApiClient({
      baseUrl: 'http://h:1',
      token: 't',
      WebSocket: FakeSocket as unknown as typeof WebSocket,
    });
    const stop = client.subscribe({ onEvent: () => undefined, onStateChange: (state) => states.push(state) });

    FakeSocket.instances[0]!.onclose?.();
    vi.advanceTimersByTime(499);
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(2);

    FakeSocket.instances[1]!.onclose?.();
    vi.advanceTimersByTime(999);
    expect(FakeSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(3);

    FakeSocket.instances[2]!.onopen?.();
    FakeSocket.instances[2]!.onclose?.();
    vi.advanceTimersByTime(500);
    expect(FakeSocket.instances).toHaveLength(4);
    expect(states).toEqual([
      'connecting',
      'closed',
      'connecting',
      'closed',
      'connecting',
      'open',
      'closed',
      'connecting',
    ]);

    stop();
    FakeSocket.instances[3]!.onclose?.();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(4);
  });
});
