import { randomInt } from 'node:crypto';
import type { ApiGraph, NodeId } from '../comfy/types.js';
import { cloneGraph } from './graph.js';
import { fillPlaceholders, PARAMETER_NAMES, type ParameterName } from './placeholders.js';
import { planGenerationSize, type Size, type SizeRules } from './size.js';
import type { Workflow } from './workflow.js';

/** What a request asks for. Only `prompt` is required; the rest falls back to the workflow's own values. */
export interface GenerationParams {
  prompt: string;
  negative_prompt?: string;
  width?: number;
  height?: number;
  seed?: number;
  steps?: number;
  cfg?: number;
  denoise?: number;
  /** A file name in ComfyUI's input folder (already uploaded). */
  input_image?: string;
  mask_image?: string;
  /** Upscale factor (ImageScaleBy's scale_by, an upscale workflow's {{scale}}). */
  scale?: number;
  /** Pixels added on each side before outpainting (ImagePadForOutpaint's left/right/top/bottom, {{extend_*}}). */
  extend?: { left: number; right: number; top: number; bottom: number };
}

export interface BoundWorkflow {
  /** A new graph, ready for POST /prompt; the workflow's own graph is untouched. */
  graph: ApiGraph;
  /** The output nodes whose images are the result. */
  outputNodeIds: NodeId[];
  /** The exact size the caller must deliver (resize/crop the result to it). */
  requestedSize: Size;
  /** The size ComfyUI generates at; undefined when the workflow has no size input to set. */
  generationSize: Size | undefined;
  /** The seed used: the requested one or a random one, to record with the image. */
  seed: number;
}

/** A request that cannot be bound to a workflow; the message says which value and what is allowed. */
export class WorkflowBindingError extends Error {
  override readonly name = 'WorkflowBindingError';
}

/** Seeds are exact integers in JSON and in JavaScript numbers only below 2^53. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;
const MAX_SIDE = 16384;

/** A random seed; crypto's randomInt spans at most 2^48 − 1 values, plenty for seeds. */
export function randomSeed(): number {
  return randomInt(0, 2 ** 48 - 1);
}

function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WorkflowBindingError(`${name} must be a whole number from ${min} to ${max} (got ${value})`);
  }
}

function checkNumber(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new WorkflowBindingError(`${name} must be a number from ${min} to ${max} (got ${value})`);
  }
}

function checkParams(params: GenerationParams): void {
  checkInteger('width', params.width, 1, MAX_SIDE);
  checkInteger('height', params.height, 1, MAX_SIDE);
  checkInteger('seed', params.seed, 0, MAX_SEED);
  checkInteger('steps', params.steps, 1, 10000);
  checkNumber('cfg', params.cfg, 0, 100);
  checkNumber('denoise', params.denoise, 0, 1);
  checkNumber('scale', params.scale, 0.01, 8);
  for (const side of ['left', 'right', 'top', 'bottom'] as const) {
    checkInteger(`extend.${side}`, params.extend?.[side], 0, MAX_SIDE);
  }
}

/**
 * The size the result must have: as requested; a missing side follows the native aspect ratio; with no
 * size at all, the native size (or the rules' smallest side, square, for a workflow without one).
 */
export function resolveRequestedSize(params: { width?: number; height?: number }, rules: SizeRules): Size {
  const native = rules.native ?? {
    width: Math.max(rules.minSide, 512),
    height: Math.max(rules.minSide, 512),
  };
  const { width, height } = params;
  if (width !== undefined && height !== undefined) return { width, height };
  if (width !== undefined)
    return { width, height: Math.max(1, Math.round((width * native.height) / native.width)) };
  if (height !== undefined)
    return { width: Math.max(1, Math.round((height * native.width) / native.height)), height };
  return native;
}

/**
 * Binds a request to a workflow: a new graph with the prompt, size, seed and other values set
 * structurally (placeholders filled with typed values, detected inputs overwritten), never by text
 * templating of JSON.
 */
export function bindWorkflow(
  workflow: Workflow,
  params: GenerationParams,
  options: { randomSeed?: () => number } = {},
): BoundWorkflow {
  checkParams(params);
  const requestedSize = resolveRequestedSize(params, workflow.sizeRules);
  const { targets } = workflow.parameters;
  const generationSize =
    targets.width || targets.height ? planGenerationSize(requestedSize, workflow.sizeRules) : undefined;
  const seed = params.seed ?? (options.randomSeed ?? randomSeed)();
  const modulus = workflow.meta.seedModulus;

  const values: Partial<Record<ParameterName, string | number>> = {
    prompt: params.prompt,
    width: generationSize?.width,
    height: generationSize?.height,
    seed: modulus ? seed % modulus : seed,
    steps: params.steps ?? workflow.meta.defaults.steps,
    cfg: params.cfg ?? workflow.meta.defaults.cfg,
    denoise: params.denoise ?? workflow.meta.defaults.denoise,
    input_image: params.input_image,
    mask_image: params.mask_image,
    scale: params.scale,
    extend_left: params.extend?.left,
    extend_right: params.extend?.right,
    extend_top: params.extend?.top,
    extend_bottom: params.extend?.bottom,
  };

  const graph = cloneGraph(workflow.graph);
  const placeholderValues: Partial<Record<ParameterName, string | number>> = {
    ...values,
    negative_prompt: params.negative_prompt ?? '',
  };
  for (const name of PARAMETER_NAMES) {
    const marked = targets[name]?.some((target) => target.source === 'placeholder');
    if (marked && placeholderValues[name] === undefined) {
      throw new WorkflowBindingError(
        `workflow "${workflow.id}" uses {{${name}}} but the request gives no ${name}; pass ${name}` +
          (name === 'steps' || name === 'cfg' || name === 'denoise'
            ? ` or set defaults.${name} in ${workflow.id}.meta.json`
            : ''),
      );
    }
  }
  fillPlaceholders(graph, placeholderValues);

  // A detected negative prompt keeps the author's text unless the request brings its own: a tuned
  // workflow's negative prompt is part of what makes it good.
  const detectedValues: Partial<Record<ParameterName, string | number>> = {
    ...values,
    negative_prompt: params.negative_prompt,
  };
  for (const name of PARAMETER_NAMES) {
    const value = detectedValues[name];
    if (value === undefined) continue;
    for (const target of targets[name] ?? []) {
      const node = graph[target.nodeId];
      if (target.source === 'detected' && node) node.inputs[target.input] = value;
    }
  }

  return {
    graph,
    outputNodeIds: [...workflow.parameters.outputNodeIds],
    requestedSize,
    generationSize,
    seed,
  };
}
