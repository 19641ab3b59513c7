import type { ApiGraph } from '../comfy/types.js';

/**
 * What a workflow does: `generate` makes an image from text (generate_image, batch items); the others are
 * edit_image's modes, each taking a source image (and inpaint a mask).
 */
export const WORKFLOW_MODES = [
  'generate',
  'restyle',
  'inpaint',
  'outpaint',
  'upscale',
  'remove_background',
] as const;

export type WorkflowMode = (typeof WORKFLOW_MODES)[number];

/** The modes of edit_image: every workflow mode but `generate`. */
export type EditMode = Exclude<WorkflowMode, 'generate'>;

/** Nodes that read a source image; a graph holding one cannot make an image from text alone. */
const SOURCE_READERS = new Set(['LoadImage', 'LoadImageMask', 'LoadImageOutput']);

/**
 * The modes of a workflow without a sidecar `modes`: `generate` when no node reads a source image. A graph
 * that reads one serves no mode until its sidecar says which edit it performs.
 */
export function detectModes(graph: ApiGraph): WorkflowMode[] {
  const readsSource = Object.values(graph).some((node) => SOURCE_READERS.has(node.class_type));
  return readsSource ? [] : ['generate'];
}
