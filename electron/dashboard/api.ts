import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { z } from 'zod';
import type { apiRoutes } from '../../shared/dashboard-api.js';
import {
  galleryQuerySchema,
  mcpbDownloadPath,
  settingsPatchSchema,
  type StatusView,
} from '../../shared/dashboard-api.js';
import type { Settings } from '../../shared/settings.js';
import type { WorkflowCatalog } from '../bridge/catalog.js';
import { editReadLimits } from '../bridge/edit-inputs.js';
import { DesktopUnavailableError, FileChangedError, type DesktopPort } from '../desktop-port.js';
import { withHint } from '../errors.js';
import { CursorError, type Gallery } from '../gallery/index.js';
import { hasRequestToken } from '../http/guard.js';
import type { RouteHandler } from '../http/server.js';
import { STATUS_OBJECT_INFO_MAX_AGE_MS, type BackendPool } from '../jobs/backend-pool.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import { definedOnly } from '../objects.js';
import { relativeFolderProblem, type SettingsService } from '../settings.js';
import { lockedChanges, settingLockedError } from '../settings-lock.js';
import { chooseDefaultWorkflow } from '../workflows/default.js';
import { ModelSetupProblem, type ModelSetup } from '../models/setup.js';
import type { ChecklistService } from '../setup/checklist-service.js';
import { StartComfyProblem, type ComfyStarter } from '../setup/start-comfyui.js';
import type { LoadedWorkflowEntry, WorkflowLibrary } from '../workflows/library.js';
import { connectInfo, type ShimCommand } from './connect.js';
import { mcpbAvailable, serveMcpb, type McpbBundle } from './mcpb-download.js';
import { serveEditSource } from './edit-source.js';
import { serveGalleryImage } from './images.js';
import { sendError, sendJson } from './respond.js';
import { matchRoute, type ApiRouteName } from './routes.js';
import type { restartSettings } from './views.js';
import {
  describeDefault,
  lockedView,
  recentBatches,
  restartRequired,
  toBatchView,
  toGalleryItem,
  toSettingsView,
  toWorkflowView,
  type BackendCheck,
  type ItemContext,
} from './views.js';
import { isNestedDeeperThan, MAX_JSON_NESTING } from '../http/json-depth.js';

export interface DashboardApiOptions {
  scheduler: Scheduler;
  pool: BackendPool;
  gallery: Gallery;
  workflows: WorkflowLibrary;
  catalog: WorkflowCatalog;
  settings: SettingsService;
  desktop: DesktopPort;
  logger: Logger;
  items: ItemContext;
  status(): StatusView;
  mcpUrl(): string;
  networkMcpUrls(): readonly string[];
  userWorkflowsDir: string;
  shim: ShimCommand;
  /** The .mcpb download's file name and where to look for it. */
  mcpb: McpbBundle;
  /** The start-up settings the bridge runs with; a change to them is reported as needing a restart. */
  running: Pick<Settings, (typeof restartSettings)[number]>;
  /** Told when the dashboard deleted a generation, for the live events. */
  onImageRemoved(id: string): void;
  models: ModelSetup;
  checklist: ChecklistService;
  comfyStarter: ComfyStarter;
}

/** What a route handler gets: the `:id`, the query string and the raw body. */
export interface ApiRequest {
  id: string;
  query: URLSearchParams;
  body: Buffer;
}

type ResponseOf<Name extends ApiRouteName> = z.infer<(typeof apiRoutes)[Name]['response']>;
/** One handler per contract route, each returning exactly that route's response type. */
export type ApiHandlers = { [Name in ApiRouteName]: (request: ApiRequest) => Promise<ResponseOf<Name>> };

/** A refusal a person can act on; becomes an apiErrorSchema body with the status. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Shown at most this many finished batches (unfinished ones always). */
const batchListLimit = 100;

export function createApiHandlers(options: DashboardApiOptions): ApiHandlers {
  const { scheduler, gallery, settings } = options;

  const recordOf = (id: string) => {
    const record = gallery.get(id);
    if (!record) throw new ApiProblem(404, 'image_not_found', `No generation with id ${id} in the gallery.`);
    return record;
  };

  const trashRecordedFile = async (
    id: string,
    path: string,
  ): Promise<{ file: 'trashed' | 'replaced' | 'missing'; message: string }> => {
    const checked = await gallery.checkForMove(id);
    let problem = checked?.state === 'present' ? undefined : checked;
    if (checked?.state === 'present') {
      try {
        await options.desktop.moveToTrash(path, checked.file);
      } catch (error) {
        if (!(error instanceof FileChangedError))
          throw new ApiProblem(
            500,
            'trash_failed',
            `Could not move ${path} to the trash (${error instanceof Error ? error.message : String(error)}); ` +
              'check that the file is not open elsewhere and that its folder is writable.',
          );
        problem = { state: 'replaced', why: 'it changed while it was being moved' };
      } finally {
        await checked.close();
      }
    }
    if (!problem) return { file: 'trashed', message: `Moved to the trash: ${path}.` };
    return problem.state === 'replaced'
      ? {
          file: 'replaced',
          message: `Removed the entry only: the file at ${path} is not the one it made (${problem.why}), so it was left in place.`,
        }
      : { file: 'missing', message: `Removed the entry only: ${path} was already gone.` };
  };

  const settingsResponse = () => {
    const current = settings.get();
    return {
      settings: toSettingsView(current),
      restartRequired: restartRequired(options.running, current),
      locked: lockedView(settings.locked()),
    };
  };

  return {
    // A page load or the user's refresh: show model files as ComfyUI lists them now, not as at connection time.
    status: async () => {
      await options.pool.refreshObjectInfo(STATUS_OBJECT_INFO_MAX_AGE_MS);
      return options.status();
    },

    async batches() {
      // Settled batches of earlier runs are on disk only; those in memory are the newer copies.
      const inMemory = scheduler.list();
      const known = new Set(inMemory.map((batch) => batch.id));
      const onDisk = (await scheduler.recentFinished(batchListLimit)).filter((batch) => !known.has(batch.id));
      return {
        batches: recentBatches([...inMemory, ...onDisk], batchListLimit).map((batch) =>
          toBatchView(batch, options.items),
        ),
      };
    },

    async cancelBatch({ id }) {
      if (!scheduler.get(id)) throw new ApiProblem(404, 'batch_not_found', `No batch with id ${id}.`);
      const result = await scheduler.cancel(id);
      return { cancelled: result.cancelled.length, alreadyFinished: result.alreadyFinished };
    },

    async gallery({ query }) {
      const parsed = galleryQuerySchema.safeParse(Object.fromEntries(query));
      if (!parsed.success) throw invalid('invalid_query', parsed.error);
      let page;
      try {
        page = gallery.list(definedQuery(parsed.data));
      } catch (error) {
        if (error instanceof CursorError) throw new ApiProblem(400, 'invalid_cursor', error.message);
        throw error;
      }
      const files = await gallery.fileStates(page.items);
      return {
        items: page.items.map((record, index) => toGalleryItem(record, files[index]!)),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        total: gallery.size,
      };
    },

    async deleteImage({ id }) {
      const record = recordOf(id);
      // Only the file this entry made is moved to the trash, and only while it still is that file; a file
      // replaced since (an overwrite, a folder swapped for a link) or already gone leaves just the entry to remove.
      const file = await trashRecordedFile(id, record.path);
      gallery.remove(id);
      options.onImageRemoved(id);
      return { deleted: true as const, ...file };
    },

    revealImage({ id }) {
      const { path } = recordOf(id);
      try {
        options.desktop.revealInFolder(path);
      } catch (error) {
        if (!(error instanceof DesktopUnavailableError)) throw error;
        throw new ApiProblem(501, error.code, withHint(error.message, `Its folder is ${dirname(path)}.`));
      }
      return Promise.resolve({ ok: true as const });
    },

    async workflows() {
      await options.pool.refreshObjectInfo(STATUS_OBJECT_INFO_MAX_AGE_MS);
      const entries = options.workflows.list();
      const backends = options.pool.ids();
      const views = options.pool.views();
      const workflows = entries.map((entry) => {
        const checks: BackendCheck[] =
          entry.status === 'ok'
            ? backends.map((backend) => {
                const info = options.pool.objectInfo(backend);
                return info
                  ? {
                      backend,
                      checked: true,
                      ...options.catalog.check(entry.id, info, options.pool.version(backend)),
                    }
                  : { backend, checked: false };
              })
            : [];
        return toWorkflowView(entry, checks);
      });
      const preferred = settings.get().defaultWorkflow;
      const loaded = entries.filter((entry): entry is LoadedWorkflowEntry => entry.status === 'ok');
      const choice = chooseDefaultWorkflow(
        loaded.map((entry) => ({ workflow: entry.workflow, source: entry.source })),
        views,
        preferred || undefined,
      );
      return {
        ...describeDefault(preferred, choice, views.length > 0),
        userFolder: options.userWorkflowsDir,
        ...definedOnly({ defaultLockedBy: settings.locked().defaultWorkflow }),
        workflows,
      };
    },

    settings: () => Promise.resolve(settingsResponse()),

    updateSettings({ body }) {
      const parsed = settingsPatchSchema.safeParse(parseJson(body));
      if (!parsed.success) throw invalid('invalid_settings', parsed.error);
      const patch = parsed.data;
      // Flags win over the dashboard: an edit of a setting a flag set is refused whole, before anything else.
      const refused = lockedChanges(definedOnly(patch), settings.get(), settings.locked());
      if (refused.length > 0) {
        const error = settingLockedError(refused, settings.locked());
        throw new ApiProblem(409, error.code, withHint(error.message, error.hint));
      }
      if (patch.defaultWorkflow && !options.workflows.get(patch.defaultWorkflow)) {
        throw new ApiProblem(
          400,
          'unknown_workflow',
          `There is no workflow "${patch.defaultWorkflow}"; pick one from the workflow list, or "" for the smart default.`,
        );
      }
      const relative = relativeFolderProblem(definedOnly(patch));
      if (relative) throw new ApiProblem(400, 'relative_path', relative);
      settings.update(definedOnly(patch));
      return Promise.resolve(settingsResponse());
    },

    connect: async () =>
      connectInfo({
        mcpUrl: options.mcpUrl(),
        networkMcpUrls: options.networkMcpUrls(),
        mcpToken: options.running.mcpToken,
        shim: options.shim,
        platform: process.platform,
        mcpb: { fileName: options.mcpb.fileName, available: await mcpbAvailable(options.mcpb) },
      }),

    models: () => options.models.view(),

    async downloadModel({ id }) {
      try {
        return await options.models.startDownload(id);
      } catch (error) {
        if (error instanceof ModelSetupProblem) throw new ApiProblem(error.status, error.code, error.message);
        throw error;
      }
    },

    checklist: () => options.checklist.refresh(),

    dismissChecklist: () => Promise.resolve(options.checklist.dismiss()),

    async startComfyui() {
      try {
        return await options.comfyStarter.start();
      } catch (error) {
        if (error instanceof StartComfyProblem) throw new ApiProblem(error.status, error.code, error.message);
        throw error;
      }
    },
  };
}

/** The /api request handler for the HTTP server: token, route, validation, errors as apiErrorSchema. */
export function createApiHandler(options: DashboardApiOptions): RouteHandler {
  const handlers = createApiHandlers(options);
  const logger = options.logger.child('api');
  // The limits edit_image reads a source under.
  const sourceLimits = () => editReadLimits(options.settings.get());
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    if (!hasRequestToken(req.headers, req.url, options.settings.get().dashboardToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="comfyui-mcp-bridge dashboard"');
      return sendError(
        res,
        401,
        'unauthorized',
        'Missing or wrong dashboard token: open the dashboard from the tray, or with the Dashboard URL that "comfyui-mcp-bridge serve" printed (it carries ?token=).',
      );
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === mcpbDownloadPath && (req.method === 'GET' || req.method === 'HEAD'))
      return serveMcpb(req, res, options.mcpb, logger);
    const match = matchRoute(req.method ?? 'GET', url.pathname);
    try {
      switch (match.kind) {
        case 'none':
          return sendError(res, 404, 'not_found', `No dashboard API at ${url.pathname}.`);
        case 'wrong_method':
          res.setHeader('Allow', [...new Set(match.allowed)].join(', '));
          return sendError(
            res,
            405,
            'method_not_allowed',
            `${req.method} is not supported on ${url.pathname}.`,
          );
        case 'image':
          if (match.name === 'source')
            return await serveEditSource(
              req,
              res,
              { gallery: options.gallery, limits: sourceLimits },
              match.id,
            );
          return await serveGalleryImage(
            req,
            res,
            { gallery: options.gallery, logger },
            match.name,
            match.id,
          );
        case 'api': {
          const result = await handlers[match.name]({ id: match.id ?? '', query: url.searchParams, body });
          return sendJson(res, 200, result);
        }
      }
    } catch (error) {
      if (error instanceof ApiProblem) return sendError(res, error.status, error.code, error.message);
      throw error;
    }
  };
}

function parseJson(body: Buffer): unknown {
  if (isNestedDeeperThan(body)) {
    throw new ApiProblem(
      400,
      'json_too_deep',
      `The request body nests more than ${MAX_JSON_NESTING} arrays or objects inside one another; send the flat JSON object the route expects.`,
    );
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new ApiProblem(400, 'invalid_json', 'The request body is not JSON; send a JSON object.');
  }
}

function invalid(code: string, error: z.ZodError): ApiProblem {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return new ApiProblem(400, code, `${where}${issue?.message ?? 'invalid request'}`);
}

function definedQuery(query: z.infer<typeof galleryQuerySchema>) {
  return {
    ...(query.query ? { query: query.query } : {}),
    ...(query.mode ? { mode: query.mode } : {}),
    ...(query.limit !== undefined ? { limit: query.limit } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  };
}
