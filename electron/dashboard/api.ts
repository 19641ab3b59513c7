import type { IncomingMessage, ServerResponse } from 'node:http';
import { mcpbDownloadPath } from '../../shared/dashboard-api.js';
import { editReadLimits } from '../bridge/edit-inputs.js';
import { withHint } from '../errors.js';
import { GalleryLoadError } from '../gallery/index.js';
import { hasRequestToken } from '../http/guard.js';
import type { RouteHandler } from '../http/server.js';
import { STATUS_OBJECT_INFO_MAX_AGE_MS } from '../jobs/backend-pool.js';
import { ModelSetupProblem } from '../models/setup.js';
import { StartComfyProblem } from '../setup/start-comfyui.js';
import { ApiProblem, type ApiHandlers, type DashboardApiOptions } from './api-types.js';
import { connectInfo } from './connect.js';
import { createGalleryHandlers } from './gallery-api.js';
import { mcpbAvailable, serveMcpb } from './mcpb-download.js';
import { serveEditSource } from './edit-source.js';
import { serveGalleryImage } from './images.js';
import { sendError, sendJson } from './respond.js';
import { matchRoute } from './routes.js';
import { createSettingsHandlers } from './settings-api.js';
import { recentBatches, toBatchView } from './views.js';

export { ApiProblem, type ApiHandlers, type ApiRequest, type DashboardApiOptions } from './api-types.js';

/** Shown at most this many finished batches (unfinished ones always). */
const batchListLimit = 100;

export function createApiHandlers(options: DashboardApiOptions): ApiHandlers {
  const { scheduler } = options;

  return {
    ...createGalleryHandlers(options),
    ...createSettingsHandlers(options),
    // A page load or the user's refresh: show model files as ComfyUI lists them now, not as at connection time.
    status: async () => {
      await options.pool.refreshObjectInfo(STATUS_OBJECT_INFO_MAX_AGE_MS);
      return options.status();
    },

    async batches() {
      // The items' views say which images the gallery still has.
      await options.gallery.loaded();
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
      if (error instanceof GalleryLoadError)
        return sendError(res, 503, error.code, withHint(error.message, error.hint));
      throw error;
    }
  };
}
