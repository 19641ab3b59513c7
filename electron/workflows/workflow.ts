import type { ApiGraph, ApiNode } from '../comfy/types.js';
import { detectParameters, type WorkflowParameters } from './detect.js';
import { consumersOf } from './graph.js';
import type { WorkflowMeta } from './meta.js';
import { inferModes } from './detect-edit.js';
import type { WorkflowMode } from './modes.js';
import type { SizeRules } from './size.js';

/** A parsed workflow with everything binding and validation need. */
export interface Workflow {
  /** The file name without `.json`. */
  id: string;
  graph: ApiGraph;
  /** From the sidecar, or inferred from the graph when there is none. */
  meta: WorkflowMeta;
  /** Always present: from the sidecar or inferred from the latent node. */
  sizeRules: SizeRules;
  parameters: WorkflowParameters;
  /** From the sidecar's `modes`, or detected from the graph. */
  modes: WorkflowMode[];
}

/** Side multiples of latent nodes (their width/height `step` in /object_info); others default to 16. */
const LATENT_MULTIPLES: Record<string, number> = {
  EmptyLatentImage: 8,
  EmptySD3LatentImage: 16,
  EmptyChromaRadianceLatentImage: 16,
  EmptyHunyuanImageLatent: 32,
  EmptyImage: 1,
};
/** 16 suits both 8- and 16-multiple latents, so an unknown latent node is safe with it. */
const DEFAULT_MULTIPLE = 16;
const DEFAULT_MAX_SIDE = 4096;
const DEFAULT_MIN_LATENT_SIDE = 64;

/**
 * Size rules for a workflow without a sidecar: its latent node's multiple; its own size as the native one. An
 * ImageScale straight into the output (an upscale or resize graph) makes any size exactly: multiple 1, no native.
 */
export function inferSizeRules(graph: ApiGraph, parameters: WorkflowParameters): SizeRules {
  const widthTarget = parameters.targets.width?.[0];
  const sizeNode: ApiNode | undefined = widthTarget ? graph[widthTarget.nodeId] : undefined;
  const finalResize =
    widthTarget !== undefined &&
    sizeNode?.class_type === 'ImageScale' &&
    consumersOf(graph, widthTarget.nodeId, 0).some(([id]) => parameters.outputNodeIds.includes(id));
  if (finalResize) return { multiple: 1, minSide: 1, maxSide: DEFAULT_MAX_SIDE };
  const multiple = (sizeNode && LATENT_MULTIPLES[sizeNode.class_type]) ?? DEFAULT_MULTIPLE;
  const rules: SizeRules = {
    multiple,
    minSide: multiple === 1 ? 1 : Math.max(multiple, DEFAULT_MIN_LATENT_SIDE),
    maxSide: DEFAULT_MAX_SIDE,
  };
  const width = sizeNode?.inputs.width;
  const height = sizeNode?.inputs.height;
  if (typeof width === 'number' && typeof height === 'number' && width > 0 && height > 0) {
    rules.native = { width, height };
  }
  return rules;
}

/** Builds the Workflow for a parsed graph; `meta` is the sidecar when the file has one. */
export function describeWorkflow(id: string, graph: ApiGraph, meta?: WorkflowMeta): Workflow {
  const detected = detectParameters(graph);
  // Without a sidecar `modes` the graph's nodes decide, and what made that unclear is worth showing.
  const inferred = meta?.modes ? undefined : inferModes(graph);
  const parameters = inferred ? { ...detected, notes: [...detected.notes, ...inferred.notes] } : detected;
  return {
    id,
    graph,
    meta: meta ?? { title: id, description: '', family: 'unknown', models: [], defaults: {} },
    sizeRules: meta?.size ?? inferSizeRules(graph, parameters),
    parameters,
    modes: meta?.modes ?? inferred?.modes ?? [],
  };
}
