import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { dashboardEventSchema, eventsPath, type DashboardEvent } from '../../shared/dashboard-api.js';
import type { Core } from '../../electron/core.js';
import { until } from '../core/harness.js';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json(): unknown;
}

/** A raw HTTP request (fetch would not let a test set Host or Origin). */
export function send(
  baseUrl: string,
  options: { path: string; method?: string; headers?: Record<string, string>; body?: unknown },
): Promise<Reply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: {
          Host: url.host,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: bytes,
            json: () => JSON.parse(bytes.toString('utf8')) as unknown,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Calls the dashboard API of a core with its token. */
export function apiOf(core: Core) {
  const token = core.settings.get().dashboardToken;
  return {
    token,
    call: (
      path: string,
      options: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) =>
      send(core.url, {
        path,
        ...options,
        headers: { Authorization: `Bearer ${token}`, ...options.headers },
      }),
  };
}

/** What opening the events socket came to: an open socket with its (parsed) messages, or the refusal status. */
export type EventsOutcome =
  | { kind: 'open'; socket: WebSocket; events: DashboardEvent[]; closed: Promise<number> }
  | { kind: 'refused'; status: number };

export function openEvents(
  core: Core,
  options: { token?: string | null; origin?: string; host?: string } = {},
): Promise<EventsOutcome> {
  const base = new URL(core.url);
  const url = new URL(eventsPath, `ws://${base.host}`);
  const token = options.token === undefined ? core.settings.get().dashboardToken : options.token;
  if (token !== null) url.searchParams.set('token', token);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.host ? { headers: { Host: options.host } } : {}),
    });
    const events: DashboardEvent[] = [];
    const closed = new Promise<number>((resolveClose) => socket.on('close', (code) => resolveClose(code)));
    socket.on('message', (data: Buffer) => {
      // Every frame must satisfy the contract; a parse failure fails the test that reads the events.
      events.push(dashboardEventSchema.parse(JSON.parse(data.toString('utf8'))));
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve({ kind: 'refused', status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.on('open', () => resolve({ kind: 'open', socket, events, closed }));
    socket.on('error', (error) => reject(error));
  });
}

/** Waits for an event that satisfies the predicate (among those already received, too) and returns it. */
export async function nextEvent<T extends DashboardEvent>(
  events: DashboardEvent[],
  predicate: (event: DashboardEvent) => event is T,
  description: string,
): Promise<T> {
  await until(() => events.some(predicate), description);
  return events.find(predicate) as T;
}

export function isEvent<Type extends DashboardEvent['type']>(type: Type) {
  return (event: DashboardEvent): event is Extract<DashboardEvent, { type: Type }> => event.type === type;
}

/** Polls an async check until it holds; fails with the description after the deadline. */
export async function eventually(check: () => Promise<boolean>, description: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
