import type { ApiGraph, ApiNode, NodeId } from '../comfy/types.js';
import { consumersOf, isSampler, linksOf, nodeLabel } from './graph.js';
import type { WorkflowMode } from './modes.js';
import { findPlaceholders, type ParameterName } from './placeholders.js';

/** One input of one node. */
export interface InputRef {
  nodeId: NodeId;
  input: string;
}

/** A finding, and the parameters it is about: placeholders for all of them make it moot. */
export interface Note {
  about: ParameterName[];
  text: string;
}

/**
 * Background-removal nodes of maintained custom node packs: ComfyUI-RMBG (RMBG, BiRefNetRMBG),
 * ComfyUI-Inspyrenet-Rembg, ComfyUI_essentials (ImageRemoveBackground+) and WAS Node Suite.
 */
export const BACKGROUND_REMOVERS = new Set([
  'RMBG',
  'BiRefNetRMBG',
  'InspyrenetRembg',
  'InspyrenetRembgAdvanced',
  'ImageRemoveBackground+',
  'Image Rembg (Remove Background)',
]);
/** Encoders that confine sampling to a mask (inpaint); ImagePadForOutpaint feeds one of them too. */
const INPAINT_ENCODERS = new Set(['VAEEncodeForInpaint', 'InpaintModelConditioning', 'SetLatentNoiseMask']);
const OUTPAINT_PADS = new Set(['ImagePadForOutpaint']);
const PLAIN_ENCODERS = new Set(['VAEEncode']);
/** Nodes that make the image larger (or smaller) without a sampler: an upscale/resize graph. */
const RESIZERS = new Set(['ImageUpscaleWithModel', 'ImageScaleBy', 'ImageScale']);
/** The nodes a source image is meant for; a LoadImage reaching none of them is a reference (ControlNet, IPAdapter). */
const EDIT_CONSUMERS = new Set([
  ...BACKGROUND_REMOVERS,
  ...INPAINT_ENCODERS,
  ...OUTPAINT_PADS,
  ...PLAIN_ENCODERS,
  ...RESIZERS,
]);
const COLOUR_CHANNELS = new Set(['red', 'green', 'blue']);
const PADDING_INPUTS: [string, ParameterName][] = [
  ['left', 'extend_left'],
  ['right', 'extend_right'],
  ['top', 'extend_top'],
  ['bottom', 'extend_bottom'],
];
const OUTPUT_CLASSES = new Set(['SaveImage', 'PreviewImage', 'SaveImageWebsocket']);

export interface EditDetection {
  refs: Partial<Record<ParameterName, InputRef[]>>;
  notes: Note[];
}

function idsOf(graph: ApiGraph, classes: ReadonlySet<string>): NodeId[] {
  return Object.keys(graph).filter((id) => classes.has((graph[id] as ApiNode).class_type));
}

/** Whether anything downstream of `start` (any of its outputs, followed through every link) is in `targets`. */
function reaches(graph: ApiGraph, start: NodeId, targets: ReadonlySet<string>): boolean {
  const downstream = new Map<NodeId, NodeId[]>();
  for (const [id, node] of Object.entries(graph)) {
    for (const [, [upstream]] of linksOf(node))
      downstream.set(upstream, [...(downstream.get(upstream) ?? []), id]);
  }
  const seen = new Set<NodeId>();
  const queue = [...(downstream.get(start) ?? [])];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (seen.has(id)) continue;
    seen.add(id);
    if (targets.has((graph[id] as ApiNode).class_type)) return true;
    queue.push(...(downstream.get(id) ?? []));
  }
  return false;
}

/** The class types of every node `id` takes input from, directly or further up. */
function upstreamClasses(graph: ApiGraph, id: NodeId): Set<string> {
  const classes = new Set<string>();
  const seen = new Set<NodeId>();
  const queue = linksOf(graph[id] as ApiNode).map(([, [upstream]]) => upstream);
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const node = graph[next];
    if (seen.has(next) || !node) continue;
    seen.add(next);
    classes.add(node.class_type);
    queue.push(...linksOf(node).map(([, [upstream]]) => upstream));
  }
  return classes;
}

function numberInput(graph: ApiGraph, nodeId: NodeId, input: string): InputRef | undefined {
  return typeof graph[nodeId]?.inputs[input] === 'number' ? { nodeId, input } : undefined;
}

/** The LoadImage that reads the source: the only one, or the only one that reaches an edit node. */
function findSource(graph: ApiGraph, notes: Note[]): NodeId | undefined {
  const readers = idsOf(graph, new Set(['LoadImage'])).filter((id) => consumersOf(graph, id, 0).length > 0);
  if (readers.length <= 1) return readers[0];
  const editing = readers.filter((id) => reaches(graph, id, EDIT_CONSUMERS));
  if (editing.length === 1) return editing[0];
  notes.push({
    about: ['input_image'],
    text:
      `Several LoadImage nodes read an image (${readers.map((id) => nodeLabel(graph, id)).join(', ')}) and it is ` +
      'unclear which is the source to edit; mark its image input with {{input_image}}.',
  });
  return undefined;
}

/** LoadImageMask nodes reading a colour channel take the mask (white = change); others get a note. */
function findMasks(graph: ApiGraph, source: NodeId | undefined, notes: Note[]): NodeId[] {
  const masks: NodeId[] = [];
  for (const id of idsOf(graph, new Set(['LoadImageMask']))) {
    const channel = (graph[id] as ApiNode).inputs.channel;
    if (typeof channel === 'string' && COLOUR_CHANNELS.has(channel)) masks.push(id);
    else {
      notes.push({
        about: ['mask_image'],
        text:
          `${nodeLabel(graph, id)} reads the mask from the ${String(channel)} channel, but edit_image's masks are ` +
          'white = change in a plain image; set its channel to red.',
      });
    }
  }
  if (source !== undefined && masks.length === 0 && consumersOf(graph, source, 1).length > 0) {
    notes.push({
      about: ['mask_image'],
      text:
        `The mask comes from the source's alpha channel (${nodeLabel(graph, source)}, MASK output), where ` +
        "ComfyUI's mask editor paints it; edit_image sends its mask as a separate image, so add a LoadImageMask " +
        '(channel red) with {{mask_image}} and take the mask from it.',
    });
  }
  return masks;
}

/**
 * Finds, in a graph without placeholders for them, where an edit's inputs go: the source image (the
 * LoadImage feeding the edit), the mask (LoadImageMask), the outpaint padding (ImagePadForOutpaint's sides),
 * the upscale factor (ImageScaleBy.scale_by, unless it follows an upscale model) and the size an ImageScale
 * sets right before the output or the encoder.
 */
export function detectEditInputs(graph: ApiGraph): EditDetection {
  const notes: Note[] = [];
  const refs: Partial<Record<ParameterName, InputRef[]>> = {};
  const add = (name: ParameterName, ref: InputRef | undefined) => {
    if (ref) (refs[name] ??= []).push(ref);
  };
  const source = findSource(graph, notes);
  if (source !== undefined) add('input_image', { nodeId: source, input: 'image' });
  for (const id of findMasks(graph, source, notes)) add('mask_image', { nodeId: id, input: 'image' });
  for (const id of idsOf(graph, OUTPAINT_PADS)) {
    for (const [input, name] of PADDING_INPUTS) add(name, numberInput(graph, id, input));
  }
  // After an upscale model, ImageScaleBy scales the model's result (0.5 after 4x makes 2x): not the factor.
  for (const id of idsOf(graph, new Set(['ImageScaleBy']))) {
    if (!upstreamClasses(graph, id).has('ImageUpscaleWithModel'))
      add('scale', numberInput(graph, id, 'scale_by'));
  }
  // An ImageScale sets the size when it is the last step before the output, or the first before the encoder
  // (the size the model samples at, which the bridge plans from the request as it does a latent's).
  for (const id of idsOf(graph, new Set(['ImageScale']))) {
    const setsSize = consumersOf(graph, id, 0).some(([consumer, input]) => {
      const consumerClass = (graph[consumer] as ApiNode).class_type;
      return (
        OUTPUT_CLASSES.has(consumerClass) ||
        (input === 'pixels' && (PLAIN_ENCODERS.has(consumerClass) || INPAINT_ENCODERS.has(consumerClass)))
      );
    });
    if (!setsSize) continue;
    add('width', numberInput(graph, id, 'width'));
    add('height', numberInput(graph, id, 'height'));
  }
  return { refs, notes };
}

/**
 * The modes a graph without a sidecar `modes` serves, from the nodes it holds: `generate` when nothing
 * reads a source image; else one edit, the most specific that fits (a background remover, an outpaint pad,
 * an inpaint encoder with a mask, a plain VAEEncode, then resizing without a sampler), with a note when
 * the graph shows signs of more than one or of none.
 */
export function inferModes(graph: ApiGraph): { modes: WorkflowMode[]; notes: string[] } {
  const classes = new Set(Object.values(graph).map((node) => node.class_type));
  const has = (set: ReadonlySet<string>) => [...set].some((name) => classes.has(name));
  if (!classes.has('LoadImage') && !classes.has('LoadImageMask') && !classes.has('LoadImageOutput')) {
    return { modes: ['generate'], notes: [] };
  }
  // An edit needs somewhere to put the source (and inpaint the mask): marked, or found unambiguously.
  const marked = findPlaceholders(graph).targets;
  const found = detectEditInputs(graph).refs;
  if (!marked.input_image && !found.input_image) {
    return {
      modes: [],
      notes: [
        'This workflow reads images but serves no mode until it is clear which one is the source: mark it with ' +
          '{{input_image}}.',
      ],
    };
  }
  const samples = Object.values(graph).some(isSampler);
  const masked = marked.mask_image !== undefined || found.mask_image !== undefined;
  const signs: [WorkflowMode, boolean][] = [
    ['remove_background', has(BACKGROUND_REMOVERS)],
    ['outpaint', samples && has(OUTPAINT_PADS)],
    ['inpaint', samples && has(INPAINT_ENCODERS) && !has(OUTPAINT_PADS) && masked],
    ['restyle', samples && has(PLAIN_ENCODERS) && !has(INPAINT_ENCODERS)],
    ['upscale', !samples && has(RESIZERS) && !has(BACKGROUND_REMOVERS)],
  ];
  const shown = signs.filter(([, present]) => present).map(([mode]) => mode);
  const chosen = shown[0];
  if (chosen === undefined) {
    const reason =
      samples && has(INPAINT_ENCODERS) && !masked
        ? 'it inpaints, but has no LoadImageMask (channel red) to take the mask'
        : 'it does none of the edits the bridge recognises';
    return {
      modes: [],
      notes: [
        `This workflow reads a source image but serves no mode: ${reason}. Name its modes in a sidecar ` +
          '(<id>.meta.json, "modes": ["restyle"] for example).',
      ],
    };
  }
  const notes =
    shown.length > 1
      ? [
          `This workflow looks like ${shown.join(' and ')}; it is taken as ${chosen}. Name its modes in a sidecar ` +
            '(<id>.meta.json) if it serves another.',
        ]
      : [];
  return { modes: [chosen], notes };
}
