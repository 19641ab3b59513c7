import { describe, expect, it } from 'vitest';
import type { ApiGraph } from '../../electron/comfy/types.js';
import { bindWorkflow } from '../../electron/workflows/bind.js';
import { detectParameters, type WorkflowParameters } from '../../electron/workflows/detect.js';
import { detectModes } from '../../electron/workflows/modes.js';
import type { ParameterName } from '../../electron/workflows/placeholders.js';
import { describeWorkflow } from '../../electron/workflows/workflow.js';
import { fixture, realObjectInfo } from './helpers.js';

const EDIT_INPUTS: ParameterName[] = [
  'input_image',
  'mask_image',
  'denoise',
  'scale',
  'width',
  'height',
  'extend_left',
  'extend_right',
  'extend_top',
  'extend_bottom',
];

/** "node.input" of each edit parameter's detected targets, for compact expectations. */
function editTargets(parameters: WorkflowParameters): Partial<Record<ParameterName, string[]>> {
  const result: Partial<Record<ParameterName, string[]>> = {};
  for (const name of EDIT_INPUTS) {
    const targets = parameters.targets[name];
    if (targets) result[name] = targets.map((target) => `${target.nodeId}.${target.input}`);
  }
  return result;
}

const NO_LATENT_SIZE =
  'No latent size node (EmptyLatentImage or similar) found; the requested size is reached only by resizing the result.';

describe('edit detection in unmarked real-world graphs', () => {
  // As with text-to-image detection, by input names alone and with the real /object_info.
  describe.each([
    ['by input names', undefined],
    ['with object_info', realObjectInfo()],
  ] as const)('%s', (_how, objectInfo) => {
    it("ComfyUI's img2img example: LoadImage → VAEEncode → KSampler is restyle; the source and denoise are found", () => {
      const graph = fixture('edit-sd15-img2img');
      const parameters = detectParameters(graph, objectInfo);
      expect(editTargets(parameters)).toEqual({ input_image: ['10.image'], denoise: ['3.denoise'] });
      expect(parameters.targets.prompt?.map((target) => target.nodeId)).toEqual(['6']);
      expect(parameters.notes).toEqual([NO_LATENT_SIZE]);
      expect(detectModes(graph)).toEqual(['restyle']);
    });

    it('an SDXL inpaint graph with its mask as its own image (LoadImageMask, red) is inpaint', () => {
      const graph = fixture('edit-sdxl-inpaint-mask');
      expect(editTargets(detectParameters(graph, objectInfo))).toEqual({
        input_image: ['11.image'],
        mask_image: ['12.image'],
        denoise: ['3.denoise'],
      });
      expect(detectModes(graph)).toEqual(['inpaint']);
    });

    it("ComfyUI's outpaint example: ImagePadForOutpaint's sides take extend_*, and it is outpaint, not inpaint", () => {
      const graph = fixture('edit-outpaint');
      expect(editTargets(detectParameters(graph, objectInfo))).toEqual({
        input_image: ['20.image'],
        denoise: ['3.denoise'],
        extend_left: ['30.left'],
        extend_right: ['30.right'],
        extend_top: ['30.top'],
        extend_bottom: ['30.bottom'],
      });
      expect(detectModes(graph)).toEqual(['outpaint']);
    });

    it('an upscale-model graph is upscale, with no sampler note; ImageScaleBy after the model is not the factor', () => {
      const graph = fixture('edit-upscale-model');
      const parameters = detectParameters(graph, objectInfo);
      expect(editTargets(parameters)).toEqual({ input_image: ['1.image'] });
      expect(parameters.notes).toEqual([]);
      expect(parameters.outputNodeIds).toEqual(['5']);
      expect(detectModes(graph)).toEqual(['upscale']);
    });

    it('a plain resize is upscale: ImageScale feeding the output takes the exact size', () => {
      const graph = fixture('edit-resize');
      expect(editTargets(detectParameters(graph, objectInfo))).toEqual({
        input_image: ['1.image'],
        width: ['2.width'],
        height: ['2.height'],
      });
      expect(detectModes(graph)).toEqual(['upscale']);
    });

    it("ComfyUI-RMBG's example is remove_background; the saved cut-out is the result, not the mask preview", () => {
      const graph = fixture('edit-rmbg');
      const parameters = detectParameters(graph, objectInfo);
      expect(editTargets(parameters)).toEqual({ input_image: ['1.image'] });
      expect(parameters.outputNodeIds).toEqual(['3']);
      expect(parameters.notes).toEqual([]);
      expect(detectModes(graph)).toEqual(['remove_background']);
    });

    it('img2img with a ControlNet: the pose picture is a reference, the image VAEEncode takes is the source', () => {
      const graph = fixture('edit-controlnet-img2img');
      expect(editTargets(detectParameters(graph, objectInfo)).input_image).toEqual(['10.image']);
      expect(detectModes(graph)).toEqual(['restyle']);
    });
  });

  it('a graph ending in ImageScale delivers any requested size exactly (multiple 1, no native size)', () => {
    const workflow = describeWorkflow('resize', fixture('edit-resize'));
    expect(workflow.sizeRules).toEqual({ multiple: 1, minSide: 1, maxSide: 4096 });
    const bound = bindWorkflow(workflow, { prompt: '', width: 2050, height: 1533, input_image: 'in.png' });
    expect(bound.graph['2']?.inputs).toMatchObject({ width: 2050, height: 1533 });
  });

  it('ImageScaleBy on the source is the upscale factor', () => {
    const graph: ApiGraph = {
      '1': { class_type: 'LoadImage', inputs: { image: 'in.png' } },
      '2': {
        class_type: 'ImageScaleBy',
        inputs: { image: ['1', 0], upscale_method: 'lanczos', scale_by: 2 },
      },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
    };
    const workflow = describeWorkflow('double', graph);
    expect(editTargets(workflow.parameters)).toEqual({ input_image: ['1.image'], scale: ['2.scale_by'] });
    expect(workflow.modes).toEqual(['upscale']);
    expect(bindWorkflow(workflow, { prompt: '', scale: 4, input_image: 'up.png' }).graph).toMatchObject({
      '1': { inputs: { image: 'up.png' } },
      '2': { inputs: { scale_by: 4 } },
    });
  });

  it('an ImageScale right before the encoder sets the size the model samples at', () => {
    const graph = fixture('edit-sd15-img2img');
    graph['13'] = {
      class_type: 'ImageScale',
      inputs: { image: ['10', 0], upscale_method: 'lanczos', width: 768, height: 512, crop: 'center' },
    };
    (graph['12'] as { inputs: Record<string, unknown> }).inputs.pixels = ['13', 0];
    const workflow = describeWorkflow('scaled-img2img', graph);
    expect(editTargets(workflow.parameters)).toMatchObject({ width: ['13.width'], height: ['13.height'] });
    expect(workflow.parameters.notes).toEqual([]);
    // Its own size is the native one; the request is planned in multiples of 16 (safe for any VAE).
    expect(workflow.sizeRules).toMatchObject({ multiple: 16, native: { width: 768, height: 512 } });
    expect(
      bindWorkflow(workflow, { prompt: 'p', width: 900, height: 600 }).graph['13']?.inputs,
    ).toMatchObject({ width: 896, height: 608 });
  });

  it('binds a detected inpaint graph: source, mask and strength land where the graph reads them', () => {
    const workflow = describeWorkflow('mine', fixture('edit-sdxl-inpaint-mask'));
    const bound = bindWorkflow(workflow, {
      prompt: 'a green sofa',
      seed: 3,
      denoise: 0.7,
      input_image: 'bridge-src.png',
      mask_image: 'bridge-mask.png',
    });
    expect(bound.graph['11']?.inputs.image).toBe('bridge-src.png');
    expect(bound.graph['12']?.inputs.image).toBe('bridge-mask.png');
    expect(bound.graph['3']?.inputs.denoise).toBe(0.7);
    expect(bound.graph['6']?.inputs.text).toBe('a green sofa');
  });

  it('an input marked for one parameter is never detected as another: a cut-out reading its mask from the source', () => {
    // The model-free cut-out: LoadImageMask reads the source's red channel through {{input_image}}. A request that
    // also carries a mask (a batch of mixed edits, the edit-workflow suite) must not replace that with the mask:
    // on a real ComfyUI that made every pixel transparent.
    const graph: ApiGraph = {
      '1': { class_type: 'LoadImage', inputs: { image: '{{input_image}}' } },
      '2': { class_type: 'LoadImageMask', inputs: { image: '{{input_image}}', channel: 'red' } },
      '3': { class_type: 'JoinImageWithAlpha', inputs: { image: ['1', 0], alpha: ['2', 0] } },
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'x' } },
    };
    const workflow = describeWorkflow('cutout', graph);
    expect(editTargets(workflow.parameters)).toEqual({ input_image: ['1.image', '2.image'] });
    const bound = bindWorkflow(workflow, { prompt: '', input_image: 'src.png', mask_image: 'mask.png' });
    expect(bound.graph['2']?.inputs.image).toBe('src.png');
  });
});

describe('edit detection: what it cannot tell, it says', () => {
  it("a mask painted into the source's alpha (ComfyUI's inpaint example) serves no mode, saying what to add", () => {
    const workflow = describeWorkflow('alpha', fixture('edit-sd15-inpaint-alpha'));
    expect(workflow.modes).toEqual([]);
    expect(editTargets(workflow.parameters)).toEqual({ input_image: ['20.image'], denoise: ['3.denoise'] });
    expect(workflow.parameters.notes).toEqual([
      NO_LATENT_SIZE,
      'The mask comes from the source\'s alpha channel (node 20 (LoadImage "Load Image"), MASK output), where ' +
        "ComfyUI's mask editor paints it; edit_image sends its mask as a separate image, so add a LoadImageMask " +
        '(channel red) with {{mask_image}} and take the mask from it.',
      'This workflow reads a source image but serves no mode: it inpaints, but has no LoadImageMask (channel red) ' +
        'to take the mask. Name its modes in a sidecar (<id>.meta.json, "modes": ["restyle"] for example).',
    ]);
  });

  it('a LoadImageMask on the alpha channel does not take the mask, and says to read red', () => {
    const workflow = describeWorkflow('alpha-mask', fixture('edit-inpaint-alpha-channel-mask'));
    expect(workflow.parameters.targets.mask_image).toBeUndefined();
    expect(workflow.parameters.notes).toContain(
      'node 21 (LoadImageMask "Load Image (as Mask)") reads the mask from the alpha channel, but edit_image\'s ' +
        'masks are white = change in a plain image; set its channel to red.',
    );
    expect(workflow.modes).toEqual([]);
  });

  it('two candidate sources: neither is guessed and no mode is served, until one is marked {{input_image}}', () => {
    const graph = fixture('edit-two-sources');
    const unmarked = describeWorkflow('two', graph);
    expect(unmarked.parameters.targets.input_image).toBeUndefined();
    expect(unmarked.modes).toEqual([]);
    expect(unmarked.parameters.notes).toEqual([
      NO_LATENT_SIZE,
      'Several LoadImage nodes read an image (node 10 (LoadImage "Load Image"), node 11 (LoadImage "Load Image")) ' +
        'and it is unclear which is the source to edit; mark its image input with {{input_image}}.',
      'This workflow reads images but serves no mode until it is clear which one is the source: mark it with ' +
        '{{input_image}}.',
    ]);

    const marked = structuredClone(graph);
    (marked['10'] as { inputs: Record<string, unknown> }).inputs.image = '{{input_image}}';
    const workflow = describeWorkflow('two-marked', marked);
    expect(workflow.modes).toEqual(['restyle']);
    expect(workflow.parameters.targets.input_image).toEqual([
      { nodeId: '10', classType: 'LoadImage', input: 'image', source: 'placeholder', mode: 'replace' },
    ]);
    expect(workflow.parameters.notes).toEqual([NO_LATENT_SIZE]);
  });

  it('signs of two edits: the more specific is taken, with a note', () => {
    const workflow = describeWorkflow('both', fixture('edit-cutout-then-restyle'));
    expect(workflow.modes).toEqual(['remove_background']);
    expect(workflow.parameters.notes).toContain(
      'This workflow looks like remove_background and restyle; it is taken as remove_background. Name its modes ' +
        'in a sidecar (<id>.meta.json) if it serves another.',
    );
  });

  it('a sidecar `modes` wins, and the graph’s own doubts are then not shown', () => {
    const meta = {
      title: 'Mine',
      description: '',
      family: 'sd15',
      modes: ['restyle' as const],
      models: [],
      defaults: {},
    };
    const workflow = describeWorkflow('both', fixture('edit-cutout-then-restyle'), meta);
    expect(workflow.modes).toEqual(['restyle']);
    expect(workflow.parameters.notes.some((note) => note.startsWith('This workflow looks like'))).toBe(false);
  });

  it('an image-reading graph doing no recognised edit serves no mode', () => {
    const graph: ApiGraph = {
      '1': { class_type: 'LoadImage', inputs: { image: 'in.png' } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
    };
    const workflow = describeWorkflow('invert', graph);
    expect(workflow.modes).toEqual([]);
    expect(editTargets(workflow.parameters)).toEqual({ input_image: ['1.image'] });
    expect(workflow.parameters.notes).toEqual([
      'This workflow reads a source image but serves no mode: it does none of the edits the bridge recognises. ' +
        'Name its modes in a sidecar (<id>.meta.json, "modes": ["restyle"] for example).',
    ]);
  });
});
