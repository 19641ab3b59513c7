import { z } from 'zod';
import { maxPendingJobsRange } from './settings-bounds.js';

export { maxPendingJobsRange };

/**
 * The user's settings: one schema for the desktop app (electron-store), headless `serve` (conf) and tests.
 * Paths left empty are filled in from the data folder at start-up, so the stored file stays portable.
 */
export const settingsSchema = z.object({
  comfyuiUrls: z
    .array(z.url({ protocol: /^https?$/ }))
    .max(16)
    .default([])
    .describe('ComfyUI servers to use; empty means discover 127.0.0.1:8188, then :8000 (ComfyUI Desktop).'),
  comfyuiStartCommand: z
    .string()
    .max(4096)
    .default('')
    .describe(
      'The command "Start ComfyUI" runs (program and arguments, quoted like a shell but run without one); empty = no button.',
    ),
  outputDir: z
    .string()
    .default('')
    .describe('Where images go when no save path, or a bare file name, is given.'),
  allowedDirs: z.array(z.string()).max(64).default([]).describe('Extra folders agents may save into.'),
  maxInputMegapixels: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(40)
    .describe('Images larger than this are refused before decoding (convert_image, images from ComfyUI).'),
  maxSourceMegabytes: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(50)
    .describe('Source and mask files of edits larger than this are refused before reading.'),
  userWorkflowsDir: z.string().default('').describe('Folder watched for your own API-format workflows.'),
  defaultWorkflow: z
    .string()
    .default('')
    .describe('Workflow id used when a call names none; empty = smart default.'),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8190),
  mcpToken: z
    .string()
    .default('')
    .describe('Bearer token agents send to /mcp; generated at first start (and whenever left empty).'),
  requireTokenOnLoopback: z
    .boolean()
    .default(true)
    .describe(
      'Require the token on 127.0.0.1 too. Off: any program of any user on this machine can use the bridge.',
    ),
  dashboardToken: z.string().default('').describe('Token the dashboard API requires; generated when empty.'),
  defaultWaitSeconds: z.number().int().min(0).max(300).default(45),
  maxInFlightPerBackend: z.number().int().min(1).max(8).default(2),
  maxPendingJobs: z
    .number()
    .int()
    .min(maxPendingJobsRange.min)
    .max(maxPendingJobsRange.max)
    .default(1_000)
    .describe('Jobs that may wait in the queue at once; a call that would go over is refused (queue_full).'),
  paused: z.boolean().default(false),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsPatch = Partial<Settings>;

export const defaultSettings: Settings = settingsSchema.parse({});
