import type { ApiGraph, ApiNode, NodeId, ObjectInfo } from '../comfy/types.js';
import { linkOf } from './graph.js';

/** Nodes that write or show images; ComfyUI reports their images in `outputs`. */
const SAVING_CLASSES = new Set(['SaveImage', 'SaveImageWebsocket']);
const PREVIEW_CLASSES = new Set(['PreviewImage']);

/**
 * Without /object_info we recognise custom image outputs by name ("Image Save", "Save Image (WAS)",
 * "PreviewImageWithMeta"): a node that takes `images` from a link and calls itself a save or a preview.
 */
function looksLikeImageOutput(node: ApiNode): 'save' | 'preview' | undefined {
  if (!linkOf(node, 'images')) return undefined;
  if (/save/i.test(node.class_type)) return 'save';
  if (/preview/i.test(node.class_type)) return 'preview';
  return undefined;
}

function imageOutputKind(node: ApiNode, objectInfo?: ObjectInfo): 'save' | 'preview' | undefined {
  if (SAVING_CLASSES.has(node.class_type)) return 'save';
  if (PREVIEW_CLASSES.has(node.class_type)) return 'preview';
  const info = objectInfo?.[node.class_type];
  if (info) {
    const takesImages = Object.values({ ...info.input.required, ...info.input.optional }).some(
      (spec) => spec[0] === 'IMAGE',
    );
    if (!info.output_node || !takesImages) return undefined;
    return /preview/i.test(node.class_type) ? 'preview' : 'save';
  }
  return looksLikeImageOutput(node);
}

/**
 * The output nodes whose images are the result. Saving nodes win over previews: a refiner workflow often
 * previews the base pass and saves the refined one, and only the saved one is the answer.
 */
export function findImageOutputs(graph: ApiGraph, objectInfo?: ObjectInfo): NodeId[] {
  const saves: NodeId[] = [];
  const previews: NodeId[] = [];
  for (const [id, node] of Object.entries(graph)) {
    const kind = imageOutputKind(node, objectInfo);
    if (kind === 'save') saves.push(id);
    else if (kind === 'preview') previews.push(id);
  }
  return saves.length > 0 ? saves : previews;
}
