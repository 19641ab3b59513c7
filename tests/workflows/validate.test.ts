import { describe, expect, it } from 'vitest';
import type { ApiGraph, ObjectInfo } from '../../electron/comfy/types.js';
import { bindWorkflow } from '../../electron/workflows/bind.js';
import { resolveModelPaths, validateWorkflow } from '../../electron/workflows/validate.js';
import { describeWorkflow } from '../../electron/workflows/workflow.js';
import { bundledGraph, fixture, realObjectInfo, withModels } from './helpers.js';

const bare = realObjectInfo();

describe('validateWorkflow against the real /object_info of ComfyUI 0.3.64', () => {
  it('reports the missing checkpoint of sd15 (V1 list combo, empty) with node, file and folder', () => {
    const result = validateWorkflow(bundledGraph('sd15'), bare);
    expect(result.runnable).toBe(false);
    expect(result.missingNodes).toEqual([]);
    expect(result.missingModels).toEqual([
      {
        nodeId: '4',
        classType: 'CheckpointLoaderSimple',
        input: 'ckpt_name',
        value: 'v1-5-pruned-emaonly-fp16.safetensors',
        folder: 'checkpoints',
      },
    ]);
    expect(result.messages).toEqual([
      'Node 4 (CheckpointLoaderSimple) needs the model file "v1-5-pruned-emaonly-fp16.safetensors" (input ckpt_name), ' +
        "which this ComfyUI does not have; put it in ComfyUI's models/checkpoints folder and refresh or restart ComfyUI.",
    ]);
  });

  it('is runnable once the checkpoint is listed', () => {
    const info = withModels({ 'CheckpointLoaderSimple.ckpt_name': ['v1-5-pruned-emaonly-fp16.safetensors'] });
    expect(validateWorkflow(bundledGraph('sd15'), info)).toEqual({
      runnable: true,
      missingNodes: [],
      missingPacks: [],
      missingModels: [],
      invalidValues: [],
      messages: [],
    });
  });

  it('checks flux-schnell’s four files, including a VAE list that is not empty', () => {
    const result = validateWorkflow(bundledGraph('flux-schnell'), bare);
    expect(result.missingModels.map((m) => [m.nodeId, m.input, m.value, m.folder])).toEqual([
      ['10', 'vae_name', 'ae.safetensors', 'vae'],
      ['11', 'clip_name1', 't5xxl_fp8_e4m3fn.safetensors', 'text_encoders'],
      ['11', 'clip_name2', 'clip_l.safetensors', 'text_encoders'],
      ['12', 'unet_name', 'flux1-schnell.safetensors', 'diffusion_models'],
    ]);
    expect(result.invalidValues).toEqual([]);
  });

  it('reads V3 COMBO options (TripleCLIPLoader) both empty and filled', () => {
    const missing = validateWorkflow(fixture('sd35-triple-clip'), bare);
    expect(missing.missingModels.map((m) => `${m.classType}.${m.input}=${m.value}`)).toEqual([
      'CheckpointLoaderSimple.ckpt_name=sd3.5_large.safetensors',
      'TripleCLIPLoader.clip_name1=clip_g.safetensors',
      'TripleCLIPLoader.clip_name2=clip_l.safetensors',
      'TripleCLIPLoader.clip_name3=t5xxl_fp8_e4m3fn.safetensors',
    ]);
    const info = withModels({
      'CheckpointLoaderSimple.ckpt_name': ['sd3.5_large.safetensors'],
      'TripleCLIPLoader.clip_name1': ['clip_g.safetensors'],
      'TripleCLIPLoader.clip_name2': ['clip_l.safetensors'],
      'TripleCLIPLoader.clip_name3': ['t5xxl_fp8_e4m3fn.safetensors'],
    });
    expect(validateWorkflow(fixture('sd35-triple-clip'), info).runnable).toBe(true);
  });

  it('names LoRA and ControlNet folders and leaves LoadImage (own file validator) alone', () => {
    const result = validateWorkflow(fixture('sdxl-lora-controlnet'), bare);
    expect(result.missingModels.map((m) => [m.nodeId, m.value, m.folder])).toEqual([
      ['1', 'juggernautXL_v9.safetensors', 'checkpoints'],
      ['2', 'add-detail-xl.safetensors', 'loras'],
      ['3', 'pixel-art-xl.safetensors', 'loras'],
      ['6', 'controlnet-canny-sdxl-1.0.safetensors', 'controlnet'],
    ]);
    expect(result.invalidValues).toEqual([]);
  });

  it('reports node types that are not installed, once per type, with what to do', () => {
    const graph: ApiGraph = {
      ...bundledGraph('test-pattern'),
      '3': { class_type: 'UltimateSDUpscale', inputs: { image: ['1', 0] } },
      '4': { class_type: 'UltimateSDUpscale', inputs: { image: ['3', 0] } },
    };
    const result = validateWorkflow(graph, bare);
    expect(result.runnable).toBe(false);
    expect(result.missingNodes).toEqual(['UltimateSDUpscale']);
    expect(result.messages).toEqual([
      'Node 3 uses node type "UltimateSDUpscale", which this ComfyUI does not have; install the custom node that ' +
        'provides it (for example with ComfyUI-Manager) and restart ComfyUI.',
    ]);
  });

  it('reports a choice this ComfyUI does not offer (a newer sampler) as an invalid value', () => {
    const graph = bundledGraph('sd15');
    (graph['3'] as { inputs: Record<string, unknown> }).inputs.sampler_name = 'res_2s';
    const info = withModels({ 'CheckpointLoaderSimple.ckpt_name': ['v1-5-pruned-emaonly-fp16.safetensors'] });
    const result = validateWorkflow(graph, info);
    expect(result.runnable).toBe(false);
    expect(result.invalidValues).toEqual([
      {
        nodeId: '3',
        classType: 'KSampler',
        input: 'sampler_name',
        value: 'res_2s',
        allowed: [
          'euler',
          'euler_cfg_pp',
          'euler_ancestral',
          'euler_ancestral_cfg_pp',
          'heun',
          'heunpp2',
          'dpm_2',
          'dpm_2_ancestral',
        ],
      },
    ]);
    expect(result.messages[0]).toMatch(
      /^Node 3 \(KSampler\) input sampler_name is "res_2s", which this ComfyUI does not offer/,
    );
  });

  it('validates the bound test pattern as runnable on a ComfyUI without any model', () => {
    const bound = bindWorkflow(describeWorkflow('test-pattern', bundledGraph('test-pattern')), {
      prompt: '',
      width: 64,
      height: 48,
      seed: 1,
    });
    expect(validateWorkflow(bound.graph, bare).runnable).toBe(true);
  });

  it('cannot judge a combo whose options are absent or empty, so does not flag it', () => {
    const info = {
      Loader: {
        input: { required: { a: ['COMBO'], b: ['COMBO', {}], c: [[], {}] } },
        output: ['MODEL'],
        name: 'Loader',
        output_node: false,
      },
      SaveImage: bare.SaveImage,
    } as unknown as ObjectInfo;
    const graph: ApiGraph = {
      '1': {
        class_type: 'Loader',
        inputs: { a: 'x.safetensors', b: 'y.safetensors', c: 'z.safetensors', extra: 1 },
      },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
    };
    const result = validateWorkflow(graph, info);
    expect(result.missingModels.map((m) => m.input)).toEqual(['c']);
    expect(result.missingModels[0]?.folder).toBeUndefined();
  });

  it('points at a model this ComfyUI keeps in a sub-folder, and resolveModelPaths uses that path', () => {
    const info = withModels({
      'CheckpointLoaderSimple.ckpt_name': ['SDXL\\sd_xl_base_1.0.safetensors', 'other.safetensors'],
    });
    const graph = bundledGraph('sdxl');
    const result = validateWorkflow(graph, info);
    expect(result.missingModels[0]?.foundAs).toEqual(['SDXL\\sd_xl_base_1.0.safetensors']);
    expect(result.messages).toEqual([
      'Node 4 (CheckpointLoaderSimple) asks for the model file "sd_xl_base_1.0.safetensors" (input ckpt_name), which ' +
        'this ComfyUI lists only as "SDXL\\sd_xl_base_1.0.safetensors"; edit the workflow to use that path.',
    ]);
    const resolved = resolveModelPaths(graph, info);
    expect(resolved['4']?.inputs.ckpt_name).toBe('SDXL\\sd_xl_base_1.0.safetensors');
    expect(validateWorkflow(resolved, info).runnable).toBe(true);
    expect(graph['4']?.inputs.ckpt_name).toBe('sd_xl_base_1.0.safetensors');
  });

  it('leaves an ambiguous sub-folder match for the user to settle', () => {
    const info = withModels({
      'CheckpointLoaderSimple.ckpt_name': ['a/sd_xl_base_1.0.safetensors', 'b/sd_xl_base_1.0.safetensors'],
    });
    const resolved = resolveModelPaths(bundledGraph('sdxl'), info);
    expect(resolved['4']?.inputs.ckpt_name).toBe('sd_xl_base_1.0.safetensors');
    expect(validateWorkflow(resolved, info).missingModels[0]?.foundAs).toHaveLength(2);
  });
});
