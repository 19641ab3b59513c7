// One file: bindWorkflow's one contract, on the bundled and real-world graphs the helpers at the top load.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { ApiGraph } from '../../electron/comfy/types.js';
import {
  bindWorkflow,
  MAX_SEED,
  randomSeed,
  resolveRequestedSize,
  WorkflowBindingError,
} from '../../electron/workflows/bind.js';
import { parseWorkflowMeta } from '../../electron/workflows/meta.js';
import { describeWorkflow, type Workflow } from '../../electron/workflows/workflow.js';
import { bundledDir, bundledGenerateIds, bundledGraph, fixture, readJson } from './helpers.js';

function bundled(id: string): Workflow {
  const meta = parseWorkflowMeta(readJson(join(bundledDir, `${id}.meta.json`)), `${id}.meta.json`);
  return describeWorkflow(id, bundledGraph(id), meta);
}

function input(graph: ApiGraph, nodeId: string, name: string): unknown {
  return graph[nodeId]?.inputs[name];
}

// The edit workflows are bound in bundled-edit.test.ts, with a source image, a mask and the rest.
describe('bindWorkflow on every bundled text-to-image workflow', () => {
  it.each(bundledGenerateIds)(
    '%s: fills every placeholder with typed values and leaves the library graph alone',
    (id) => {
      const workflow = bundled(id);
      const before = structuredClone(workflow.graph);
      const bound = bindWorkflow(workflow, {
        prompt: 'a red fox in the snow',
        negative_prompt: 'blurry',
        width: 800,
        height: 600,
        seed: 123456789,
      });
      expect(workflow.graph).toEqual(before);
      expect(JSON.stringify(bound.graph)).not.toContain('{{');
      expect(bound.seed).toBe(123456789);
      expect(bound.requestedSize).toEqual({ width: 800, height: 600 });
      expect(bound.outputNodeIds).toEqual(workflow.parameters.outputNodeIds);
      expect(bound.outputNodeIds.length).toBeGreaterThan(0);

      const { targets } = workflow.parameters;
      for (const target of targets.prompt ?? []) {
        expect(input(bound.graph, target.nodeId, target.input)).toBe('a red fox in the snow');
      }
      for (const target of targets.negative_prompt ?? []) {
        expect(input(bound.graph, target.nodeId, target.input)).toBe('blurry');
      }
      const size = bound.generationSize;
      expect(size).toBeDefined();
      for (const target of targets.width ?? [])
        expect(input(bound.graph, target.nodeId, target.input)).toBe(size?.width);
      for (const target of targets.height ?? [])
        expect(input(bound.graph, target.nodeId, target.input)).toBe(size?.height);
      for (const target of targets.seed ?? [])
        expect(typeof input(bound.graph, target.nodeId, target.input)).toBe('number');
    },
  );

  it('sd15: generates 640×480 as is (near 512², a multiple of 8), 800×600 nearer 512²', () => {
    const bound = bindWorkflow(bundled('sd15'), { prompt: 'p', width: 640, height: 480, seed: 42 });
    expect(bound.generationSize).toEqual({ width: 640, height: 480 });
    expect(input(bound.graph, '3', 'seed')).toBe(42);
    expect(input(bound.graph, '5', 'width')).toBe(640);
    const larger = bindWorkflow(bundled('sd15'), { prompt: 'p', width: 800, height: 600, seed: 42 });
    expect(larger.generationSize).toEqual({ width: 592, height: 440 });
  });

  it('sd15: a missing negative prompt becomes an empty string', () => {
    const bound = bindWorkflow(bundled('sd15'), { prompt: 'p', seed: 1 });
    expect(input(bound.graph, '7', 'text')).toBe('');
    expect(input(bound.graph, '6', 'text')).toBe('p');
  });

  it('flux-schnell: a 1920×1080 request is generated at about one megapixel in multiples of 16', () => {
    const bound = bindWorkflow(bundled('flux-schnell'), { prompt: 'p', width: 1920, height: 1080, seed: 1 });
    expect(bound.requestedSize).toEqual({ width: 1920, height: 1080 });
    expect(bound.generationSize).toEqual({ width: 1360, height: 768 });
    expect(input(bound.graph, '27', 'width')).toBe(1360);
    expect(input(bound.graph, '27', 'height')).toBe(768);
  });

  it('sdxl-turbo: the seed goes to SamplerCustom.noise_seed; no size given means the native 512×512', () => {
    const bound = bindWorkflow(bundled('sdxl-turbo'), { prompt: 'p', seed: 5 });
    expect(input(bound.graph, '13', 'noise_seed')).toBe(5);
    expect(bound.requestedSize).toEqual({ width: 512, height: 512 });
    expect(bound.generationSize).toEqual({ width: 512, height: 512 });
  });

  it('test-pattern: exact size, and a colour derived from the seed within EmptyImage’s range', () => {
    const workflow = bundled('test-pattern');
    const bound = bindWorkflow(workflow, { prompt: '', width: 301, height: 199, seed: 2 ** 40 + 0xff0000 });
    expect(bound.generationSize).toEqual({ width: 301, height: 199 });
    expect(input(bound.graph, '1', 'color')).toBe(0xff0000);
    expect(bound.seed).toBe(2 ** 40 + 0xff0000);
  });
});

describe('bindWorkflow on real-world graphs (detected parameters)', () => {
  it('SD1.5 default: prompt and seed written; the author’s negative kept unless the request brings one', () => {
    const workflow = describeWorkflow('sd15-default', fixture('sd15-default'));
    const kept = bindWorkflow(workflow, { prompt: 'a lighthouse', seed: 9 });
    expect(input(kept.graph, '6', 'text')).toBe('a lighthouse');
    expect(input(kept.graph, '7', 'text')).toBe('text, watermark');
    expect(input(kept.graph, '3', 'seed')).toBe(9);
    const replaced = bindWorkflow(workflow, { prompt: 'a lighthouse', negative_prompt: 'people', seed: 9 });
    expect(input(replaced.graph, '7', 'text')).toBe('people');
  });

  it('SD1.5 default: size rules come from its latent (multiple 8, native 512×512)', () => {
    const workflow = describeWorkflow('sd15-default', fixture('sd15-default'));
    expect(workflow.sizeRules).toEqual({
      multiple: 8,
      minSide: 64,
      maxSide: 4096,
      native: { width: 512, height: 512 },
    });
    const bound = bindWorkflow(workflow, { prompt: 'p', width: 1024, height: 1024, seed: 1 });
    expect(bound.generationSize).toEqual({ width: 512, height: 512 });
    expect(input(bound.graph, '5', 'width')).toBe(512);
  });

  it('SDXL base + refiner: both prompts, both negatives and both seeds', () => {
    const bound = bindWorkflow(describeWorkflow('r', fixture('sdxl-base-refiner')), {
      prompt: 'a castle',
      negative_prompt: 'fog',
      seed: 77,
      steps: 30,
    });
    expect([input(bound.graph, '6', 'text'), input(bound.graph, '15', 'text')]).toEqual([
      'a castle',
      'a castle',
    ]);
    expect([input(bound.graph, '7', 'text'), input(bound.graph, '16', 'text')]).toEqual(['fog', 'fog']);
    expect([input(bound.graph, '10', 'noise_seed'), input(bound.graph, '11', 'noise_seed')]).toEqual([
      77, 77,
    ]);
    expect([input(bound.graph, '10', 'steps'), input(bound.graph, '11', 'steps')]).toEqual([30, 30]);
    expect(bound.outputNodeIds).toEqual(['19']);
  });

  it('Flux dev: the latent and ModelSamplingFlux get the same size; RandomNoise gets the seed', () => {
    const workflow = describeWorkflow('f', fixture('flux-dev-custom-sampler'));
    expect(workflow.sizeRules.multiple).toBe(16);
    const bound = bindWorkflow(workflow, { prompt: 'p', width: 1216, height: 832, seed: 3 });
    expect(bound.generationSize).toEqual({ width: 1216, height: 832 });
    for (const id of ['27', '30']) {
      expect([input(bound.graph, id, 'width'), input(bound.graph, id, 'height')]).toEqual([1216, 832]);
    }
    expect(input(bound.graph, '25', 'noise_seed')).toBe(3);
    expect(input(bound.graph, '17', 'steps')).toBe(20);
  });

  it('SD3.5: every text of CLIPTextEncodeSD3 gets the prompt; its combo input is left alone', () => {
    const bound = bindWorkflow(describeWorkflow('s', fixture('sd35-triple-clip')), { prompt: 'p', seed: 1 });
    expect(input(bound.graph, '16', 'clip_l')).toBe('p');
    expect(input(bound.graph, '16', 'clip_g')).toBe('p');
    expect(input(bound.graph, '16', 't5xxl')).toBe('p');
    expect(input(bound.graph, '16', 'empty_padding')).toBe('none');
  });

  it('LoRA + ControlNet: the prompt and negative land on the right encoders', () => {
    const bound = bindWorkflow(describeWorkflow('l', fixture('sdxl-lora-controlnet')), {
      prompt: 'pos',
      negative_prompt: 'neg',
      seed: 1,
    });
    expect(input(bound.graph, '4', 'text')).toBe('pos');
    expect(input(bound.graph, '5', 'text')).toBe('neg');
    expect(input(bound.graph, '7', 'image')).toBe('castle-edges.png');
  });
});

describe('bindWorkflow placeholders and values', () => {
  function withInputs(patch: Record<string, Record<string, unknown>>): ApiGraph {
    const graph = fixture('sd15-default');
    for (const [id, inputs] of Object.entries(patch))
      Object.assign((graph[id] as { inputs: object }).inputs, inputs);
    return graph;
  }

  it('interpolates placeholders inside longer strings and keeps unknown ones', () => {
    const graph = withInputs({
      '6': { text: '{{prompt}}, by {{artist}}, {{width}}px' },
      '9': { filename_prefix: 'run-{{seed}}' },
    });
    const bound = bindWorkflow(describeWorkflow('x', graph), {
      prompt: 'a fox',
      width: 512,
      height: 512,
      seed: 8,
    });
    expect(input(bound.graph, '6', 'text')).toBe('a fox, by {{artist}}, 512px');
    expect(input(bound.graph, '9', 'filename_prefix')).toBe('run-8');
  });

  it('uses the injected random seed when none is given, and reports it', () => {
    const bound = bindWorkflow(
      describeWorkflow('x', fixture('sd15-default')),
      { prompt: 'p' },
      { randomSeed: () => 31337 },
    );
    expect(bound.seed).toBe(31337);
    expect(input(bound.graph, '3', 'seed')).toBe(31337);
  });

  it('draws random seeds as whole numbers in range', () => {
    for (let i = 0; i < 50; i++) {
      const seed = randomSeed();
      expect(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED).toBe(true);
    }
  });

  it.each([
    [{ seed: -1 }, 'seed must be a whole number from 0 to 9007199254740991 (got -1)'],
    [{ seed: 2 ** 53 }, 'seed must be a whole number from 0 to 9007199254740991 (got 9007199254740992)'],
    [{ seed: 1.5 }, 'seed must be a whole number from 0 to 9007199254740991 (got 1.5)'],
    [{ width: 0 }, 'width must be a whole number from 1 to 16384 (got 0)'],
    [{ height: 20000 }, 'height must be a whole number from 1 to 16384 (got 20000)'],
    [{ cfg: Number.NaN }, 'cfg must be a number from 0 to 100 (got NaN)'],
    [{ denoise: 1.5 }, 'denoise must be a number from 0 to 1 (got 1.5)'],
  ])('refuses %o', (params, message) => {
    const workflow = describeWorkflow('x', fixture('sd15-default'));
    expect(() => bindWorkflow(workflow, { prompt: 'p', ...params })).toThrow(
      new WorkflowBindingError(message),
    );
  });

  it('sets steps/cfg/denoise on detected inputs only when asked', () => {
    const workflow = describeWorkflow('x', fixture('sd15-default'));
    const untouched = bindWorkflow(workflow, { prompt: 'p', seed: 1 });
    expect([input(untouched.graph, '3', 'steps'), input(untouched.graph, '3', 'cfg')]).toEqual([20, 8]);
    const set = bindWorkflow(workflow, { prompt: 'p', seed: 1, steps: 8, cfg: 2.5, denoise: 0.6 });
    expect([
      input(set.graph, '3', 'steps'),
      input(set.graph, '3', 'cfg'),
      input(set.graph, '3', 'denoise'),
    ]).toEqual([8, 2.5, 0.6]);
  });

  it('needs a value or a sidecar default for a {{steps}} placeholder', () => {
    const graph = withInputs({ '3': { steps: '{{steps}}' } });
    expect(() => bindWorkflow(describeWorkflow('mine', graph), { prompt: 'p', seed: 1 })).toThrow(
      'workflow "mine" uses {{steps}} but the request gives no steps; pass steps or set defaults.steps in mine.meta.json',
    );
    const meta = parseWorkflowMeta(
      { title: 'Mine', family: 'sd15', defaults: { steps: 12 } },
      'mine.meta.json',
    );
    const withDefault = bindWorkflow(describeWorkflow('mine', graph, meta), { prompt: 'p', seed: 1 });
    expect(input(withDefault.graph, '3', 'steps')).toBe(12);
    const asked = bindWorkflow(describeWorkflow('mine', graph, meta), { prompt: 'p', seed: 1, steps: 3 });
    expect(input(asked.graph, '3', 'steps')).toBe(3);
  });

  it('needs an input image for an {{input_image}} placeholder', () => {
    const graph: ApiGraph = {
      '1': { class_type: 'LoadImage', inputs: { image: '{{input_image}}' } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
    };
    const workflow = describeWorkflow('img', graph);
    expect(() => bindWorkflow(workflow, { prompt: 'p' })).toThrow(
      /uses \{\{input_image\}\} but the request gives no input_image/,
    );
    const bound = bindWorkflow(workflow, { prompt: 'p', input_image: 'upload/cat.png' });
    expect(input(bound.graph, '1', 'image')).toBe('upload/cat.png');
    expect(bound.generationSize).toBeUndefined();
  });

  it('writes the outpaint padding into {{extend_*}} as numbers, and refuses a negative one', () => {
    const graph: ApiGraph = {
      '1': { class_type: 'LoadImage', inputs: { image: '{{input_image}}' } },
      '2': {
        class_type: 'ImagePadForOutpaint',
        inputs: {
          image: ['1', 0],
          left: '{{extend_left}}',
          top: '{{extend_top}}',
          right: '{{extend_right}}',
          bottom: '{{extend_bottom}}',
          feathering: 0,
        },
      },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
    };
    const workflow = describeWorkflow('pad', graph);
    const extend = { left: 64, right: 0, top: 8, bottom: 16 };
    const bound = bindWorkflow(workflow, { prompt: 'p', input_image: 'a.png', extend });
    expect(bound.graph['2']?.inputs).toMatchObject({ left: 64, right: 0, top: 8, bottom: 16 });
    expect(() => bindWorkflow(workflow, { prompt: 'p', input_image: 'a.png' })).toThrow(
      /uses \{\{extend_left\}\} but the request gives no extend_left/,
    );
    expect(() =>
      bindWorkflow(workflow, { prompt: 'p', input_image: 'a.png', extend: { ...extend, top: -1 } }),
    ).toThrow(/extend\.top must be a whole number from 0/);
  });
});

describe('resolveRequestedSize', () => {
  const rules = { multiple: 8, minSide: 256, maxSide: 2048, native: { width: 1216, height: 832 } };

  it('completes a missing side from the native aspect ratio', () => {
    expect(resolveRequestedSize({ width: 608 }, rules)).toEqual({ width: 608, height: 416 });
    expect(resolveRequestedSize({ height: 416 }, rules)).toEqual({ width: 608, height: 416 });
  });

  it('uses the native size, or 512 square without one, when no size is given', () => {
    expect(resolveRequestedSize({}, rules)).toEqual({ width: 1216, height: 832 });
    expect(resolveRequestedSize({}, { multiple: 1, minSide: 1, maxSide: 4096 })).toEqual({
      width: 512,
      height: 512,
    });
  });
});
