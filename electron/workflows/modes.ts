import type { ApiGraph } from '../comfy/types.js';
import { inferModes } from './detect-edit.js';

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

/**
 * The modes of a workflow without a sidecar `modes`: `generate` when no node reads a source image, else the
 * edit its nodes show (detect-edit.ts), or none when they show no recognised edit.
 */
export function detectModes(graph: ApiGraph): WorkflowMode[] {
  return inferModes(graph).modes;
}
