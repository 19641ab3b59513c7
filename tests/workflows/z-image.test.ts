import { describe, expect, it } from 'vitest';
import { bindWorkflow } from '../../electron/workflows/bind.js';
import { describeWorkflow } from '../../electron/workflows/workflow.js';
import { parseWorkflowMeta } from '../../electron/workflows/meta.js';
import { bundledDir, bundledGraph, readJson } from './helpers.js';

describe('z-image-turbo', () => {
  const workflow = describeWorkflow(
    'z-image-turbo',
    bundledGraph('z-image-turbo'),
    parseWorkflowMeta(readJson(`${bundledDir}/z-image-turbo.meta.json`), 'z-image-turbo.meta.json'),
  );

  it('never routes a negative prompt into the positive encoder behind ConditioningZeroOut', () => {
    const bound = bindWorkflow(workflow, {
      prompt: 'a neon sign that says OPEN',
      negative_prompt: 'blurry',
      seed: 7,
    });
    expect(bound.graph['6']!.inputs.text).toBe('a neon sign that says OPEN');
    expect(JSON.stringify(bound.graph)).not.toContain('blurry');
    expect(workflow.parameters.notes.join(' ')).toMatch(/negative_prompt is ignored/);
  });

  it('generates on 16-pixel multiples near one megapixel and delivers the exact size', () => {
    const bound = bindWorkflow(workflow, { prompt: 'x', width: 1200, height: 630, seed: 1 });
    expect(bound.requestedSize).toEqual({ width: 1200, height: 630 });
    expect(bound.generationSize!.width % 16).toBe(0);
    expect(bound.generationSize!.height % 16).toBe(0);
    expect(bound.graph['13']!.inputs).toMatchObject(bound.generationSize!);
  });
});
