import { z } from 'zod';
import type {
  ExecutionErrorInfo,
  ImageRef,
  NodeError,
  NodeOutputs,
  ObjectInfo,
  PromptError,
  QueueEntry,
  QueueState,
  RunResult,
  SystemStats,
} from './types.js';

/**
 * Pure decoders from ComfyUI's JSON to the bridge's types. Schemas are loose (unknown keys pass) because
 * ComfyUI adds fields between versions; they only insist on what the bridge reads.
 */

export class DecodeError extends Error {
  override name = 'DecodeError';
}

function decode<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new DecodeError(`${what}: ${issue?.message ?? 'unexpected shape'}${where}`);
  }
  return result.data;
}

const imageRefSchema = z.looseObject({
  filename: z.string(),
  subfolder: z.string().default(''),
  type: z.enum(['output', 'temp', 'input']).default('output'),
});

const nodeOutputSchema = z.looseObject({ images: z.array(imageRefSchema).optional() });
const nodeOutputsSchema = z.record(z.string(), nodeOutputSchema);

export function decodeNodeOutput(value: unknown): NodeOutputs[string] {
  return decode(nodeOutputSchema, value, 'executed output');
}

const systemStatsSchema = z.object({
  system: z.looseObject({
    os: z.string(),
    ram_total: z.number(),
    ram_free: z.number(),
    comfyui_version: z.string().default('unknown'),
  }),
  devices: z.array(
    z.looseObject({ name: z.string(), type: z.string(), vram_total: z.number(), vram_free: z.number() }),
  ),
});

export function decodeSystemStats(value: unknown): SystemStats {
  const { system, devices } = decode(systemStatsSchema, value, '/system_stats');
  return {
    version: system.comfyui_version,
    os: system.os,
    devices: devices.map((d) => ({
      name: d.name,
      type: d.type,
      vramTotal: d.vram_total,
      vramFree: d.vram_free,
    })),
    ramTotal: system.ram_total,
    ramFree: system.ram_free,
  };
}

const nodeClassSchema = z.looseObject({
  input: z.looseObject({}),
  output: z.array(z.string()),
  name: z.string(),
  output_node: z.boolean(),
});

export function decodeObjectInfo(value: unknown): ObjectInfo {
  // Only the outline is checked; input specs vary too much (V1/V3 combos, optional options) to be worth more here.
  return decode(z.record(z.string(), nodeClassSchema), value, '/object_info');
}

export function decodeStringList(value: unknown, what: string): string[] {
  return decode(z.array(z.string()), value, what);
}

const queueTupleSchema = z
  .tuple([z.number(), z.string()])
  .rest(z.unknown())
  .transform(([number, promptId, , extra]): QueueEntry => {
    const clientId = (extra as { client_id?: unknown } | undefined)?.client_id;
    return typeof clientId === 'string' ? { number, promptId, clientId } : { number, promptId };
  });

const queueSchema = z.object({
  queue_running: z.array(queueTupleSchema),
  queue_pending: z.array(queueTupleSchema),
});

export function decodeQueue(value: unknown): QueueState {
  const raw = decode(queueSchema, value, '/queue');
  // ComfyUI returns pending items in heap order; run order is ascending `number`.
  return { running: raw.queue_running, pending: [...raw.queue_pending].sort((a, b) => a.number - b.number) };
}

const submitResponseSchema = z.object({
  prompt_id: z.string(),
  number: z.number(),
  node_errors: z.record(z.string(), z.unknown()).default({}),
});

export function decodeSubmitResponse(value: unknown): {
  promptId: string;
  number: number;
  nodeErrors: Record<string, unknown>;
} {
  const raw = decode(submitResponseSchema, value, 'POST /prompt');
  return { promptId: raw.prompt_id, number: raw.number, nodeErrors: raw.node_errors };
}

const promptErrorSchema = z.looseObject({
  type: z.string(),
  message: z.string(),
  details: z.string().default(''),
  extra_info: z.record(z.string(), z.unknown()).default({}),
});

const validationBodySchema = z.object({
  error: promptErrorSchema,
  node_errors: z
    .record(
      z.string(),
      z.looseObject({
        errors: z.array(promptErrorSchema).default([]),
        dependent_outputs: z.array(z.string()).default([]),
        class_type: z.string().default('unknown'),
      }),
    )
    .default({}),
});

/** The body of a 400 from POST /prompt, or undefined when it is not ComfyUI's validation shape. */
export function decodeValidationBody(
  value: unknown,
): { error: PromptError; nodeErrors: Record<string, NodeError> } | undefined {
  const result = validationBodySchema.safeParse(value);
  if (!result.success) return undefined;
  // The decoded copy fills defaults; hand back ComfyUI's own objects so nothing it said is lost.
  const raw = value as { error: PromptError; node_errors?: Record<string, NodeError> };
  return { error: raw.error, nodeErrors: raw.node_errors ?? {} };
}

const executionErrorSchema = z.looseObject({
  node_id: z.union([z.string(), z.number()]).transform(String).default(''),
  node_type: z.string().default(''),
  exception_type: z.string().default(''),
  exception_message: z.string().default(''),
  traceback: z.array(z.string()).default([]),
});

export function decodeExecutionError(value: unknown): ExecutionErrorInfo {
  const raw = decode(executionErrorSchema, value, 'execution_error');
  return {
    nodeId: raw.node_id,
    nodeType: raw.node_type,
    exceptionType: raw.exception_type,
    exceptionMessage: raw.exception_message,
    traceback: raw.traceback,
  };
}

const historyEntrySchema = z.looseObject({
  outputs: nodeOutputsSchema.default({}),
  status: z
    .looseObject({
      status_str: z.string(),
      completed: z.boolean(),
      messages: z.array(z.tuple([z.string(), z.unknown()])).default([]),
    })
    .optional(),
});

/**
 * GET /history/{id}: undefined while ComfyUI has no entry (queued, running or unknown — it answers `{}` for all
 * three), else the terminal result.
 */
export function decodeHistory(value: unknown, promptId: string): RunResult | undefined {
  const all = decode(z.record(z.string(), z.unknown()), value, '/history');
  if (!(promptId in all)) return undefined;
  const entry = decode(historyEntrySchema, all[promptId], `/history/${promptId}`);
  const outputs = entry.outputs as NodeOutputs;
  if (entry.status?.status_str === 'success') return { status: 'success', outputs };
  const messages = entry.status?.messages ?? [];
  if (messages.some(([type]) => type === 'execution_interrupted')) return { status: 'interrupted' };
  const errorMessage = messages.find(([type]) => type === 'execution_error');
  if (errorMessage) return { status: 'error', error: decodeExecutionError(errorMessage[1]), outputs };
  if (!entry.status) return { status: 'success', outputs }; // entries written by old ComfyUI had no status
  return {
    status: 'error',
    error: {
      nodeId: '',
      nodeType: '',
      exceptionType: 'unknown',
      exceptionMessage: `ComfyUI recorded the run as "${entry.status.status_str}" without details; see its console.`,
      traceback: [],
    },
    outputs,
  };
}

const uploadResponseSchema = z.object({
  name: z.string(),
  subfolder: z.string().default(''),
  type: z.enum(['output', 'temp', 'input']).default('input'),
});

export function decodeUploadResponse(value: unknown): ImageRef {
  const raw = decode(uploadResponseSchema, value, '/upload/image');
  return { filename: raw.name, subfolder: raw.subfolder, type: raw.type };
}
