import { describe, expect, it } from 'vitest';
import type { ApiGraph } from '../../electron/comfy/types.js';
import { detectParameters, type WorkflowParameters } from '../../electron/workflows/detect.js';
import type { ParameterName } from '../../electron/workflows/placeholders.js';
import { bundledGraph, fixture, realObjectInfo } from './helpers.js';

/** "node.input" of every target of one parameter, sorted, for compact expectations. */
function where(parameters: WorkflowParameters, name: ParameterName): string[] {
  return (parameters.targets[name] ?? []).map((target) => `${target.nodeId}.${target.input}`).sort();
}

function summary(parameters: WorkflowParameters) {
  const names: ParameterName[] = [
    'prompt',
    'negative_prompt',
    'width',
    'height',
    'seed',
    'steps',
    'cfg',
    'denoise',
  ];
  return Object.fromEntries(names.map((name) => [name, where(parameters, name)]));
}

const objectInfo = realObjectInfo();

describe('detectParameters on real-world API exports', () => {
  // Each case runs twice: by input names alone (the library has no backend) and with the real /object_info.
  const modes = [
    ['by input names', undefined],
    ['with object_info', objectInfo],
  ] as const;

  describe.each(modes)('%s', (_mode, info) => {
    it('SD1.5 default graph: encoders, latent, sampler values and the SaveImage', () => {
      const parameters = detectParameters(fixture('sd15-default'), info);
      expect(summary(parameters)).toEqual({
        prompt: ['6.text'],
        negative_prompt: ['7.text'],
        width: ['5.width'],
        height: ['5.height'],
        seed: ['3.seed'],
        steps: ['3.steps'],
        cfg: ['3.cfg'],
        denoise: ['3.denoise'],
      });
      expect(parameters.outputNodeIds).toEqual(['9']);
      expect(parameters.notes).toEqual([]);
      expect(parameters.targets.prompt?.[0]).toEqual({
        nodeId: '6',
        classType: 'CLIPTextEncode',
        input: 'text',
        source: 'detected',
        mode: 'replace',
      });
    });

    it('SDXL base + refiner: both samplers’ encoders, one latent, the saved output over the preview', () => {
      const parameters = detectParameters(fixture('sdxl-base-refiner'), info);
      expect(summary(parameters)).toEqual({
        prompt: ['15.text', '6.text'],
        negative_prompt: ['16.text', '7.text'],
        width: ['5.width'],
        height: ['5.height'],
        seed: ['10.noise_seed', '11.noise_seed'],
        steps: ['10.steps', '11.steps'],
        cfg: ['10.cfg', '11.cfg'],
        denoise: [],
      });
      expect(parameters.outputNodeIds).toEqual(['19']);
    });

    it('Flux dev with RandomNoise / BasicGuider / FluxGuidance / ModelSamplingFlux', () => {
      const parameters = detectParameters(fixture('flux-dev-custom-sampler'), info);
      expect(summary(parameters)).toEqual({
        prompt: ['6.text'],
        negative_prompt: [],
        width: ['27.width', '30.width'],
        height: ['27.height', '30.height'],
        seed: ['25.noise_seed'],
        steps: ['17.steps'],
        cfg: [],
        denoise: ['17.denoise'],
      });
      expect(parameters.notes).toEqual([
        'This workflow has no negative conditioning; negative_prompt is ignored.',
      ]);
    });

    it('SD3.5 with TripleCLIPLoader: every text of CLIPTextEncodeSD3, the negative through Combine/TimestepRange', () => {
      const parameters = detectParameters(fixture('sd35-triple-clip'), info);
      expect(summary(parameters)).toEqual({
        prompt: ['16.clip_g', '16.clip_l', '16.t5xxl'],
        negative_prompt: ['71.text'],
        width: ['135.width'],
        height: ['135.height'],
        seed: ['3.seed'],
        steps: ['3.steps'],
        cfg: ['3.cfg'],
        denoise: ['3.denoise'],
      });
    });

    it('LoRA + ControlNetApplyAdvanced: output 0 leads to the positive, output 1 to the negative', () => {
      const parameters = detectParameters(fixture('sdxl-lora-controlnet'), info);
      expect(where(parameters, 'prompt')).toEqual(['4.text']);
      expect(where(parameters, 'negative_prompt')).toEqual(['5.text']);
      expect(where(parameters, 'width')).toEqual(['9.width']);
      expect(where(parameters, 'seed')).toEqual(['10.seed']);
    });
  });
});

describe('detectParameters with placeholders', () => {
  it('uses the bundled workflows’ placeholders, replacing whole values', () => {
    const parameters = detectParameters(bundledGraph('sd15'));
    expect(summary(parameters)).toEqual({
      prompt: ['6.text'],
      negative_prompt: ['7.text'],
      width: ['5.width'],
      height: ['5.height'],
      seed: ['3.seed'],
      steps: ['3.steps'],
      cfg: ['3.cfg'],
      denoise: ['3.denoise'],
    });
    expect(parameters.targets.seed).toEqual([
      { nodeId: '3', classType: 'KSampler', input: 'seed', source: 'placeholder', mode: 'replace' },
    ]);
    expect(parameters.targets.steps?.[0]?.source).toBe('detected');
  });

  it('lets a placeholder win for its parameter only; the rest is still detected', () => {
    const graph = fixture('sd15-default');
    (graph['6'] as { inputs: Record<string, unknown> }).inputs.text = '{{prompt}}, highly detailed';
    const parameters = detectParameters(graph);
    expect(parameters.targets.prompt).toEqual([
      { nodeId: '6', classType: 'CLIPTextEncode', input: 'text', source: 'placeholder', mode: 'interpolate' },
    ]);
    expect(parameters.targets.width?.[0]?.source).toBe('detected');
    expect(where(parameters, 'negative_prompt')).toEqual(['7.text']);
  });

  it('notes an unknown placeholder name (a likely typo)', () => {
    const graph = fixture('sd15-default');
    (graph['6'] as { inputs: Record<string, unknown> }).inputs.text = '{{promt}}';
    const parameters = detectParameters(graph);
    expect(parameters.notes).toEqual([
      'Unknown placeholder {{promt}} is left as it is; known names: prompt, negative_prompt, width, height, seed, steps, cfg, denoise, input_image, mask_image, scale, extend_left, extend_right, extend_top, extend_bottom.',
    ]);
    expect(where(parameters, 'prompt')).toEqual(['6.text']);
  });

  it('says nothing about a sampler for a model-free graph fully marked with placeholders', () => {
    const parameters = detectParameters(bundledGraph('test-pattern'));
    expect(summary(parameters)).toMatchObject({
      width: ['1.width'],
      height: ['1.height'],
      seed: ['1.color'],
    });
    expect(parameters.notes).toEqual([]);
    expect(parameters.outputNodeIds).toEqual(['2']);
  });
});

describe('detectParameters edge cases', () => {
  it('follows a prompt and a seed held in primitive nodes', () => {
    const graph: ApiGraph = {
      ...fixture('sd15-default'),
      p: { class_type: 'PrimitiveStringMultiline', inputs: { value: 'a fox' } },
      s: { class_type: 'PrimitiveInt', inputs: { value: 7 } },
    };
    (graph['6'] as { inputs: Record<string, unknown> }).inputs.text = ['p', 0];
    (graph['3'] as { inputs: Record<string, unknown> }).inputs.seed = ['s', 0];
    for (const info of [undefined, objectInfo]) {
      const parameters = detectParameters(graph, info);
      expect(where(parameters, 'prompt')).toEqual(['p.value']);
      expect(where(parameters, 'seed')).toEqual(['s.value']);
    }
  });

  it('writes only the prompt into an encoder that feeds both positive and negative, and says so', () => {
    const graph = fixture('sd15-default');
    (graph['3'] as { inputs: Record<string, unknown> }).inputs.negative = ['6', 0];
    delete graph['7'];
    const parameters = detectParameters(graph);
    expect(where(parameters, 'prompt')).toEqual(['6.text']);
    expect(where(parameters, 'negative_prompt')).toEqual([]);
    expect(parameters.notes).toEqual([
      'node 6 (CLIPTextEncode "CLIP Text Encode (Prompt)") feeds both the positive and the negative conditioning; the prompt is written there and negative_prompt is not.',
    ]);
  });

  it('recognises a zeroed-out negative as ignoring negative_prompt', () => {
    const graph = fixture('sd15-default');
    graph.z = { class_type: 'ConditioningZeroOut', inputs: { conditioning: ['6', 0] } };
    (graph['3'] as { inputs: Record<string, unknown> }).inputs.negative = ['z', 0];
    delete graph['7'];
    const parameters = detectParameters(graph);
    expect(where(parameters, 'negative_prompt')).toEqual([]);
    expect(where(parameters, 'prompt')).toEqual(['6.text']);
    expect(parameters.notes).toEqual([
      'The negative conditioning is zeroed out (ConditioningZeroOut); negative_prompt is ignored.',
    ]);
  });

  it('finds the generating latent, not a LatentUpscale, in a hires-fix graph', () => {
    const graph: ApiGraph = {
      ...fixture('sd15-default'),
      up: {
        class_type: 'LatentUpscale',
        inputs: {
          samples: ['3', 0],
          upscale_method: 'nearest-exact',
          width: 1024,
          height: 1024,
          crop: 'disabled',
        },
      },
      k2: {
        class_type: 'KSampler',
        inputs: {
          seed: 1,
          steps: 10,
          cfg: 8,
          sampler_name: 'euler',
          scheduler: 'normal',
          denoise: 0.5,
          model: ['4', 0],
          positive: ['6', 0],
          negative: ['7', 0],
          latent_image: ['up', 0],
        },
      },
    };
    (graph['8'] as { inputs: Record<string, unknown> }).inputs.samples = ['k2', 0];
    const parameters = detectParameters(graph);
    expect(where(parameters, 'width')).toEqual(['5.width']);
    expect(where(parameters, 'seed')).toEqual(['3.seed', 'k2.seed']);
  });

  it('reports a text-to-image graph without a sampler or size node', () => {
    const graph: ApiGraph = {
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
    };
    const parameters = detectParameters(graph);
    expect(parameters.targets).toEqual({});
    expect(parameters.notes).toEqual([
      'No sampler (KSampler, SamplerCustomAdvanced, …) found, so nothing was detected automatically; mark inputs with placeholders such as {{prompt}}, {{width}}, {{height}} and {{seed}}.',
    ]);
  });

  it('finds image output nodes by class, object_info or name, and ignores non-image outputs', () => {
    const graph: ApiGraph = {
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
      '2': { class_type: 'SaveImageWebsocket', inputs: { images: ['1', 0] } },
      '3': { class_type: 'Image Save (WAS)', inputs: { images: ['1', 0] } },
      '4': { class_type: 'SaveAnimatedWEBP', inputs: { images: ['1', 0], filename_prefix: 'x', fps: 6 } },
      '5': { class_type: 'PreviewAny', inputs: { source: ['1', 0] } },
      '6': { class_type: 'VAEEncode', inputs: { pixels: ['1', 0], vae: ['7', 0] } },
      '7': { class_type: 'VAELoader', inputs: { vae_name: 'ae.safetensors' } },
      '8': { class_type: 'SaveLatent', inputs: { samples: ['6', 0], filename_prefix: 'x' } },
    };
    expect(detectParameters(graph).outputNodeIds).toEqual(['2', '3', '4']);
    expect(detectParameters(graph, objectInfo).outputNodeIds).toEqual(['2', '3', '4']);
  });

  it('falls back to previews only when nothing saves', () => {
    const graph: ApiGraph = {
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
      '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
    };
    expect(detectParameters(graph).outputNodeIds).toEqual(['2']);
  });
});
