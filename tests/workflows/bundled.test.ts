import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorkflowMeta, type WorkflowMeta } from '../../electron/workflows/meta.js';
import { validateWorkflow } from '../../electron/workflows/validate.js';
import { describeWorkflow } from '../../electron/workflows/workflow.js';
import {
  bundledDir,
  bundledGenerateIds,
  bundledGraph,
  bundledIds,
  readJson,
  realObjectInfo,
  withModels,
} from './helpers.js';

const bare = realObjectInfo();

function meta(id: string): WorkflowMeta {
  return parseWorkflowMeta(readJson(join(bundledDir, `${id}.meta.json`)), `${id}.meta.json`);
}

describe('bundled workflows', () => {
  it('are exactly the tested set, each with a sidecar', () => {
    const files = readdirSync(bundledDir).sort();
    const graphs = files
      .filter((name) => !name.endsWith('.meta.json'))
      .map((name) => name.replace(/\.json$/, ''));
    expect(graphs.sort()).toEqual([...bundledIds].sort());
    for (const id of bundledIds) expect(files).toContain(`${id}.meta.json`);
  });

  it.each(bundledIds)('%s: its sidecar names exactly the model files its loaders ask for', (id) => {
    const declared = meta(id)
      .models.map((model) => `${model.folder}/${model.file}`)
      .sort();
    const wanted = validateWorkflow(bundledGraph(id), bare)
      .missingModels.map((model) => `${model.folder}/${model.value}`)
      .sort();
    expect(wanted).toEqual(declared);
  });

  // Workflows on custom node packs are checked in bundled-edit.test.ts: ComfyUI alone lacks their nodes.
  const coreOnly = bundledIds.filter((id) => (meta(id).requires?.packs ?? []).length === 0);

  it.each(coreOnly)('%s: runs on the real ComfyUI once its models are there', (id) => {
    const missing = validateWorkflow(bundledGraph(id), bare).missingModels;
    const models: Record<string, string[]> = {};
    for (const model of missing) (models[`${model.classType}.${model.input}`] ??= []).push(model.value);
    const result = validateWorkflow(bundledGraph(id), withModels(models));
    expect(result.messages).toEqual([]);
    expect(result.runnable).toBe(true);
  });

  it.each(bundledGenerateIds.filter((id) => id !== 'test-pattern'))(
    '%s: marks prompt, size and seed with placeholders and has a smart-default rank',
    (id) => {
      const workflow = describeWorkflow(id, bundledGraph(id), meta(id));
      for (const name of ['prompt', 'width', 'height', 'seed'] as const) {
        expect(workflow.parameters.targets[name]?.every((target) => target.source === 'placeholder')).toBe(
          true,
        );
      }
      expect(workflow.meta.defaultRank).toBeGreaterThan(0);
      expect(workflow.sizeRules.native).toBeDefined();
    },
  );

  it('ranks the text-to-image ones fastest good model first, with no two alike', () => {
    const ranked = bundledGenerateIds
      .map((id) => ({ id, rank: meta(id).defaultRank }))
      .filter((entry) => entry.rank !== undefined)
      .sort((a, b) => (a.rank as number) - (b.rank as number))
      .map((entry) => entry.id);
    expect(ranked).toEqual(['z-image-turbo', 'flux-schnell', 'sdxl-turbo', 'sdxl', 'sd15']);
  });

  it('keeps the test pattern model-free and out of the smart default', () => {
    const testPattern = meta('test-pattern');
    expect(testPattern.models).toEqual([]);
    expect(testPattern.defaultRank).toBeUndefined();
    expect(validateWorkflow(bundledGraph('test-pattern'), bare).runnable).toBe(true);
  });
});
