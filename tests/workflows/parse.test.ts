import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MAX_WORKFLOW_NODES, parseWorkflow, WorkflowFormatError } from '../../electron/workflows/parse.js';
import { bundledDir, bundledIds, fixturesDir, readJson } from './helpers.js';

const realWorldFixtures = [
  'sd15-default',
  'sdxl-base-refiner',
  'flux-dev-custom-sampler',
  'sd35-triple-clip',
  'sdxl-lora-controlnet',
];

function parseError(json: unknown, source = 'broken.json'): WorkflowFormatError {
  try {
    parseWorkflow(json, source);
  } catch (error) {
    if (error instanceof WorkflowFormatError) return error;
    throw error;
  }
  throw new Error('parseWorkflow accepted the input');
}

const saveNode = (from: string) => ({
  class_type: 'SaveImage',
  inputs: { images: [from, 0], filename_prefix: 'x' },
});

describe('parseWorkflow', () => {
  it.each(realWorldFixtures)('accepts the real-world API export %s unchanged', (name) => {
    const json = readJson(join(fixturesDir, `${name}.json`));
    expect(parseWorkflow(json, `${name}.json`)).toEqual(json);
  });

  it.each(bundledIds)('accepts the bundled workflow %s', (id) => {
    const json = readJson(join(bundledDir, `${id}.json`));
    expect(parseWorkflow(json, `${id}.json`)).toEqual(json);
  });

  it('refuses a UI-format file and says how to export the API format', () => {
    const error = parseError(readJson(join(fixturesDir, 'ui-format.json')), 'ui-format.json');
    expect(error.message).toBe(
      'ui-format.json is a ComfyUI UI-format workflow; in ComfyUI use Workflow → Export (API) and save that file instead',
    );
    expect(error.source).toBe('ui-format.json');
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['a string', 'KSampler'],
    ['a number', 42],
  ])('refuses %s as not a workflow', (_label, json) => {
    expect(parseError(json).message).toMatch(
      /^broken\.json is not a ComfyUI API-format workflow: expected a JSON object/,
    );
  });

  it('refuses an empty graph', () => {
    expect(parseError({}).message).toBe('broken.json is an empty workflow: it has no nodes');
  });

  it('refuses a node without class_type, naming the node', () => {
    const error = parseError({ '1': { inputs: {} }, '2': saveNode('1') });
    expect(error.message).toMatch(/node 1 has no class_type; re-export/);
  });

  it('refuses a node that is not an object and inputs that are not an object', () => {
    expect(parseError({ '1': 'EmptyImage', '2': saveNode('1') }).message).toMatch(/node 1 is not an object/);
    expect(
      parseError({ '1': { class_type: 'EmptyImage', inputs: [1] }, '2': saveNode('1') }).message,
    ).toMatch(/node 1 \(EmptyImage\) has "inputs" that is not an object/);
  });

  it('accepts a node without inputs as a node with no inputs, keeping its title', () => {
    const graph = parseWorkflow(
      { '1': { class_type: 'EmptyImage', _meta: { title: 'Blank' } }, '2': saveNode('1') },
      'x.json',
    );
    expect(graph['1']).toEqual({ class_type: 'EmptyImage', inputs: {}, _meta: { title: 'Blank' } });
  });

  it('refuses a link to a node that is not there, naming node, input and target', () => {
    const error = parseError({ '2': saveNode('99') });
    expect(error.message).toBe(
      'broken.json: node 2 (SaveImage) input "images" links to node 99, which is not in the workflow; ' +
        're-export the workflow from ComfyUI with Workflow → Export (API)',
    );
  });

  it('refuses a cycle and shows it', () => {
    const error = parseError({
      '1': { class_type: 'ImageInvert', inputs: { image: ['3', 0] } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
      '4': saveNode('3'),
    });
    expect(error.message).toMatch(/has a cycle \((\d) → (\d) → (\d) → \1\)/);
  });

  it('refuses a node linked to itself', () => {
    const error = parseError({
      '1': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '2': saveNode('1'),
    });
    expect(error.message).toMatch(/has a cycle \(1 → 1\)/);
  });

  it('refuses a graph without an image output node', () => {
    const error = parseError({ '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8 } } });
    expect(error.message).toMatch(/has no image output node; add a SaveImage/);
  });

  it(`refuses more than ${MAX_WORKFLOW_NODES} nodes`, () => {
    const graph: Record<string, unknown> = {};
    for (let i = 0; i < MAX_WORKFLOW_NODES; i++) graph[String(i)] = { class_type: 'EmptyImage', inputs: {} };
    graph.save = saveNode('0');
    expect(parseError(graph).message).toBe(
      `broken.json has ${MAX_WORKFLOW_NODES + 1} nodes; workflows are limited to ${MAX_WORKFLOW_NODES} nodes`,
    );
  });

  it('handles a chain as deep as the node limit without overflowing the stack', () => {
    const graph: Record<string, unknown> = { '0': { class_type: 'EmptyImage', inputs: {} } };
    for (let i = 1; i < MAX_WORKFLOW_NODES - 1; i++) {
      graph[String(i)] = { class_type: 'ImageInvert', inputs: { image: [String(i - 1), 0] } };
    }
    graph.save = saveNode(String(MAX_WORKFLOW_NODES - 2));
    expect(Object.keys(parseWorkflow(graph, 'deep.json'))).toHaveLength(MAX_WORKFLOW_NODES);
    graph['0'] = { class_type: 'ImageInvert', inputs: { image: [String(MAX_WORKFLOW_NODES - 2), 0] } };
    expect(parseError(graph).message).toMatch(/has a cycle/);
  });

  it('does not modify the value it parses', () => {
    const json = { '1': { class_type: 'EmptyImage', inputs: { width: 8 } }, '2': saveNode('1') };
    const before = structuredClone(json);
    const graph = parseWorkflow(json, 'x.json');
    (graph['1'] as { inputs: Record<string, unknown> }).inputs.width = 16;
    expect(json).toEqual(before);
  });
});
