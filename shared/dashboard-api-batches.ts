/** The dashboard's Status and Batches routes: backends, the queue, batches and their items. */
import { z } from 'zod';

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
