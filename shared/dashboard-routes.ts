/**
 * The dashboard's routes as plain data: method and path of every /api route, the image and download paths and
 * the events socket. Kept apart from the response schemas (dashboard-api.ts, which needs zod) so the page can
 * send its first requests before the schemas have loaded; dashboard-api.ts pairs each route with its schema.
 */

/** Every JSON route: method and path (`:id` for a parameter). */
export const apiPaths = {
  status: { method: 'GET', path: '/api/status' },
  batches: { method: 'GET', path: '/api/batches' },
  cancelBatch: { method: 'POST', path: '/api/batches/:id/cancel' },
  gallery: { method: 'GET', path: '/api/gallery' },
  deleteImage: { method: 'DELETE', path: '/api/gallery/:id' },
  revealImage: { method: 'POST', path: '/api/gallery/:id/reveal' },
  workflows: { method: 'GET', path: '/api/workflows' },
  settings: { method: 'GET', path: '/api/settings' },
  updateSettings: { method: 'PATCH', path: '/api/settings' },
  connect: { method: 'GET', path: '/api/connect' },
  models: { method: 'GET', path: '/api/models' },
  downloadModel: { method: 'POST', path: '/api/models/:id/download' },
  checklist: { method: 'GET', path: '/api/checklist' },
  dismissChecklist: { method: 'POST', path: '/api/checklist/dismiss' },
  startComfyui: { method: 'POST', path: '/api/comfyui/start' },
} as const;

/** Binary routes (not JSON): the image bytes, by gallery id, never by a path from the client. */
export const imageRoutes = {
  thumbnail: '/api/gallery/:id/thumbnail',
  full: '/api/gallery/:id/image',
  /** An edit's source image (the "before"), read again under the path policy at each request. */
  source: '/api/gallery/:id/source',
} as const;

/** The built .mcpb as a download (GET; the dashboard token rides in ?token= as for images). */
export const mcpbDownloadPath = '/api/connect/mcpb';

export const eventsPath = '/api/events';
