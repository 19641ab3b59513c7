import { describe, expect, it } from 'vitest';
import type { ApiGraph, ApiNode } from '../../electron/comfy/types.js';
import { bindWorkflow } from '../../electron/workflows/bind.js';
import { checkOnBackend } from '../../electron/workflows/default.js';
import type { ParameterName } from '../../electron/workflows/placeholders.js';
import { KNOWN_NODE_PACKS } from '../../electron/workflows/node-packs.js';
import { validateWorkflow } from '../../electron/workflows/validate.js';
import {
  bundledEditIds,
  bundledWorkflow,
  fixture,
  nodePackObjectInfo,
  realObjectInfo,
  withModels,
} from './helpers.js';

const bare = realObjectInfo();

/** Every model file each workflow's loaders ask for, "installed" in the real /object_info. */
function withModelsOf(id: string) {
  const models: Record<string, string[]> = {};
  for (const model of validateWorkflow(bundledWorkflow(id).graph, bare).missingModels)
    (models[`${model.classType}.${model.input}`] ??= []).push(model.value);
  return withModels(models);
}

function placeholders(id: string): ParameterName[] {
  const { targets } = bundledWorkflow(id).parameters;
  return (Object.keys(targets) as ParameterName[])
    .filter((name) => targets[name]?.every((target) => target.source === 'placeholder'))
    .sort();
}

function nodeOf(graph: ApiGraph, classType: string): [string, ApiNode] {
  const found = Object.entries(graph).filter(([, node]) => node.class_type === classType);
  expect(
    found.map(([id]) => id),
    classType,
  ).toHaveLength(1);
  return found[0] as [string, ApiNode];
}

const byMode = (mode: string) =>
  bundledEditIds.filter((id) => bundledWorkflow(id).modes.includes(mode as never));

describe('bundled edit workflows', () => {
  it('cover every edit mode on at least two model families or node packs', () => {
    for (const mode of ['restyle', 'inpaint', 'outpaint', 'upscale', 'remove_background']) {
      const families = new Set(byMode(mode).map((id) => bundledWorkflow(id).meta.family));
      expect(families.size, mode).toBeGreaterThanOrEqual(2);
    }
  });

  it('rank the workflows of each mode in a strict order, so the default per mode is never a tie', () => {
    for (const mode of ['restyle', 'inpaint', 'outpaint', 'upscale', 'remove_background']) {
      const ranks = byMode(mode).map((id) => bundledWorkflow(id).meta.defaultRank);
      expect(new Set(ranks).size, mode).toBe(ranks.length);
    }
  });

  it('mark exactly the inputs their mode takes with placeholders, with a default strength where they take one', () => {
    const sampled = ['prompt', 'seed', 'width', 'height', 'input_image'] as const;
    expect(Object.fromEntries(bundledEditIds.map((id) => [id, placeholders(id)]))).toEqual({
      'flux-fill-inpaint': [...sampled, 'denoise', 'mask_image'].sort(),
      'flux-fill-outpaint': [
        ...sampled,
        'denoise',
        'extend_bottom',
        'extend_left',
        'extend_right',
        'extend_top',
      ].sort(),
      'remove-background-birefnet': ['input_image'],
      'remove-background-inspyrenet': ['input_image'],
      'sdxl-inpaint': [...sampled, 'denoise', 'mask_image', 'negative_prompt'].sort(),
      'sdxl-outpaint': [
        ...sampled,
        'denoise',
        'extend_bottom',
        'extend_left',
        'extend_right',
        'extend_top',
        'negative_prompt',
      ].sort(),
      'sdxl-restyle': [...sampled, 'denoise', 'negative_prompt'].sort(),
      'upscale-realesrgan': ['height', 'input_image', 'width'],
      'upscale-ultrasharp': ['height', 'input_image', 'width'],
      'z-image-restyle': [...sampled, 'denoise'].sort(),
    });
    for (const id of bundledEditIds) {
      const workflow = bundledWorkflow(id);
      if (workflow.parameters.targets.denoise) expect(workflow.meta.defaults.denoise, id).toBeGreaterThan(0);
      // Each is chosen automatically for its mode, after the ones ranked before it.
      expect(workflow.meta.defaultRank, id).toBeGreaterThan(0);
    }
  });

  it.each(bundledEditIds)(
    '%s: binds a source, mask, padding and exact size, leaving no placeholder',
    (id) => {
      const workflow = bundledWorkflow(id);
      const bound = bindWorkflow(workflow, {
        prompt: 'a red fox in the snow',
        width: 1000,
        height: 750,
        seed: 7,
        input_image: 'bridge-src-abc.png',
        mask_image: 'bridge-mask-def.png',
        extend: { left: 64, right: 32, top: 0, bottom: 8 },
      });
      expect(JSON.stringify(bound.graph)).not.toContain('{{');
      const { targets } = workflow.parameters;
      const valueAt = (name: ParameterName) =>
        (targets[name] ?? []).map((target) => bound.graph[target.nodeId]?.inputs[target.input]);
      expect(valueAt('input_image')).toEqual(['bridge-src-abc.png']);
      if (targets.mask_image) expect(valueAt('mask_image')).toEqual(['bridge-mask-def.png']);
      if (targets.extend_left) {
        expect([
          valueAt('extend_left'),
          valueAt('extend_right'),
          valueAt('extend_top'),
          valueAt('extend_bottom'),
        ]).toEqual([[64], [32], [0], [8]]);
      }
      if (targets.denoise) expect(valueAt('denoise')).toEqual([workflow.meta.defaults.denoise]);
      if (!targets.width) return;
      // {{width}}×{{height}} take the generation size: the request itself for an upscale (it ends in ImageScale,
      // multiple 1), a size the model handles well (its multiple, near its native pixel count) for the others.
      const size = bound.generationSize;
      expect(valueAt('width')).toEqual([size?.width]);
      expect(valueAt('height')).toEqual([size?.height]);
      const { multiple } = workflow.sizeRules;
      expect(((size?.width ?? 0) % multiple) + ((size?.height ?? 0) % multiple)).toBe(0);
      if (workflow.modes.includes('upscale')) {
        expect(size).toEqual({ width: 1000, height: 750 });
        const [, save] = nodeOf(bound.graph, 'SaveImage');
        expect(bound.graph[(save.inputs.images as [string, number])[0]]?.class_type).toBe('ImageScale');
      } else {
        expect(multiple).toBeGreaterThanOrEqual(8);
        expect(Math.abs((size?.width ?? 0) / (size?.height ?? 1) - 1000 / 750)).toBeLessThan(0.02);
      }
    },
  );

  it.each([...byMode('inpaint'), ...byMode('outpaint')])(
    '%s: samples a scaled copy and composites the result over the full-size source inside the mask only',
    (id) => {
      const { graph } = bundledWorkflow(id);
      const [, composite] = nodeOf(graph, 'ImageCompositeMasked');
      const [, conditioning] = nodeOf(graph, 'InpaintModelConditioning');
      // The sampler starts from the source (or padded source) scaled to the generation size…
      const [scaleId] = conditioning.inputs.pixels as [string, number];
      expect(graph[scaleId]).toMatchObject({
        class_type: 'ImageScale',
        inputs: { width: '{{width}}', height: '{{height}}', crop: 'disabled' },
      });
      // …and its result is stretched back over that same unscaled image, through the same mask: pixels outside
      // the mask are the source's own.
      expect(composite.inputs.destination).toEqual(graph[scaleId]?.inputs.image);
      expect(composite.inputs.mask).toEqual(conditioning.inputs.mask);
      expect(composite.inputs.resize_source).toBe(true);
      const [decodeId] = nodeOf(graph, 'VAEDecode');
      expect(composite.inputs.source).toEqual([decodeId, 0]);
      const [, save] = nodeOf(graph, 'SaveImage');
      expect(save.inputs.images).toEqual([Object.keys(graph).find((key) => graph[key] === composite), 0]);
      expect(nodeOf(graph, 'DifferentialDiffusion')).toBeDefined();
    },
  );

  it.each(byMode('remove_background'))(
    '%s: without its node pack, validation names the pack, its repository and how to install it',
    (id) => {
      const workflow = bundledWorkflow(id);
      const [pack] = workflow.meta.requires?.packs ?? [];
      expect(pack).toBeDefined();
      const result = checkOnBackend(workflow, { objectInfo: bare });
      expect(result.runnable).toBe(false);
      expect(result.missingNodes).toEqual(pack?.nodes);
      expect(result.missingPacks).toEqual([{ name: pack?.name, url: pack?.url, install: pack?.install }]);
      expect(result.messages).toHaveLength(1);
      expect(result.messages[0]).toContain(`custom node pack ${pack?.name} (${pack?.url})`);
      expect(result.messages[0]).toContain(`Install it: ${pack?.install}.`);
      expect(result.messages[0]).toMatch(/ComfyUI-Manager/);
    },
  );

  it('names the pack’s model files and where they go', () => {
    const [message] = checkOnBackend(bundledWorkflow('remove-background-birefnet'), {
      objectInfo: bare,
    }).messages;
    expect(message).toBe(
      'Node 2 uses node type "BiRefNetRMBG", which this ComfyUI does not have; it comes from the custom node pack ' +
        'ComfyUI-RMBG (https://github.com/1038lab/ComfyUI-RMBG). Install it: ComfyUI-Manager: search "ComfyUI-RMBG" ' +
        'and install; or `comfy node install comfyui-rmbg`; then install its requirements.txt and restart ComfyUI. ' +
        'The pack needs BiRefNet-general.safetensors (in RMBG/BiRefNet, from ' +
        'https://huggingface.co/1038lab/BiRefNet/resolve/main/BiRefNet-general.safetensors); it downloads them on first use.',
    );
  });

  it('names the pack for a workflow without a sidecar too, and the bundled sidecars agree with the packs the bridge knows', () => {
    const { messages, missingPacks } = validateWorkflow(fixture('edit-rmbg'), bare);
    expect(missingPacks.map((pack) => pack.name)).toEqual(['ComfyUI-RMBG']);
    const [message] = messages;
    expect(message).toBe(
      'Node 2 uses node type "RMBG", which this ComfyUI does not have; it comes from the custom node pack ' +
        'ComfyUI-RMBG (https://github.com/1038lab/ComfyUI-RMBG). Install it: ComfyUI-Manager: search "ComfyUI-RMBG" ' +
        'and install; or `comfy node install comfyui-rmbg`; then install its requirements.txt and restart ComfyUI.',
    );
    for (const id of byMode('remove_background')) {
      for (const pack of bundledWorkflow(id).meta.requires?.packs ?? []) {
        const known = KNOWN_NODE_PACKS.find((candidate) => candidate.name === pack.name);
        expect(known, pack.name).toMatchObject({ url: pack.url, install: pack.install });
        expect(known?.nodes).toEqual(expect.arrayContaining(pack.nodes));
      }
    }
  });

  it.each(byMode('remove_background'))('%s: runs once its node pack is installed', (id) => {
    const withPacks = { ...bare, ...nodePackObjectInfo() };
    const result = checkOnBackend(bundledWorkflow(id), { objectInfo: withPacks });
    expect(result.messages).toEqual([]);
    expect(result.runnable).toBe(true);
  });

  it.each(bundledEditIds.filter((id) => !byMode('remove_background').includes(id)))(
    '%s: core nodes only, runnable on the real ComfyUI once its models are there',
    (id) => {
      expect(validateWorkflow(bundledWorkflow(id).graph, bare).missingNodes).toEqual([]);
      expect(checkOnBackend(bundledWorkflow(id), { objectInfo: withModelsOf(id) }).messages).toEqual([]);
    },
  );
});
