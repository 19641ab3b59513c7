/**
 * The dashboard's contract with the core: every /api route's response (and request body) schema, and the
 * live events on /api/events. The core validates what it sends in tests; the renderer parses what it gets.
 * The schemas live by route family beside this file (dashboard-api-batches, -gallery, -workflows, -settings,
 * -setup); this module is the one place both sides import, and apiRoutes below ties each path to its schemas.
 *
 * Auth: every request carries the dashboard token, as `Authorization: Bearer <token>`, or as `?token=` where a
 * browser cannot set headers (image URLs, the websocket). The page receives it in its own URL (`/?token=`).
 */
import { z } from 'zod';
import {
  batchListSchema,
  batchViewSchema,
  cancelResponseSchema,
  statusViewSchema,
} from './dashboard-api-batches.js';
import { deleteResponseSchema, galleryPageSchema } from './dashboard-api-gallery.js';
import { settingsResponseSchema, settingsViewSchema } from './dashboard-api-settings.js';
import {
  checklistViewSchema,
  comfyuiStartSchema,
  connectInfoSchema,
  downloadViewSchema,
  modelSetupSchema,
} from './dashboard-api-setup.js';
import { workflowListSchema } from './dashboard-api-workflows.js';
import { apiPaths } from './dashboard-routes.js';

export * from './dashboard-api-batches.js';
export * from './dashboard-api-gallery.js';
export * from './dashboard-api-settings.js';
export * from './dashboard-api-setup.js';
export * from './dashboard-api-workflows.js';

export const apiErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Live events on the /api/events websocket (JSON text frames). */
export const dashboardEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: statusViewSchema }),
  z.object({ type: z.literal('batch'), batch: batchViewSchema }),
  z.object({
    type: z.literal('progress'),
    batchId: z.string(),
    jobId: z.string(),
    /** Sampler steps done and in all (0 and 0 before the first step). */
    value: z.number(),
    max: z.number(),
    /** ComfyUI's phase for the job, in this order: loading, sampling, decoding, saving. */
    phase: z.enum(['loading', 'sampling', 'decoding', 'saving']).optional(),
  }),
  z.object({
    type: z.literal('preview'),
    batchId: z.string(),
    jobId: z.string(),
    /** The latest frame ComfyUI sent while sampling, as a data: URL (JPEG or PNG); never stored. */
    image: z.string().regex(/^data:image\/(jpeg|png);base64,/),
  }),
  z.object({ type: z.literal('gallery'), change: z.enum(['added', 'removed']), id: z.string() }),
  z.object({ type: z.literal('workflows') }),
  z.object({ type: z.literal('settings'), settings: settingsViewSchema }),
  z.object({ type: z.literal('download'), download: downloadViewSchema }),
  z.object({ type: z.literal('checklist'), checklist: checklistViewSchema }),
]);
export type DashboardEvent = z.infer<typeof dashboardEventSchema>;

/** Every route: method, path (`:id` for a parameter; see dashboard-routes.ts) and the schema of its JSON response. */
export const apiRoutes = {
  status: { ...apiPaths.status, response: statusViewSchema },
  batches: { ...apiPaths.batches, response: batchListSchema },
  cancelBatch: { ...apiPaths.cancelBatch, response: cancelResponseSchema },
  gallery: { ...apiPaths.gallery, response: galleryPageSchema },
  deleteImage: { ...apiPaths.deleteImage, response: deleteResponseSchema },
  revealImage: { ...apiPaths.revealImage, response: z.object({ ok: z.literal(true) }) },
  workflows: { ...apiPaths.workflows, response: workflowListSchema },
  settings: { ...apiPaths.settings, response: settingsResponseSchema },
  updateSettings: { ...apiPaths.updateSettings, response: settingsResponseSchema },
  connect: { ...apiPaths.connect, response: connectInfoSchema },
  models: { ...apiPaths.models, response: modelSetupSchema },
  downloadModel: { ...apiPaths.downloadModel, response: downloadViewSchema },
  checklist: { ...apiPaths.checklist, response: checklistViewSchema },
  dismissChecklist: { ...apiPaths.dismissChecklist, response: checklistViewSchema },
  startComfyui: { ...apiPaths.startComfyui, response: comfyuiStartSchema },
} as const;

export { eventsPath, imageRoutes, mcpbDownloadPath } from './dashboard-routes.js';
