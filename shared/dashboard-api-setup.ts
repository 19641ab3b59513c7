/**
 * The dashboard's getting-started routes (dashboard-api.ts): connecting an agent, the model offer and its download,
 * the ComfyUI installations found, starting ComfyUI, and the first-run checklist.
 */
import { z } from 'zod';

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
