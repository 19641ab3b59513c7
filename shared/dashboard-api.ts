import { z } from 'zod';
import { apiPaths } from './dashboard-routes.js';
import { editModes, outputFormats } from './generation.js';
import { settingsSchema } from './settings.js';
import { webAssetRecordSchema } from './web-asset.js';

/**
 * The dashboard's contract with the core: every /api route's response (and request body) schema, and the
 * live events on /api/events. The core validates what it sends in tests; the renderer parses what it gets.
 *
 * Auth: every request carries the dashboard token, as `Authorization: Bearer <token>`, or as `?token=` where a
 * browser cannot set headers (image URLs, the websocket). The page receives it in its own URL (`/?token=`).
 *
 * Over ~300 lines on purpose: it is declarations only, and one file is the one place both sides read to see the
 * whole contract (apiRoutes below ties each path to its schemas).
 */

/** A ComfyUI device; `vramTotal`/`vramFree` are ComfyUI's figures, which on a CPU are RAM (see devices.ts). */
export const deviceSchema = z.object({
  name: z.string(),
  type: z.string(),
  vramTotal: z.number(),
  vramFree: z.number(),
});

export const backendViewSchema = z.object({
  url: z.string(),
  reachable: z.boolean(),
  /** Why it is not reachable, in words a person can act on. */
  problem: z.string().optional(),
  version: z.string().optional(),
  devices: z.array(deviceSchema),
  queueRemaining: z.number(),
  inFlight: z.number(),
  /** ISO time of the last change between reachable and not. */
  since: z.string(),
});
export type BackendView = z.infer<typeof backendViewSchema>;

export const statusViewSchema = z.object({
  version: z.string(),
  mcpUrl: z.string(),
  outputDir: z.string(),
  dataDir: z.string(),
  backends: z.array(backendViewSchema),
  queue: z.object({ pending: z.number(), running: z.number(), paused: z.boolean() }),
});
export type StatusView = z.infer<typeof statusViewSchema>;

export const jobStates = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

export const itemViewSchema = z.object({
  jobId: z.string(),
  index: z.number(),
  state: z.enum(jobStates),
  prompt: z.string(),
  width: z.number(),
  height: z.number(),
  seed: z.number(),
  workflow: z.string(),
  /** Sampling progress of a running item. */
  progress: z.object({ value: z.number(), max: z.number() }).optional(),
  /** Gallery id of the finished image (thumbnail and file are served by id). */
  imageId: z.string().optional(),
  path: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type ItemView = z.infer<typeof itemViewSchema>;

export const batchViewSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  priority: z.enum(['interactive', 'batch']),
  done: z.boolean(),
  counts: z.object({
    total: z.number(),
    completed: z.number(),
    pending: z.number(),
    running: z.number(),
    failed: z.number(),
    cancelled: z.number(),
  }),
  items: z.array(itemViewSchema),
});
export type BatchView = z.infer<typeof batchViewSchema>;

export const batchListSchema = z.object({ batches: z.array(batchViewSchema) });
export const cancelResponseSchema = z.object({ cancelled: z.number(), alreadyFinished: z.number() });

export const galleryItemSchema = z.object({
  id: z.string(),
  path: z.string(),
  prompt: z.string(),
  negativePrompt: z.string().optional(),
  seed: z.number(),
  width: z.number(),
  height: z.number(),
  format: z.enum(outputFormats),
  bytes: z.number(),
  workflow: z.string(),
  backend: z.string(),
  batchId: z.string().optional(),
  createdAt: z.string(),
  /**
   * Whether the file at `path` is still the one this generation made: `replaced` (another file is there, or the
   * path now leads outside the allowed folders) and `missing` entries are not shown, and deleting them removes
   * the entry only.
   */
  fileState: z.enum(['present', 'replaced', 'missing']),
  /** Why the file is replaced or missing, in words. */
  fileNote: z.string().optional(),
  /** Set for an edit (edit_image): its mode and the source file's path; the source is served by id (imageRoutes). */
  edit: z.object({ mode: z.enum(editModes), source: z.string() }).optional(),
  /** The image made web-ready (convert_image or a tool's `web` option): its variants, sizes, placeholder, snippet. */
  web: webAssetRecordSchema.optional(),
});
export type GalleryItem = z.infer<typeof galleryItemSchema>;

/** The gallery's mode filter: `generate` is every record that is not an edit, else one edit mode. */
export const galleryModes = ['generate', ...editModes] as const;
export type GalleryMode = (typeof galleryModes)[number];

export const galleryQuerySchema = z.object({
  query: z.string().max(500).optional(),
  mode: z.enum(galleryModes).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(500).optional(),
});
export const galleryPageSchema = z.object({
  items: z.array(galleryItemSchema),
  nextCursor: z.string().optional(),
  /** Every generation in the index (not only those matching the query). */
  total: z.number(),
});
export type GalleryPage = z.infer<typeof galleryPageSchema>;
export const deleteResponseSchema = z.object({
  deleted: z.literal(true),
  movedTo: z.string().optional(),
  /** What happened to the file: moved to the trash, or left alone because it was replaced or already missing. */
  file: z.enum(['trashed', 'replaced', 'missing']),
  /** The outcome in words, for the person who asked. */
  message: z.string(),
});

export const workflowParameterSchema = z.object({
  name: z.string(),
  nodeId: z.string(),
  classType: z.string(),
  input: z.string(),
  source: z.enum(['placeholder', 'detected']),
});
export const workflowViewSchema = z.object({
  id: z.string(),
  source: z.enum(['bundled', 'user']),
  file: z.string(),
  status: z.enum(['ok', 'error']),
  error: z.string().optional(),
  overridesBundled: z.string().optional(),
  title: z.string(),
  description: z.string(),
  family: z.string(),
  /** `folder`: ComfyUI's models sub-folder the file goes in; `url`: where to download it. */
  models: z.array(z.object({ file: z.string(), folder: z.string().optional(), url: z.string().optional() })),
  parameters: z.array(workflowParameterSchema),
  outputNodeIds: z.array(z.string()),
  notes: z.array(z.string()),
  /** One entry per known backend. */
  validation: z.array(
    z.object({ backend: z.string(), runnable: z.boolean(), messages: z.array(z.string()) }),
  ),
});
export type WorkflowView = z.infer<typeof workflowViewSchema>;
export const workflowListSchema = z.object({
  /** The workflow calls get when they name none, and why. */
  defaultId: z.string().optional(),
  defaultReason: z.string(),
  userFolder: z.string(),
  /** The flag or variable that chose the default for this run (`--workflow`): it cannot be changed here then. */
  defaultLockedBy: z.string().optional(),
  workflows: z.array(workflowViewSchema),
});

/**
 * Settings as the dashboard edits them; the dashboard token is never sent back, and the ComfyUI start command is
 * neither shown nor changeable here: a page holding the dashboard token must not choose which program runs.
 */
export const settingsViewSchema = settingsSchema.omit({ dashboardToken: true, comfyuiStartCommand: true });
export type SettingsView = z.infer<typeof settingsViewSchema>;
type SettingsViewShape = typeof settingsViewSchema.shape;
/**
 * Only the fields sent. (`settingsViewSchema.partial()` would not do: zod fills every absent field that has a
 * default, so a patch of one field would reset all the others.)
 */
export const settingsPatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(settingsViewSchema.shape).map(([key, field]) => [key, field.removeDefault().optional()]),
  ) as { [K in keyof SettingsViewShape]: z.ZodOptional<ReturnType<SettingsViewShape[K]['removeDefault']>> },
);
/**
 * Settings a command-line flag or environment variable set for this run, each with the flag or variable
 * (`--comfyui`, `COMFYUI_URL`). Flags win: the dashboard shows them read-only and the API refuses to change them.
 */
export const lockedSettingsSchema = z.partialRecord(
  z.enum(Object.keys(settingsViewSchema.shape) as [keyof SettingsView, ...(keyof SettingsView)[]]),
  z.string(),
);
export type LockedSettingsView = z.infer<typeof lockedSettingsSchema>;
export const settingsResponseSchema = z.object({
  settings: settingsViewSchema,
  /** Changed settings that take effect only after a restart (host, port). */
  restartRequired: z.array(z.string()),
  /** Absent: nothing is locked. */
  locked: lockedSettingsSchema.optional(),
});

export const connectInfoSchema = z.object({
  /** The endpoint on this machine; the snippets use it. */
  mcpUrl: z.string(),
  /** The endpoint as other machines reach it (the bridge bound beyond loopback); they need the token. */
  networkMcpUrls: z.array(z.string()).default([]),
  /** The stdio launcher shim as an absolute command, for Claude Desktop. */
  shim: z.object({
    command: z.string(),
    args: z.array(z.string()),
    /** Environment the command needs (a packaged app runs the shim with ELECTRON_RUN_AS_NODE=1). */
    env: z.record(z.string(), z.string()).optional(),
  }),
  snippets: z.array(
    z.object({
      client: z.enum([
        'claude-code',
        'claude-desktop',
        'cursor',
        'vscode',
        'cline',
        'codex',
        'gemini-cli',
        'windsurf',
      ]),
      title: z.string(),
      /** Where the snippet goes (a file path or "terminal"). */
      where: z.string(),
      text: z.string(),
      /** A one-click install link (cursor://…, vscode:…) that sets up the same server, where the client has one. */
      installUrl: z.string().optional(),
    }),
  ),
  /** The Claude Desktop extension for this version and platform; `available`: built, served at mcpbDownloadPath. */
  mcpb: z.object({ fileName: z.string(), available: z.boolean() }),
});
export type ConnectInfo = z.infer<typeof connectInfoSchema>;

/** One file of the offered model: where it comes from, where it goes, whether ComfyUI has it. */
export const modelFileViewSchema = z.object({
  file: z.string(),
  /** ComfyUI's model folder type (checkpoints, vae, …). */
  folder: z.string(),
  url: z.string(),
  /** The folder on the ComfyUI machine it goes in, from ComfyUI's folder API; absent when ComfyUI does not say. */
  target: z.string().optional(),
  bytes: z.number().optional(),
  approxGb: z.number().optional(),
  present: z.boolean(),
});

export const downloadViewSchema = z.object({
  workflow: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  /** The file being fetched (or the last one). */
  file: z.string(),
  fileIndex: z.number(),
  fileCount: z.number(),
  received: z.number(),
  /** Unknown until the server says (or the sidecar records it). */
  total: z.number().optional(),
  error: z.string().optional(),
});
export type DownloadView = z.infer<typeof downloadViewSchema>;

/** A ComfyUI installation found on this machine, and how to start it. */
export const installViewSchema = z.object({
  kind: z.enum(['desktop', 'portable', 'manual']),
  path: z.string(),
  start: z.string(),
});

/**
 * The first-run help: when no bundled workflow can run on the first reachable ComfyUI, the model recommended for
 * its device; when no ComfyUI answers, the installations found on this machine.
 */
export const modelSetupSchema = z.object({
  backend: z.string().optional(),
  /** Loopback ComfyUI: the bridge can download into its folders; otherwise it shows links and folders. */
  local: z.boolean(),
  /** Whether some bundled workflow already runs (nothing to offer then). */
  runnable: z.boolean(),
  offer: z
    .object({
      workflow: z.string(),
      title: z.string(),
      license: z.object({ name: z.string(), url: z.string() }).optional(),
      minVramGb: z.number(),
      /** false: no bundled model fits the device's memory; this is the one needing least. */
      fits: z.boolean(),
      device: z.string().optional(),
      files: z.array(modelFileViewSchema),
    })
    .optional(),
  download: downloadViewSchema.optional(),
  installs: z.array(installViewSchema),
});
export type ModelSetupView = z.infer<typeof modelSetupSchema>;

/** The first-run checklist's steps, in order: ComfyUI answers, a model runs, an agent connected, an image made. */
export const checklistStepIds = ['comfyui', 'model', 'agent', 'image'] as const;
export type ChecklistStepId = (typeof checklistStepIds)[number];

/**
 * The first-run checklist: each step `done`, `todo` (what to do next is the dashboard's to show: Start ComfyUI,
 * Download model, Connect an agent, ask the agent for an image) or `waiting` for an earlier step.
 */
export const checklistViewSchema = z.object({
  steps: z.array(z.object({ id: z.enum(checklistStepIds), state: z.enum(['done', 'todo', 'waiting']) })),
  /** Every step done. */
  complete: z.boolean(),
  /** The person closed it: the window no longer opens on it (it stays reachable from Status). */
  dismissed: z.boolean(),
  /** Where the bridge looks for ComfyUI. */
  comfyuiUrls: z.array(z.string()),
  /** Whether "Start ComfyUI" can run: `comfyuiStartCommand` is set in settings.json. */
  canStartComfyui: z.boolean(),
});
export type ChecklistView = z.infer<typeof checklistViewSchema>;

/** What "Start ComfyUI" started: the process, and the file its output goes to. */
export const comfyuiStartSchema = z.object({ pid: z.number(), logFile: z.string() });

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
