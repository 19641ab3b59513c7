import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiGraph, InputSpec, ObjectInfo } from '../../electron/comfy/types.js';
import { parseWorkflowMeta } from '../../electron/workflows/meta.js';
import { parseWorkflow } from '../../electron/workflows/parse.js';
import { describeWorkflow, type Workflow } from '../../electron/workflows/workflow.js';

const here = dirname(fileURLToPath(import.meta.url));
export const fixturesDir = join(here, 'fixtures');
export const bundledDir = join(here, '..', '..', 'workflows');
/** The bundled text-to-image workflows. */
export const bundledGenerateIds = [
  'flux-schnell',
  'sd15',
  'sdxl',
  'sdxl-turbo',
  'test-pattern',
  'z-image-turbo',
];
/** The bundled edit_image workflows, each serving one mode. */
export const bundledEditIds = [
  'flux-fill-inpaint',
  'flux-fill-outpaint',
  'remove-background-birefnet',
  'remove-background-inspyrenet',
  'sdxl-inpaint',
  'sdxl-outpaint',
  'sdxl-restyle',
  'upscale-realesrgan',
  'upscale-ultrasharp',
  'z-image-restyle',
];
export const bundledIds = [...bundledGenerateIds, ...bundledEditIds];

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

export function fixture(name: string): ApiGraph {
  return parseWorkflow(readJson(join(fixturesDir, `${name}.json`)), `${name}.json`);
}

export function bundledGraph(id: string): ApiGraph {
  return parseWorkflow(readJson(join(bundledDir, `${id}.json`)), `${id}.json`);
}

/** The real /object_info of ComfyUI 0.3.64 (384 classes, no model files installed). */
export function realObjectInfo(): ObjectInfo {
  return readJson(join(fixturesDir, 'object-info-0.3.64.json')) as ObjectInfo;
}

/**
 * The real /object_info with model files "installed": `{ 'CheckpointLoaderSimple.ckpt_name': ['a.safetensors'] }`
 * fills that input's option list in whatever shape the server used (V1 list or V3 COMBO options).
 */
export function withModels(models: Record<string, string[]>, objectInfo = realObjectInfo()): ObjectInfo {
  const copy = structuredClone(objectInfo);
  for (const [key, files] of Object.entries(models)) {
    const [classType, input] = key.split('.') as [string, string];
    const inputs = copy[classType]?.input;
    const group = inputs?.required?.[input] ? inputs.required : inputs?.optional;
    const spec = group?.[input];
    if (!group || !spec) throw new Error(`object_info has no ${key}`);
    const [head, options] = spec;
    const listed = Array.isArray(head) ? [...(head as unknown[]), ...files] : undefined;
    const updated: InputSpec = listed
      ? options
        ? [listed, options]
        : [listed]
      : [head, { ...options, options: [...((options?.options as unknown[] | undefined) ?? []), ...files] }];
    group[input] = updated;
  }
  return copy;
}

/** A bundled workflow with its sidecar, as the library loads it. */
export function bundledWorkflow(id: string): Workflow {
  const meta = parseWorkflowMeta(readJson(join(bundledDir, `${id}.meta.json`)), `${id}.meta.json`);
  return describeWorkflow(id, bundledGraph(id), meta);
}

/**
 * Node definitions of the custom node packs the bundled cut-out workflows use, as their /object_info entries
 * (written from the packs' INPUT_TYPES: ComfyUI-RMBG's BiRefNetRMBG, ComfyUI-Inspyrenet-Rembg's node).
 */
export function nodePackObjectInfo(): ObjectInfo {
  return readJson(join(fixturesDir, 'object-info-node-packs.json')) as ObjectInfo;
}
