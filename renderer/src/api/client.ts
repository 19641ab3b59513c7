import type { z } from 'zod';
import type * as Contract from '../../../shared/dashboard-api.js';
import type { DashboardEvent, GalleryMode, SettingsView } from '../../../shared/dashboard-api.js';
import { apiPaths, eventsPath, imageRoutes, mcpbDownloadPath } from '../../../shared/dashboard-routes.js';
import { reconnectDelay } from './backoff.js';
import { ApiError } from './errors.js';

/*
 * The only module that talks to the bridge (a lint rule keeps fetch and WebSocket out of everything else):
 * every request carries the token, every answer is parsed with the shared contract before a view sees it.
 * The contract (its zod schemas, about a quarter of the page's script) loads as a chunk of its own beside the
 * first requests, so the page's first paint does not wait for it.
 */

let contract: Promise<typeof Contract> | undefined;

/** The response and event schemas; one load shared by every caller (a failed load is tried again next time). */
function loadContract(): Promise<typeof Contract> {
  contract ??= import('../../../shared/dashboard-api.js').catch((error: unknown) => {
    contract = undefined;
    throw error;
  });
  return contract;
}

type Routes = typeof Contract.apiRoutes;
export type RouteName = keyof Routes;
export type RouteResult<Name extends RouteName> = z.infer<Routes[Name]['response']>;

export type EventsState = 'connecting' | 'open' | 'closed';

export interface EventsHandlers {
  onEvent(event: DashboardEvent): void;
  /** Called on every (re)connection: events may have been missed while closed, so views reload. */
  onOpen?(): void;
  onStateChange?(state: EventsState): void;
}

export interface ApiClient {
  readonly token: string | undefined;
  status(): Promise<RouteResult<'status'>>;
  batches(): Promise<RouteResult<'batches'>>;
  cancelBatch(id: string): Promise<RouteResult<'cancelBatch'>>;
  gallery(query: {
    query?: string;
    mode?: GalleryMode;
    limit?: number;
    cursor?: string;
  }): Promise<RouteResult<'gallery'>>;
  deleteImage(id: string): Promise<RouteResult<'deleteImage'>>;
  revealImage(id: string): Promise<RouteResult<'revealImage'>>;
  workflows(): Promise<RouteResult<'workflows'>>;
  settings(): Promise<RouteResult<'settings'>>;
  updateSettings(patch: Partial<SettingsView>): Promise<RouteResult<'updateSettings'>>;
  connect(): Promise<RouteResult<'connect'>>;
  models(): Promise<RouteResult<'models'>>;
  downloadModel(workflow: string): Promise<RouteResult<'downloadModel'>>;
  checklist(): Promise<RouteResult<'checklist'>>;
  dismissChecklist(): Promise<RouteResult<'dismissChecklist'>>;
  startComfyui(): Promise<RouteResult<'startComfyui'>>;
  /** URL of a gallery image's thumbnail, full file or edit source (images cannot send headers: the token rides along). */
  imageUrl(id: string, kind: keyof typeof imageRoutes): string;
  /** URL of the built .mcpb download (a link cannot send headers: the token rides along). */
  mcpbUrl(): string;
  /** Opens the live events socket, reconnecting with backoff until the returned function is called. */
  subscribe(handlers: EventsHandlers): () => void;
}

export interface ApiClientOptions {
  /** Where the bridge is, normally the page's own origin. */
  baseUrl: string;
  token: string | undefined;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const { baseUrl, token } = options;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const Socket = options.WebSocket ?? WebSocket;
  // Loading starts now, while the page renders, rather than with the first answer.
  if (token) void loadContract().catch(() => undefined);

  const pathOf = (template: string, id?: string) =>
    id === undefined ? template : template.replace(':id', encodeURIComponent(id));

  async function call<Name extends RouteName>(
    name: Name,
    init: { id?: string; query?: Record<string, string | number | undefined>; body?: unknown } = {},
  ): Promise<RouteResult<Name>> {
    if (!token) throw new ApiError('no_token', 'No access token.');
    const route = apiPaths[name];
    const schemas = loadContract();
    // Awaited below, after the request; a failure meanwhile must not surface as an unhandled rejection.
    schemas.catch(() => undefined);
    const url = new URL(pathOf(route.path, init.id), baseUrl);
    for (const [key, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(url, {
        method: route.method,
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
    } catch (error) {
      throw new ApiError('network', error instanceof Error ? error.message : String(error));
    }
    const body = await readJson(response);
    let apiErrorSchema: typeof Contract.apiErrorSchema;
    let apiRoutes: typeof Contract.apiRoutes;
    try {
      ({ apiErrorSchema, apiRoutes } = await schemas);
    } catch (error) {
      throw new ApiError('network', error instanceof Error ? error.message : String(error));
    }
    if (!response.ok) {
      const problem = apiErrorSchema.safeParse(body);
      throw problem.success
        ? new ApiError(problem.data.error.code, problem.data.error.message, response.status)
        : new ApiError('http_error', `The bridge answered ${response.status}.`, response.status);
    }
    const parsed = apiRoutes[name].response.safeParse(body);
    if (!parsed.success) {
      throw new ApiError('bad_response', `${route.method} ${route.path}: ${parsed.error.issues[0]?.message}`);
    }
    return parsed.data as RouteResult<Name>;
  }

  return {
    token,
    status: () => call('status'),
    batches: () => call('batches'),
    cancelBatch: (id) => call('cancelBatch', { id }),
    gallery: (query) => call('gallery', { query }),
    deleteImage: (id) => call('deleteImage', { id }),
    revealImage: (id) => call('revealImage', { id }),
    workflows: () => call('workflows'),
    settings: () => call('settings'),
    updateSettings: (patch) => call('updateSettings', { body: patch }),
    connect: () => call('connect'),
    models: () => call('models'),
    downloadModel: (workflow) => call('downloadModel', { id: workflow }),
    checklist: () => call('checklist'),
    dismissChecklist: () => call('dismissChecklist'),
    startComfyui: () => call('startComfyui'),
    imageUrl(id, kind) {
      const url = new URL(pathOf(imageRoutes[kind], id), baseUrl);
      if (token) url.searchParams.set('token', token);
      return url.href;
    },
    mcpbUrl() {
      const url = new URL(mcpbDownloadPath, baseUrl);
      if (token) url.searchParams.set('token', token);
      return url.href;
    },
    subscribe(handlers) {
      return openEvents(baseUrl, token, Socket, handlers);
    },
  };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function openEvents(
  baseUrl: string,
  token: string | undefined,
  Socket: typeof WebSocket,
  handlers: EventsHandlers,
): () => void {
  const url = new URL(eventsPath, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) url.searchParams.set('token', token);

  let socket: WebSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let stopped = false;

  const connect = () => {
    handlers.onStateChange?.('connecting');
    const current = new Socket(url.href);
    socket = current;
    current.onopen = () => {
      attempt = 0;
      handlers.onStateChange?.('open');
      handlers.onOpen?.();
    };
    current.onmessage = (message: MessageEvent) => {
      if (typeof message.data !== 'string') return;
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      // In arrival order: callbacks on the one contract promise run in the order they were added.
      loadContract().then(
        ({ dashboardEventSchema }) => {
          if (stopped || socket !== current) return;
          // An event this page does not know (a newer bridge) is skipped rather than breaking the view.
          const parsed = dashboardEventSchema.safeParse(data);
          if (parsed.success) handlers.onEvent(parsed.data);
        },
        () => undefined,
      );
    };
    current.onclose = () => {
      if (stopped || socket !== current) return;
      handlers.onStateChange?.('closed');
      timer = setTimeout(connect, reconnectDelay(attempt++));
    };
  };
  connect();

  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close();
  };
}
