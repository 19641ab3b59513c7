// One file: every case chooses a default among the same bundled workflows and backend model lists set up
// at the top.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chooseDefaultWorkflow, type DefaultCandidate } from '../../electron/workflows/default.js';
import { parseWorkflowMeta } from '../../electron/workflows/meta.js';
import type { BackendView } from '../../electron/workflows/requirements.js';
import { describeWorkflow } from '../../electron/workflows/workflow.js';
import {
  bundledDir,
  bundledGraph,
  bundledIds,
  fixture,
  nodePackObjectInfo,
  readJson,
  realObjectInfo,
  withModels,
} from './helpers.js';

const candidates: DefaultCandidate[] = bundledIds.map((id) => ({
  source: 'bundled',
  workflow: describeWorkflow(
    id,
    bundledGraph(id),
    parseWorkflowMeta(readJson(join(bundledDir, `${id}.meta.json`)), `${id}.meta.json`),
  ),
}));
const bare: BackendView = { objectInfo: realObjectInfo() };
const sd15Only: BackendView = {
  objectInfo: withModels({ 'CheckpointLoaderSimple.ckpt_name': ['v1-5-pruned-emaonly-fp16.safetensors'] }),
};
const turboAndSd15: BackendView = {
  objectInfo: withModels({
    'CheckpointLoaderSimple.ckpt_name': [
      'v1-5-pruned-emaonly-fp16.safetensors',
      'sd_xl_turbo_1.0_fp16.safetensors',
    ],
  }),
};
const flux: BackendView = {
  objectInfo: withModels({
    'UNETLoader.unet_name': ['flux1-schnell.safetensors'],
    'DualCLIPLoader.clip_name1': ['t5xxl_fp8_e4m3fn.safetensors', 'clip_l.safetensors'],
    'DualCLIPLoader.clip_name2': ['t5xxl_fp8_e4m3fn.safetensors', 'clip_l.safetensors'],
    'VAELoader.vae_name': ['ae.safetensors'],
  }),
};
/** Every Z-Image Turbo file and the SD 1.5 checkpoint: which one is the default depends on the version. */
const zImageFiles = withModels({
  'UNETLoader.unet_name': ['z_image_turbo_bf16.safetensors'],
  'CLIPLoader.clip_name': ['qwen_3_4b.safetensors'],
  'VAELoader.vae_name': ['ae.safetensors'],
  'CheckpointLoaderSimple.ckpt_name': ['v1-5-pruned-emaonly-fp16.safetensors'],
});

describe('chooseDefaultWorkflow', () => {
  it('picks the first ranked bundled workflow whose models a backend has', () => {
    expect(chooseDefaultWorkflow(candidates, [sd15Only]).id).toBe('sd15');
    expect(chooseDefaultWorkflow(candidates, [turboAndSd15])).toEqual({
      id: 'sdxl-turbo',
      reason: '"sdxl-turbo" is the first bundled workflow whose models a backend has.',
    });
  });

  it('looks across every backend', () => {
    expect(chooseDefaultWorkflow(candidates, [sd15Only, flux]).id).toBe('flux-schnell');
  });

  it('takes the preferred workflow when it runs somewhere', () => {
    expect(chooseDefaultWorkflow(candidates, [turboAndSd15], 'sd15')).toEqual({
      id: 'sd15',
      reason: '"sd15" is the chosen default workflow.',
    });
    expect(chooseDefaultWorkflow(candidates, [bare], 'test-pattern').id).toBe('test-pattern');
  });

  it('falls back, saying why, when the preferred workflow cannot run or does not exist', () => {
    const choice = chooseDefaultWorkflow(candidates, [sd15Only], 'sdxl');
    expect(choice.id).toBe('sd15');
    expect(choice.reason).toMatch(
      /^The chosen default "sdxl" cannot run on any backend \(Node 4 \(CheckpointLoaderSimple\) needs the model file "sd_xl_base_1\.0\.safetensors"/,
    );
    expect(chooseDefaultWorkflow(candidates, [sd15Only], 'gone').reason).toBe(
      'The chosen default "gone" does not exist. "sd15" is the first bundled workflow whose models a backend has.',
    );
  });

  it('never picks the test pattern or a user workflow on its own', () => {
    const user: DefaultCandidate = {
      source: 'user',
      workflow: describeWorkflow('mine', fixture('sd15-default'), {
        ...parseWorkflowMeta({ title: 'Mine', family: 'sd15' }, 'mine.meta.json'),
        defaultRank: 1,
      }),
    };
    const info = {
      objectInfo: withModels({ 'CheckpointLoaderSimple.ckpt_name': ['v1-5-pruned-emaonly.safetensors'] }),
    };
    const choice = chooseDefaultWorkflow([...candidates, user], [info]);
    expect(choice.id).toBeUndefined();
    // Each missing file in ComfyUI's models folder it goes in, with its link from the sidecar.
    expect(choice.reason).toMatch(
      /^No bundled workflow has all its models \(and the ComfyUI version it needs\) on any backend\. Download the missing files of one of them into that folder under ComfyUI's models\/: z-image-turbo \(diffusion_models\/z_image_turbo_bf16\.safetensors from https:\/\/huggingface\.co\/.*, needs ComfyUI ≥ 0\.3\.75\); .*; sd15 \(checkpoints\/v1-5-pruned-emaonly-fp16\.safetensors from https:\/\/huggingface\.co\/Comfy-Org\/stable-diffusion-v1-5-archive\/resolve\/main\/v1-5-pruned-emaonly-fp16\.safetensors\)\. Or add your own workflow to the user workflows folder and make it the default\. Your workflows that can run: mine; pass one as workflow, or make it the default\.$/,
    );
    expect(choice.id === undefined && choice.install?.map((option) => option.workflow)).toEqual([
      'z-image-turbo',
      'flux-schnell',
      'sdxl-turbo',
      'sdxl',
      'sd15',
    ]);
  });

  it('honours the ComfyUI version a sidecar requires: no Z-Image on 0.3.64, which has no Z-Image support', () => {
    const old = chooseDefaultWorkflow(
      candidates,
      [{ objectInfo: zImageFiles, version: '0.3.64' }],
      'z-image-turbo',
    );
    expect(old.id).toBe('sd15');
    expect(old.reason).toContain(
      'Z-Image Turbo needs ComfyUI ≥ 0.3.75 (this one is 0.3.64); update ComfyUI.',
    );
    expect(chooseDefaultWorkflow(candidates, [{ objectInfo: zImageFiles, version: '0.3.75' }]).id).toBe(
      'z-image-turbo',
    );
    expect(chooseDefaultWorkflow(candidates, [{ objectInfo: zImageFiles, version: 'v0.8.1' }]).id).toBe(
      'z-image-turbo',
    );
    // A backend that does not say its version is not held back.
    expect(chooseDefaultWorkflow(candidates, [{ objectInfo: zImageFiles }]).id).toBe('z-image-turbo');
  });

  it('says so when no backend is reachable', () => {
    const none: BackendView[] = [];
    expect(chooseDefaultWorkflow(candidates, none, 'sd15')).toEqual({
      id: undefined,
      reason: 'No ComfyUI backend is reachable, so no workflow can be checked; start ComfyUI.',
    });
  });
});

const sdxlBase: BackendView = {
  objectInfo: withModels({ 'CheckpointLoaderSimple.ckpt_name': ['sd_xl_base_1.0.safetensors'] }),
};
const fluxFill: BackendView = {
  objectInfo: withModels({
    'UNETLoader.unet_name': ['flux1-fill-dev.safetensors'],
    'DualCLIPLoader.clip_name1': ['t5xxl_fp8_e4m3fn.safetensors', 'clip_l.safetensors'],
    'DualCLIPLoader.clip_name2': ['t5xxl_fp8_e4m3fn.safetensors', 'clip_l.safetensors'],
    'VAELoader.vae_name': ['ae.safetensors'],
  }),
};
function upscalers(...files: string[]): BackendView {
  return { objectInfo: withModels({ 'UpscaleModelLoader.model_name': files }) };
}
/** A ComfyUI with some of the cut-out node packs installed. */
function withPacks(...nodes: string[]): BackendView {
  const packs = nodePackObjectInfo();
  const installed = Object.fromEntries(nodes.map((node) => [node, packs[node]!]));
  return { objectInfo: { ...realObjectInfo(), ...installed } };
}

describe('chooseDefaultWorkflow per mode', () => {
  it('never makes an edit workflow the text-to-image default, though it ranks higher and its model is there', () => {
    // sdxl-restyle, -inpaint and -outpaint (rank 2) run on the SDXL checkpoint too; sdxl is rank 4.
    expect(chooseDefaultWorkflow(candidates, [sdxlBase])).toEqual({
      id: 'sdxl',
      reason: '"sdxl" is the first bundled workflow whose models a backend has.',
    });
    expect(chooseDefaultWorkflow(candidates, [sdxlBase], undefined, 'generate').id).toBe('sdxl');
  });

  it('picks, per edit mode, the first ranked workflow of that mode a backend can run', () => {
    expect(chooseDefaultWorkflow(candidates, [sdxlBase], undefined, 'inpaint')).toEqual({
      id: 'sdxl-inpaint',
      reason: '"sdxl-inpaint" is the first bundled inpaint workflow whose models a backend has.',
    });
    expect(chooseDefaultWorkflow(candidates, [sdxlBase], undefined, 'outpaint').id).toBe('sdxl-outpaint');
    expect(chooseDefaultWorkflow(candidates, [sdxlBase], undefined, 'restyle').id).toBe('sdxl-restyle');
    // FLUX.1 Fill ranks before SDXL, on any backend.
    expect(chooseDefaultWorkflow(candidates, [sdxlBase, fluxFill], undefined, 'inpaint').id).toBe(
      'flux-fill-inpaint',
    );
    expect(chooseDefaultWorkflow(candidates, [fluxFill], undefined, 'outpaint').id).toBe(
      'flux-fill-outpaint',
    );
    // Z-Image restyle needs the ComfyUI version Z-Image does.
    const zImage = (version: string): BackendView => ({ objectInfo: zImageFiles, version });
    expect(chooseDefaultWorkflow(candidates, [zImage('0.3.75')], undefined, 'restyle').id).toBe(
      'z-image-restyle',
    );
    expect(chooseDefaultWorkflow(candidates, [zImage('0.3.64'), sdxlBase], undefined, 'restyle').id).toBe(
      'sdxl-restyle',
    );
    expect(chooseDefaultWorkflow(candidates, [upscalers('4x-UltraSharp.pth')], undefined, 'upscale').id).toBe(
      'upscale-ultrasharp',
    );
    expect(
      chooseDefaultWorkflow(
        candidates,
        [upscalers('4x-UltraSharp.pth', 'RealESRGAN_x4plus.pth')],
        undefined,
        'upscale',
      ).id,
    ).toBe('upscale-realesrgan');
    expect(
      chooseDefaultWorkflow(candidates, [withPacks('InspyrenetRembg')], undefined, 'remove_background').id,
    ).toBe('remove-background-inspyrenet');
    expect(
      chooseDefaultWorkflow(
        candidates,
        [withPacks('InspyrenetRembg', 'BiRefNetRMBG')],
        undefined,
        'remove_background',
      ).id,
    ).toBe('remove-background-birefnet');
  });

  it('names, when no workflow of the mode can run, the node packs to install and how', () => {
    const choice = chooseDefaultWorkflow(candidates, [bare], undefined, 'remove_background');
    expect(choice.id).toBeUndefined();
    expect(choice.reason).toMatch(
      /^No bundled remove_background workflow has all its models .* remove-background-birefnet \(the custom node pack ComfyUI-RMBG \(https:\/\/github\.com\/1038lab\/ComfyUI-RMBG; ComfyUI-Manager: search "ComfyUI-RMBG" and install; .*\)\); remove-background-inspyrenet \(the custom node pack ComfyUI-Inspyrenet-Rembg \(https:\/\/github\.com\/john-mnz\/ComfyUI-Inspyrenet-Rembg; .*\)\)\. Or add your own workflow/,
    );
    expect(choice.id === undefined && choice.install).toEqual([
      {
        workflow: 'remove-background-birefnet',
        models: [],
        packs: [
          {
            name: 'ComfyUI-RMBG',
            url: 'https://github.com/1038lab/ComfyUI-RMBG',
            install: expect.stringContaining('ComfyUI-Manager') as unknown,
          },
        ],
      },
      {
        workflow: 'remove-background-inspyrenet',
        models: [],
        packs: [
          {
            name: 'ComfyUI-Inspyrenet-Rembg',
            url: 'https://github.com/john-mnz/ComfyUI-Inspyrenet-Rembg',
            install: expect.stringContaining('ComfyUI-Manager') as unknown,
          },
        ],
      },
    ]);
    const inpaint = chooseDefaultWorkflow(candidates, [bare], undefined, 'inpaint');
    expect(inpaint.id === undefined && inpaint.install?.map((option) => option.workflow)).toEqual([
      'flux-fill-inpaint',
      'sdxl-inpaint',
    ]);
    expect(inpaint.reason).toContain(
      'diffusion_models/flux1-fill-dev.safetensors from https://huggingface.co/',
    );
  });

  it('says so when no bundled workflow serves the mode at all', () => {
    const generateOnly = candidates.filter((candidate) => candidate.workflow.modes.includes('generate'));
    expect(chooseDefaultWorkflow(generateOnly, [sdxlBase], undefined, 'upscale')).toEqual({
      id: undefined,
      reason:
        "No bundled workflow serves upscale. Or add your own workflow to the user workflows folder (its sidecar's " +
        '"modes" naming upscale) and pass it as workflow.',
      install: [],
    });
  });

  it('takes a preferred workflow only for its own mode', () => {
    // The setting names the text-to-image default: an edit call passes over it without a word.
    expect(chooseDefaultWorkflow(candidates, [sdxlBase], 'sdxl', 'inpaint')).toEqual({
      id: 'sdxl-inpaint',
      reason: '"sdxl-inpaint" is the first bundled inpaint workflow whose models a backend has.',
    });
    expect(chooseDefaultWorkflow(candidates, [sdxlBase, fluxFill], 'sdxl-inpaint', 'inpaint')).toEqual({
      id: 'sdxl-inpaint',
      reason: '"sdxl-inpaint" is the chosen default workflow.',
    });
    expect(chooseDefaultWorkflow(candidates, [sdxlBase], 'sdxl-inpaint')).toEqual({
      id: 'sdxl',
      reason:
        'The chosen default "sdxl-inpaint" does not make images from text (it serves inpaint). ' +
        '"sdxl" is the first bundled workflow whose models a backend has.',
    });
  });

  it('names your own runnable workflows of the mode only', () => {
    const mine = (id: string, name: string): DefaultCandidate => ({
      source: 'user',
      workflow: describeWorkflow(id, fixture(name)),
    });
    const own = [mine('my-img2img', 'edit-sd15-img2img'), mine('my-t2i', 'sd15-default')];
    const sd15 = {
      objectInfo: withModels({ 'CheckpointLoaderSimple.ckpt_name': ['v1-5-pruned-emaonly.safetensors'] }),
    };
    const restyle = chooseDefaultWorkflow([...candidates, ...own], [sd15], undefined, 'restyle');
    expect(restyle.reason).toContain('Your workflows that can run: my-img2img; pass one as workflow.');
    const generate = chooseDefaultWorkflow([...candidates, ...own], [sd15]);
    expect(generate.reason).toContain('Your workflows that can run: my-t2i;');
  });
});
