import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWorkflow, detectModes, parseWorkflowMeta } from '../../electron/workflows/index.js';
import type { ApiGraph } from '../../electron/comfy/types.js';
import { bundledEditIds, bundledGenerateIds } from './helpers.js';

const bundled = 'workflows';
const editFixtures = 'tests/fixtures/edit-workflows';

function load(folder: string, id: string) {
  const graph = JSON.parse(readFileSync(join(folder, `${id}.json`), 'utf8')) as ApiGraph;
  const meta = parseWorkflowMeta(
    JSON.parse(readFileSync(join(folder, `${id}.meta.json`), 'utf8')),
    `${id}.meta.json`,
  );
  return describeWorkflow(id, graph, meta);
}

function ids(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json') && !name.endsWith('.meta.json'))
    .map((name) => name.slice(0, -'.json'.length));
}

describe('workflow modes', () => {
  it('a text-to-image graph generates; one that reads a source serves no mode without a sidecar', () => {
    const textToImage: ApiGraph = {
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
    };
    const readsSource: ApiGraph = {
      '1': { class_type: 'LoadImage', inputs: { image: 'a.png' } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
    };
    expect(detectModes(textToImage)).toEqual(['generate']);
    expect(detectModes(readsSource)).toEqual([]);
    expect(describeWorkflow('plain', readsSource).modes).toEqual([]);
  });

  it('bundled workflows generate or serve their one edit mode, which their nodes show too; each model-free edit fixture serves the mode it is named for', () => {
    for (const id of bundledGenerateIds) expect(load(bundled, id).modes, id).toEqual(['generate']);
    const editModes = bundledEditIds.map((id) => [id, load(bundled, id).modes]);
    expect(editModes).toEqual([
      ['flux-fill-inpaint', ['inpaint']],
      ['flux-fill-outpaint', ['outpaint']],
      ['remove-background-birefnet', ['remove_background']],
      ['remove-background-inspyrenet', ['remove_background']],
      ['sdxl-inpaint', ['inpaint']],
      ['sdxl-outpaint', ['outpaint']],
      ['sdxl-restyle', ['restyle']],
      ['upscale-realesrgan', ['upscale']],
      ['upscale-ultrasharp', ['upscale']],
      ['z-image-restyle', ['restyle']],
    ]);
    for (const id of ids(bundled)) {
      const workflow = load(bundled, id);
      expect(detectModes(workflow.graph), `${id}: detected from its nodes`).toEqual(workflow.modes);
    }
    const fixtures = ids(editFixtures);
    expect(fixtures.length).toBe(5);
    for (const id of fixtures) expect(load(editFixtures, id).modes, id).toEqual([id.replace('-', '_')]);
  });

  it('a sidecar naming an unknown mode is refused, naming the field', () => {
    expect(() => parseWorkflowMeta({ title: 't', family: 'f', modes: ['colourise'] }, 'x.meta.json')).toThrow(
      /x\.meta\.json.*modes/,
    );
  });
});
