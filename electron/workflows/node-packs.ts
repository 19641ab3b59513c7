import type { NodePack } from './meta.js';

/**
 * Custom node packs whose nodes the bridge recognises in any workflow (the background removers that
 * detect-edit.ts knows), so a workflow without a sidecar still learns which pack to install when ComfyUI lacks
 * one of their nodes. A bundled sidecar naming the same pack adds the model files of its own workflow.
 */
export const KNOWN_NODE_PACKS: readonly NodePack[] = [
  {
    name: 'ComfyUI-RMBG',
    url: 'https://github.com/1038lab/ComfyUI-RMBG',
    install:
      'ComfyUI-Manager: search "ComfyUI-RMBG" and install; or `comfy node install comfyui-rmbg`; then install its requirements.txt and restart ComfyUI',
    nodes: ['RMBG', 'BiRefNetRMBG'],
    models: [],
  },
  {
    name: 'ComfyUI-Inspyrenet-Rembg',
    url: 'https://github.com/john-mnz/ComfyUI-Inspyrenet-Rembg',
    install:
      'ComfyUI-Manager: search "ComfyUI-Inspyrenet-Rembg" and install; or `comfy node install comfyui-inspyrenet-rembg`; then restart ComfyUI',
    nodes: ['InspyrenetRembg', 'InspyrenetRembgAdvanced'],
    models: [],
  },
];
