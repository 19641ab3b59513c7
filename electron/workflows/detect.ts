/**
 * Finds where a workflow's prompt, size, seed and steps go by walking its graph back from the samplers. Over
 * ~300 lines on purpose: the walk (conditioning, latent size, sampler helpers) and the name lists it consults
 * are one heuristic that changes together; split, each half would need the other's rules to be read.
 */
import type { ApiGraph, ApiNode, NodeId, ObjectInfo } from '../comfy/types.js';
import { isLink, isSampler, linkOf, linksOf, nodeLabel, type Link } from './graph.js';
import { detectEditInputs, type InputRef, type Note } from './detect-edit.js';
import { inputType } from './object-info.js';
import { findImageOutputs } from './outputs.js';
import {
  findPlaceholders,
  PARAMETER_NAMES,
  type ParameterName,
  type ParameterTarget,
  type ParameterTargets,
} from './placeholders.js';

/** What binding will write where, as data the dashboard can show. */
export interface WorkflowParameters {
  targets: ParameterTargets;
  /** The output nodes whose images are the result. */
  outputNodeIds: NodeId[];
  /** Human-readable findings: what could not be detected and what that means for a request. */
  notes: string[];
}

/** Without /object_info, these names mark an encoder's prompt text (CLIPTextEncodeSD3 has clip_l/clip_g/t5xxl…). */
const TEXT_INPUT_NAMES = new Set([
  'text',
  'text_g',
  'text_l',
  'clip_l',
  'clip_g',
  't5xxl',
  'llama',
  'prompt',
  'user_prompt',
  'bert',
  'mt5xl',
]);
const LATENT_INPUT_NAMES = new Set(['latent_image', 'samples', 'latent']);
/** A branch through these carries no text: ConditioningZeroOut turns a positive into an empty negative. */
const SILENCING_CLASSES = new Set(['ConditioningZeroOut']);
/** Nodes outside the latent path whose width/height must match the latent (Flux's shift depends on size). */
const SIZE_COUPLED_CLASSES = new Set(['ModelSamplingFlux']);
/** Nodes a sampler takes its noise, guidance and schedule from; their seed/steps/cfg/denoise count too. */
const SAMPLER_HELPER_INPUTS = ['noise', 'guider', 'sigmas'];
const NUMERIC_INPUTS: Record<string, ParameterName> = {
  seed: 'seed',
  noise_seed: 'seed',
  steps: 'steps',
  cfg: 'cfg',
  denoise: 'denoise',
};

/**
 * Where a scalar input's value lives: the input itself, or, when it is linked to a primitive node
 * (PrimitiveInt, PrimitiveStringMultiline, a custom "seed" node), that node's single value.
 */
function resolveScalar(graph: ApiGraph, ref: InputRef, kind: 'string' | 'number'): InputRef | undefined {
  const value = graph[ref.nodeId]?.inputs[ref.input];
  if (typeof value === kind) return ref;
  if (!isLink(value)) return undefined;
  const source = graph[value[0]] as ApiNode;
  if (linksOf(source).length > 0) return undefined;
  const scalars = Object.entries(source.inputs).filter(([, v]) => typeof v === kind);
  return scalars.length === 1 ? { nodeId: value[0], input: (scalars[0] as [string, unknown])[0] } : undefined;
}

function declaredAs(
  objectInfo: ObjectInfo | undefined,
  node: ApiNode,
  input: string,
  type: string,
): boolean | undefined {
  if (!objectInfo?.[node.class_type]) return undefined;
  return inputType(objectInfo, node.class_type, input) === type;
}

function conditioningInputs(node: ApiNode, objectInfo?: ObjectInfo): [string, Link][] {
  return linksOf(node).filter(
    ([name]) => declaredAs(objectInfo, node, name, 'CONDITIONING') ?? /^(cond|positive|negative)/.test(name),
  );
}

/** A prompt encoder takes a CLIP model and text, and no conditioning (that would make it a modifier). */
function encoderTextInputs(node: ApiNode, objectInfo?: ObjectInfo): string[] {
  if (!linkOf(node, 'clip')) return [];
  return Object.keys(node.inputs).filter(
    (name) => declaredAs(objectInfo, node, name, 'STRING') ?? TEXT_INPUT_NAMES.has(name),
  );
}

/**
 * Follows conditioning links upstream to the text encoders' prompt inputs. Pass-through nodes (FluxGuidance,
 * ConditioningCombine, ControlNetApplyAdvanced, …) are walked through; for nodes with both positive and
 * negative inputs, output 0 continues on `positive` and output 1 on `negative`.
 */
function walkConditioning(
  graph: ApiGraph,
  roots: Link[],
  objectInfo?: ObjectInfo,
): { texts: InputRef[]; silenced: boolean } {
  const texts: InputRef[] = [];
  let silenced = false;
  const seen = new Set<string>();
  const queue = [...roots];
  for (let link = queue.pop(); link; link = queue.pop()) {
    const [nodeId, output] = link;
    const key = `${nodeId}:${output}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const node = graph[nodeId] as ApiNode;
    if (SILENCING_CLASSES.has(node.class_type)) {
      silenced = true;
      continue;
    }
    const inputs = conditioningInputs(node, objectInfo);
    if (inputs.length === 0) {
      for (const input of encoderTextInputs(node, objectInfo)) {
        const ref = resolveScalar(graph, { nodeId, input }, 'string');
        if (ref) texts.push(ref);
      }
      continue;
    }
    const positive = linkOf(node, 'positive');
    const negative = linkOf(node, 'negative');
    if (positive && negative) queue.push(output === 1 ? negative : positive);
    else for (const [, upstream] of inputs) queue.push(upstream);
  }
  return { texts, silenced };
}

/** The node that creates the latent (width/height, no latent input of its own), found upstream of `roots`. */
function findSizeNode(graph: ApiGraph, roots: Link[], objectInfo?: ObjectInfo): NodeId | undefined {
  const seen = new Set<NodeId>();
  const queue = roots.map(([id]) => id);
  for (let nodeId = queue.shift(); nodeId !== undefined; nodeId = queue.shift()) {
    if (seen.has(nodeId)) continue;
    seen.add(nodeId);
    const node = graph[nodeId] as ApiNode;
    const latentLinks = linksOf(node).filter(
      ([name]) => declaredAs(objectInfo, node, name, 'LATENT') ?? LATENT_INPUT_NAMES.has(name),
    );
    if (latentLinks.length === 0) {
      if ('width' in node.inputs && 'height' in node.inputs) return nodeId;
      continue;
    }
    for (const [, [upstream]] of latentLinks) queue.push(upstream);
  }
  return undefined;
}

function uniqueRefs(refs: InputRef[]): InputRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = `${ref.nodeId}\u0000${ref.input}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function detectedTargets(graph: ApiGraph, refs: InputRef[]): ParameterTarget[] {
  return uniqueRefs(refs).map((ref) => ({
    nodeId: ref.nodeId,
    classType: (graph[ref.nodeId] as ApiNode).class_type,
    input: ref.input,
    source: 'detected',
    mode: 'replace',
  }));
}

interface Detection {
  refs: Partial<Record<ParameterName, InputRef[]>>;
  notes: Note[];
}

const NO_SAMPLER_NOTE: Note = {
  about: ['width', 'height', 'seed'],
  text:
    'No sampler (KSampler, SamplerCustomAdvanced, …) found, so nothing was detected automatically; ' +
    'mark inputs with placeholders such as {{prompt}}, {{width}}, {{height}} and {{seed}}.',
};

function detectFromSamplers(graph: ApiGraph, objectInfo?: ObjectInfo): Detection {
  const samplers = Object.keys(graph).filter((id) => isSampler(graph[id] as ApiNode));
  if (samplers.length === 0) {
    return { refs: {}, notes: [NO_SAMPLER_NOTE] };
  }
  const refs: Partial<Record<ParameterName, InputRef[]>> = {};
  const add = (name: ParameterName, ref: InputRef | undefined) => {
    if (ref) (refs[name] ??= []).push(ref);
  };
  const positiveRoots: Link[] = [];
  const negativeRoots: Link[] = [];
  const latentRoots: Link[] = [];

  for (const samplerId of samplers) {
    const sampler = graph[samplerId] as ApiNode;
    const guiderLink = linkOf(sampler, 'guider');
    const conditioningHolder = guiderLink ? (graph[guiderLink[0]] as ApiNode) : sampler;
    for (const name of ['positive', 'conditioning', 'cond1', 'cond2']) {
      const link = linkOf(conditioningHolder, name);
      if (link) positiveRoots.push(link);
    }
    const negative = linkOf(conditioningHolder, 'negative');
    if (negative) negativeRoots.push(negative);
    latentRoots.push(linkOf(sampler, 'latent_image') as Link);

    const helpers = SAMPLER_HELPER_INPUTS.map((name) => linkOf(sampler, name)?.[0]).filter(
      (id): id is NodeId => id !== undefined,
    );
    for (const nodeId of [samplerId, ...helpers]) {
      for (const input of Object.keys((graph[nodeId] as ApiNode).inputs)) {
        const name = NUMERIC_INPUTS[input];
        if (name) add(name, resolveScalar(graph, { nodeId, input }, 'number'));
      }
    }
  }

  const notes: Note[] = [];
  const positive = walkConditioning(graph, positiveRoots, objectInfo);
  const negative = walkConditioning(graph, negativeRoots, objectInfo);
  const positiveKeys = new Set(positive.texts.map((ref) => `${ref.nodeId}\u0000${ref.input}`));
  const shared = negative.texts.filter((ref) => positiveKeys.has(`${ref.nodeId}\u0000${ref.input}`));
  if (shared.length > 0) {
    notes.push({
      about: ['negative_prompt'],
      text:
        `${nodeLabel(graph, (shared[0] as InputRef).nodeId)} feeds both the positive and the negative conditioning; ` +
        'the prompt is written there and negative_prompt is not.',
    });
  }
  for (const ref of positive.texts) add('prompt', ref);
  for (const ref of negative.texts)
    if (!positiveKeys.has(`${ref.nodeId}\u0000${ref.input}`)) add('negative_prompt', ref);
  if (positive.texts.length === 0) {
    notes.push({
      about: ['prompt'],
      text: 'No prompt text encoder found behind the sampler; mark the prompt input with {{prompt}}.',
    });
  }
  if (negativeRoots.length === 0) {
    notes.push({
      about: ['negative_prompt'],
      text: 'This workflow has no negative conditioning; negative_prompt is ignored.',
    });
  } else if (negative.texts.length === 0 && negative.silenced) {
    notes.push({
      about: ['negative_prompt'],
      text: 'The negative conditioning is zeroed out (ConditioningZeroOut); negative_prompt is ignored.',
    });
  }

  const sizeNode = findSizeNode(graph, latentRoots, objectInfo);
  if (sizeNode) {
    const coupled = Object.keys(graph).filter((id) =>
      SIZE_COUPLED_CLASSES.has((graph[id] as ApiNode).class_type),
    );
    for (const nodeId of [sizeNode, ...coupled]) {
      add('width', resolveScalar(graph, { nodeId, input: 'width' }, 'number'));
      add('height', resolveScalar(graph, { nodeId, input: 'height' }, 'number'));
    }
  } else {
    notes.push({
      about: ['width', 'height'],
      text: 'No latent size node (EmptyLatentImage or similar) found; the requested size is reached only by resizing the result.',
    });
  }
  return { refs, notes };
}

/**
 * Finds where each parameter goes. Explicit `{{placeholders}}` win per parameter; the rest is detected by
 * following the sampler's links: positive/negative conditioning back to the text encoders, the latent back
 * to its size node, and the seed/steps/cfg/denoise inputs of the sampler and its noise/guider/scheduler.
 * `objectInfo`, when given, makes the walk use declared input types instead of input names.
 */
export function detectParameters(graph: ApiGraph, objectInfo?: ObjectInfo): WorkflowParameters {
  const placeholders = findPlaceholders(graph);
  const detection = detectFromSamplers(graph, objectInfo);
  const edit = detectEditInputs(graph);
  // The latent size node wins; an edit graph has none, and an ImageScale before its encoder or output sets it.
  const refs = { ...edit.refs, ...detection.refs };
  const editInputs = edit.refs.input_image !== undefined || placeholders.targets.input_image !== undefined;
  // An upscale or cut-out graph has no sampler and needs none: the "no sampler" note does not apply to it.
  const samplerNotes = detection.notes.filter(
    (note) =>
      !(editInputs && note === NO_SAMPLER_NOTE) && !note.about.every((name) => edit.refs[name] !== undefined),
  );
  const markedInputs = new Set(
    Object.values(placeholders.targets).flatMap((marked) =>
      marked.map((target) => `${target.nodeId}.${target.input}`),
    ),
  );
  const targets: ParameterTargets = {};
  for (const name of PARAMETER_NAMES) {
    const marked = placeholders.targets[name];
    // An input the author marked for another parameter is theirs: a cut-out graph reads its mask from the
    // source ({{input_image}} on LoadImageMask), which detection alone would take for the mask's input.
    const found = refs[name]?.filter((ref) => !markedInputs.has(`${ref.nodeId}.${ref.input}`));
    if (marked) targets[name] = marked;
    else if (found && found.length > 0) targets[name] = detectedTargets(graph, found);
  }
  const notes = [...samplerNotes, ...edit.notes]
    .filter((note) => !note.about.every((name) => placeholders.targets[name]))
    .map((note) => note.text);
  for (const name of placeholders.unknown) {
    notes.push(
      `Unknown placeholder {{${name}}} is left as it is; known names: ${PARAMETER_NAMES.join(', ')}.`,
    );
  }
  return { targets, outputNodeIds: findImageOutputs(graph, objectInfo), notes };
}
