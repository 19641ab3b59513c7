/** Pure decisions about how a run ended, and the errors a job is failed with. */

import type { ApiGraph, ImageRef, NodeError, NodeOutputs, RunResult } from '../comfy/types.js';
import { executionFailure, withoutTracebacks } from './comfy-failure.js';
import type { JobError } from './types.js';

/** What ComfyUI's answer for a run means for its job. */
export type RunOutcome =
  | { kind: 'deliver'; image: ImageRef }
  | { kind: 'fail'; error: JobError }
  /** Not the job's fault: it is dispatched again, unless it has used up its attempts. */
  | { kind: 'retry'; reason: string };

export function outcomeOf(result: RunResult, outputNodes: readonly string[]): RunOutcome {
  switch (result.status) {
    case 'success': {
      const image = pickImage(result.outputs, outputNodes);
      if (image) return { kind: 'deliver', image };
      return {
        kind: 'fail',
        error: { code: 'no_image', message: 'ComfyUI finished but the workflow produced no image output.' },
      };
    }
    case 'error':
      return { kind: 'fail', error: executionFailure(result.error) };
    case 'interrupted':
      return {
        kind: 'fail',
        error: { code: 'interrupted', message: 'The run was interrupted in ComfyUI (not by this bridge).' },
      };
    case 'lost':
      return { kind: 'retry', reason: 'ComfyUI lost the run (it restarted or its queue was cleared)' };
  }
}

/** The first image of the preferred output nodes, else of any node. */
export function pickImage(outputs: NodeOutputs, preferred: readonly string[]): ImageRef | undefined {
  for (const node of preferred) {
    const image = outputs[node]?.images?.[0];
    if (image) return image;
  }
  for (const output of Object.values(outputs)) {
    const image = output.images?.[0];
    if (image) return image;
  }
  return undefined;
}

/** A job that used up its attempts on backends that failed or lost it. */
export function gaveUpError(attempts: number, reason: string): JobError {
  return {
    code: 'backend_lost',
    message: `Gave up after ${attempts} attempts: ${reason}${/[.!?]$/.test(reason) ? '' : '.'}`,
  };
}

/** No available ComfyUI can run the workflow; `reasons` say, per backend, what it lacks. */
export function cannotRunError(workflow: string, reasons: readonly string[]): JobError {
  return {
    code: 'workflow_cannot_run',
    message: `No available ComfyUI can run workflow "${workflow}". ${reasons.join(' ')}`,
  };
}

export function timeoutError(timeoutMs: number): JobError {
  return {
    code: 'timeout',
    message: `ComfyUI did not finish this image within ${Math.round(timeoutMs / 1000)} s; it was interrupted.`,
  };
}

export const cancelledError: JobError = { code: 'cancelled', message: 'cancelled on request' };

/** A thrown error as the job's error: its own code and details if it has them (a BridgeError), else `fallbackCode`. */
export function toJobError(error: unknown, fallbackCode: string): JobError {
  if (error && typeof error === 'object') {
    const { code, message, details, nodeErrors } = error as {
      code?: unknown;
      message?: unknown;
      details?: unknown;
      nodeErrors?: unknown;
    };
    return {
      code: typeof code === 'string' ? code : fallbackCode,
      message: typeof message === 'string' ? message : 'unexpected error',
      ...(details !== undefined
        ? { details }
        : nodeErrors !== undefined
          ? { details: { nodeErrors: withoutTracebacks(nodeErrors as Record<string, NodeError>) } }
          : {}),
    };
  }
  return { code: fallbackCode, message: String(error) };
}

/** ComfyUI's refusal says a LoadImage / LoadImageMask input file is not in its input folder. */
export function missesAnInput(nodeErrors: unknown): boolean {
  return /Invalid image file: mcp-bridge\//.test(JSON.stringify(nodeErrors ?? {}));
}

/** Node id → class type of a graph sent, to name the phase a node starts. */
export function classTypesOf(graph: ApiGraph): Record<string, string> {
  return Object.fromEntries(Object.entries(graph).map(([id, node]) => [id, node.class_type]));
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
