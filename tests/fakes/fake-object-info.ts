import { readFileSync } from 'node:fs';
import type { InputSpec, ObjectInfo } from '../../electron/comfy/types.js';

/**
 * /object_info for the fake: the real answer of ComfyUI 0.3.64 (plus the SlowProgress test node) for the image,
 * loader, conditioning, latent and sampler nodes the bridge's workflows use, with the model combos filled from
 * the fake's configurable model lists, like ComfyUI fills them from its model folders.
 */
const realObjectInfo = JSON.parse(
  readFileSync(new URL('./object-info.json', import.meta.url), 'utf8'),
) as ObjectInfo;

/** GET /models on a stock ComfyUI 0.3.64. */
export const defaultModelFolders = [
  'checkpoints',
  'configs',
  'loras',
  'vae',
  'text_encoders',
  'diffusion_models',
  'clip_vision',
  'style_models',
  'embeddings',
  'diffusers',
  'vae_approx',
  'controlnet',
  'gligen',
  'upscale_models',
  'custom_nodes',
  'hypernetworks',
  'photomaker',
  'classifiers',
  'model_patches',
  'audio_encoders',
];

export type ModelLists = Record<string, string[]>;

/** Which model folder fills a combo input: by class first, then by input name. */
function modelFolderFor(classType: string, inputName: string): string | undefined {
  if (classType === 'CLIPVisionLoader' && inputName === 'clip_name') return 'clip_vision';
  if (classType === 'UpscaleModelLoader' && inputName === 'model_name') return 'upscale_models';
  if (inputName === 'ckpt_name') return 'checkpoints';
  if (inputName === 'unet_name') return 'diffusion_models';
  if (/^clip_name\d?$/.test(inputName)) return 'text_encoders';
  if (inputName === 'vae_name') return 'vae';
  if (inputName === 'lora_name') return 'loras';
  if (inputName === 'control_net_name') return 'controlnet';
  return undefined;
}

export function buildObjectInfo(models: ModelLists, inputFiles: string[]): ObjectInfo {
  const info = structuredClone(realObjectInfo);
  for (const [classType, node] of Object.entries(info)) {
    for (const section of [node.input.required, node.input.optional]) {
      if (!section) continue;
      for (const [inputName, spec] of Object.entries(section)) {
        const folder = modelFolderFor(classType, inputName);
        let values: string[] | undefined;
        if (folder) values = [...(models[folder] ?? [])];
        if (classType === 'VAELoader' && inputName === 'vae_name')
          values = [...(values ?? []), 'pixel_space'];
        if ((classType === 'LoadImage' || classType === 'LoadImageMask') && inputName === 'image')
          values = [...inputFiles].sort();
        if (values) section[inputName] = withComboValues(spec, values);
      }
    }
  }
  return info;
}

function withComboValues(spec: InputSpec, values: string[]): InputSpec {
  const [type, options] = spec;
  // V3 nodes describe combos as ["COMBO", {options: [...]}], V1 nodes as [[...values], {...}].
  if (type === 'COMBO') return ['COMBO', { ...options, options: values }];
  return options ? [values, options] : [values];
}
