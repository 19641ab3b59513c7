import type { ApiGraph, ObjectInfo } from '../comfy/types.js';
import { cloneGraph, isLink } from './graph.js';
import type { NodePack } from './meta.js';
import { KNOWN_NODE_PACKS } from './node-packs.js';
import { comboOptions, inputSpec } from './object-info.js';

export interface MissingModel {
  nodeId: string;
  classType: string;
  input: string;
  /** The file name the workflow asks for. */
  value: string;
  /** ComfyUI's models sub-folder the file belongs in, when known. */
  folder?: string;
  /** The same file name in a sub-folder, as this ComfyUI lists it ("SDXL/sd_xl_base_1.0.safetensors"). */
  foundAs?: string[];
}

export interface InvalidValue {
  nodeId: string;
  classType: string;
  input: string;
  value: unknown;
  /** A few of the values this ComfyUI accepts. */
  allowed: string[];
}

/** A custom node pack to install: its name, repository and how. */
export interface MissingPack {
  name: string;
  url: string;
  install: string;
}

export interface WorkflowValidation {
  runnable: boolean;
  /** Node class types this ComfyUI does not have (a custom node is not installed). */
  missingNodes: string[];
  /** The custom node packs that provide missing node types, where the sidecar or the bridge knows them. */
  missingPacks: MissingPack[];
  missingModels: MissingModel[];
  /** Other choice inputs whose value this ComfyUI does not offer (e.g. a sampler newer than the server). */
  invalidValues: InvalidValue[];
  /** One sentence per problem, naming the node and the file, saying what to do. */
  messages: string[];
}

const MODEL_FILE = /\.(safetensors|sft|ckpt|pt|pth|bin|gguf|onnx)$/i;

/** Folders by loader input; the class matters where names collide (CLIPVisionLoader.clip_name). */
const FOLDER_BY_CLASS_INPUT: Record<string, string> = {
  'CLIPVisionLoader.clip_name': 'clip_vision',
  'UpscaleModelLoader.model_name': 'upscale_models',
};
const FOLDER_BY_INPUT: Record<string, string> = {
  ckpt_name: 'checkpoints',
  unet_name: 'diffusion_models',
  vae_name: 'vae',
  clip_name: 'text_encoders',
  clip_name1: 'text_encoders',
  clip_name2: 'text_encoders',
  clip_name3: 'text_encoders',
  clip_name4: 'text_encoders',
  lora_name: 'loras',
  control_net_name: 'controlnet',
  style_model_name: 'style_models',
  gligen_name: 'gligen',
  hypernetwork_name: 'hypernetworks',
  photomaker_model_name: 'photomaker',
  model_name: 'upscale_models',
};

export function modelFolder(classType: string, input: string): string | undefined {
  return FOLDER_BY_CLASS_INPUT[`${classType}.${input}`] ?? FOLDER_BY_INPUT[input];
}

/** Inputs with their own file validator (LoadImage accepts "sub/name.png" outside its option list). */
function hasOwnFileValidator(options: Record<string, unknown> | undefined): boolean {
  return options?.image_upload === true;
}

const PLACEHOLDER = /\{\{.*\}\}/;

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Options naming the same file in another sub-folder; ComfyUI lists "SDXL\\x.safetensors" on Windows. */
function sameFileElsewhere(value: string, options: readonly unknown[]): string[] {
  const wanted = baseName(value);
  return options.filter(
    (option): option is string => typeof option === 'string' && baseName(option) === wanted,
  );
}
const ALLOWED_SHOWN = 8;

/** The pack that provides a node type: the sidecar's first, then the ones the bridge knows. */
function packOf(classType: string, packs: readonly NodePack[]): NodePack | undefined {
  return [...packs, ...KNOWN_NODE_PACKS].find((candidate) => candidate.nodes.includes(classType));
}

/** What to do about a node type this ComfyUI lacks: install the pack that has it, named and with its link. */
function missingNodeAdvice(pack: NodePack | undefined): string {
  if (!pack) {
    return 'install the custom node that provides it (for example with ComfyUI-Manager) and restart ComfyUI.';
  }
  const models = pack.models.map(
    (model) => `${model.file} (in ${model.folder}${model.url ? `, from ${model.url}` : ''})`,
  );
  return (
    `it comes from the custom node pack ${pack.name} (${pack.url}). Install it: ${pack.install}.` +
    (models.length > 0 ? ` The pack needs ${models.join(', ')}; it downloads them on first use.` : '')
  );
}

/**
 * Checks a workflow against one backend's /object_info before anything is queued: node types that are
 * not installed, model files the loaders' option lists do not contain, and other choice values the
 * server does not offer. Both combo shapes (V1 list, V3 COMBO) and absent/empty options are handled.
 * `packs` (the sidecar's `requires.packs`, then the packs the bridge knows) turn "node type missing" into
 * which pack to install and how.
 */
export function validateWorkflow(
  graph: ApiGraph,
  objectInfo: ObjectInfo,
  packs: readonly NodePack[] = [],
): WorkflowValidation {
  const missingNodes = new Set<string>();
  const missingPacks = new Map<string, MissingPack>();
  const missingModels: MissingModel[] = [];
  const invalidValues: InvalidValue[] = [];
  const messages: string[] = [];

  for (const [nodeId, node] of Object.entries(graph)) {
    const classType = node.class_type;
    if (!objectInfo[classType]) {
      if (!missingNodes.has(classType)) {
        const pack = packOf(classType, packs);
        if (pack) missingPacks.set(pack.name, { name: pack.name, url: pack.url, install: pack.install });
        messages.push(
          `Node ${nodeId} uses node type "${classType}", which this ComfyUI does not have; ` +
            missingNodeAdvice(pack),
        );
      }
      missingNodes.add(classType);
      continue;
    }
    for (const [input, value] of Object.entries(node.inputs)) {
      if (isLink(value) || (typeof value === 'string' && PLACEHOLDER.test(value))) continue;
      const spec = inputSpec(objectInfo, classType, input);
      const options = spec && comboOptions(spec);
      if (!spec || !options || options.includes(value) || hasOwnFileValidator(spec[1])) continue;
      if (typeof value === 'string' && MODEL_FILE.test(value)) {
        const folder = modelFolder(classType, input);
        const foundAs = sameFileElsewhere(value, options);
        missingModels.push({
          nodeId,
          classType,
          input,
          value,
          ...(folder ? { folder } : {}),
          ...(foundAs.length > 0 ? { foundAs } : {}),
        });
        messages.push(
          foundAs.length > 0
            ? `Node ${nodeId} (${classType}) asks for the model file "${value}" (input ${input}), which this ComfyUI ` +
                `lists only as ${foundAs.map((path) => `"${path}"`).join(' or ')}; edit the workflow to use that path.`
            : `Node ${nodeId} (${classType}) needs the model file "${value}" (input ${input}), which this ComfyUI does ` +
                `not have; put it in ComfyUI's models/${folder ?? '<matching folder>'} folder and refresh or restart ComfyUI.`,
        );
        continue;
      }
      const allowed = options.slice(0, ALLOWED_SHOWN).map(String);
      invalidValues.push({ nodeId, classType, input, value, allowed });
      messages.push(
        `Node ${nodeId} (${classType}) input ${input} is ${JSON.stringify(value)}, which this ComfyUI does not offer ` +
          `(it offers ${allowed.join(', ')}${options.length > ALLOWED_SHOWN ? ', …' : ''}); update ComfyUI or edit the workflow.`,
      );
    }
  }
  return {
    runnable: missingNodes.size === 0 && missingModels.length === 0 && invalidValues.length === 0,
    missingNodes: [...missingNodes],
    missingPacks: [...missingPacks.values()],
    missingModels,
    invalidValues,
    messages,
  };
}

/**
 * A copy of the graph adapted to one backend's model folders: a model file the backend lists only in a
 * sub-folder ("flux/ae.safetensors" for "ae.safetensors") is renamed to that path when the match is unique.
 */
export function resolveModelPaths(graph: ApiGraph, objectInfo: ObjectInfo): ApiGraph {
  const resolved = cloneGraph(graph);
  for (const model of validateWorkflow(graph, objectInfo).missingModels) {
    const [only, ...others] = model.foundAs ?? [];
    const node = resolved[model.nodeId];
    if (only !== undefined && others.length === 0 && node) node.inputs[model.input] = only;
  }
  return resolved;
}
