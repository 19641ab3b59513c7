import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkflowCatalog } from '../../electron/bridge/workflow-catalog.js';
import {
  checkEditFormat,
  defaultEditFormat,
  editedPath,
  maskFit,
  planEdit,
} from '../../electron/bridge/edit-plan.js';
import { BridgeError } from '../../electron/errors.js';
import { silentLogger } from '../../electron/log.js';
import { createWorkflowLibrary, type WorkflowLibrary } from '../../electron/workflows/index.js';
import type { BackendView } from '../../electron/workflows/requirements.js';
import { buildObjectInfo } from '../fakes/fake-object-info.js';
import { bundledWorkflowsDir } from '../core/harness.js';
import { editWorkflowsDir } from '../mcp-e2e/edit-fixtures.js';

const source = { width: 40, height: 30 };
const limit = 16_000_000;

function refusal(run: () => unknown): BridgeError {
  try {
    run();
  } catch (error) {
    if (error instanceof BridgeError) return error;
    throw error;
  }
  throw new Error('expected a BridgeError');
}

describe('edit plan (pure)', () => {
  it('keeps the source size, or follows its aspect for one given side', () => {
    // No strength from the call: the workflow's default (or the mode's) is applied when the job is bound.
    expect(planEdit({ mode: 'restyle', prompt: 'x' }, source, limit)).toEqual({ width: 40, height: 30 });
    expect(planEdit({ mode: 'remove_background', width: 80 }, source, limit)).toEqual({
      width: 80,
      height: 60,
    });
    expect(
      planEdit({ mode: 'inpaint', prompt: 'x', mask: 'm.png', strength: 0.4 }, source, limit).strength,
    ).toBe(0.4);
  });

  it('outpaints by extend, or centred to a target (the odd pixel on the right and bottom)', () => {
    expect(planEdit({ mode: 'outpaint', prompt: 'x', extend: { top: 5 } }, source, limit)).toMatchObject({
      width: 40,
      height: 35,
      extend: { left: 0, right: 0, top: 5, bottom: 0 },
    });
    expect(planEdit({ mode: 'outpaint', prompt: 'x', width: 65, height: 30 }, source, limit)).toMatchObject({
      width: 65,
      height: 30,
      extend: { left: 12, right: 13, top: 0, bottom: 0 },
    });
    expect(refusal(() => planEdit({ mode: 'outpaint', prompt: 'x' }, source, limit)).code).toBe(
      'invalid_arguments',
    );
    expect(
      refusal(() => planEdit({ mode: 'outpaint', prompt: 'x', extend: { left: 0 } }, source, limit)).message,
    ).toMatch(/add nothing/);
  });

  it('upscales by scale (default 2) or to a target; refuses smaller targets and more than 8x', () => {
    expect(planEdit({ mode: 'upscale' }, source, limit)).toEqual({ width: 80, height: 60, scale: 2 });
    expect(planEdit({ mode: 'upscale', height: 45 }, source, limit)).toEqual({
      width: 60,
      height: 45,
      scale: 1.5,
    });
    expect(refusal(() => planEdit({ mode: 'upscale', width: 400 }, source, limit)).message).toMatch(
      /at most 8x/,
    );
    expect(refusal(() => planEdit({ mode: 'upscale', scale: 4 }, source, 10_000)).code).toBe(
      'image_too_large',
    );
  });

  it('refuses fields of another mode, a missing prompt, both or neither of mask and region, a region outside', () => {
    expect(refusal(() => planEdit({ mode: 'restyle', prompt: 'x', scale: 2 }, source, limit)).message).toBe(
      'scale applies to mode upscale, not restyle.',
    );
    expect(refusal(() => planEdit({ mode: 'outpaint', extend: { left: 2 } }, source, limit)).message).toMatch(
      /needs a prompt/,
    );
    expect(refusal(() => planEdit({ mode: 'remove_background', strength: 0.5 }, source, limit)).code).toBe(
      'invalid_arguments',
    );
    const region = { x: 0, y: 0, width: 10, height: 10 };
    expect(
      refusal(() => planEdit({ mode: 'inpaint', prompt: 'x', mask: 'm', region }, source, limit)).code,
    ).toBe('invalid_arguments');
    expect(
      refusal(() => planEdit({ mode: 'inpaint', prompt: 'x', region: { ...region, x: 31 } }, source, limit))
        .code,
    ).toBe('region_outside_image');
  });

  it('names the result beside the source, never the source, a free name while taken', () => {
    const taken = new Set(['/p/hero.edited.png', '/p/hero.edited-2.png']);
    expect(editedPath('/p/hero.png', 'restyle', 'png', (path) => taken.has(path))).toBe(
      '/p/hero.edited-3.png',
    );
    expect(editedPath('/p/logo.jpg', 'remove_background', 'png', () => false)).toBe('/p/logo.cutout.png');
    expect(editedPath('/p/a.png', 'upscale', 'webp', () => false, '-2')).toBe('/p/a.upscaled-2.webp');
    expect(defaultEditFormat('remove_background', 'jpeg')).toBe('png');
    expect(defaultEditFormat('remove_background', 'webp')).toBe('webp');
    expect(defaultEditFormat('restyle', 'jpeg')).toBe('jpeg');
    expect(refusal(() => checkEditFormat('remove_background', 'jpeg')).code).toBe('format_without_alpha');
  });

  it('scales a mask of the same aspect (within a pixel of rounding) and refuses another aspect', () => {
    expect(maskFit({ width: 40, height: 30 }, source)).toBe('same');
    expect(maskFit({ width: 20, height: 15 }, source)).toBe('resize');
    expect(maskFit({ width: 1023, height: 768 }, { width: 2048, height: 1536 })).toBe('resize');
    expect(refusal(() => maskFit({ width: 30, height: 30 }, source)).code).toBe('mask_aspect_mismatch');
  });
});

describe('which workflow an edit gets', () => {
  let library: WorkflowLibrary;
  let onlyText: WorkflowLibrary;
  let empty: string;
  let textOnlyDir: string;
  const fakeBackend: BackendView = {
    objectInfo: buildObjectInfo({ checkpoints: ['v1-5-pruned-emaonly-fp16.safetensors'] }, []),
  };
  beforeAll(async () => {
    empty = mkdtempSync(join(tmpdir(), 'edit-choice-'));
    library = await createWorkflowLibrary({
      bundledDir: bundledWorkflowsDir,
      userDir: editWorkflowsDir,
      logger: silentLogger,
    });
    textOnlyDir = mkdtempSync(join(tmpdir(), 'edit-choice-text-'));
    for (const name of ['sd15.json', 'sd15.meta.json'])
      copyFileSync(join(bundledWorkflowsDir, name), join(textOnlyDir, name));
    onlyText = await createWorkflowLibrary({ bundledDir: textOnlyDir, userDir: empty, logger: silentLogger });
  });
  afterAll(async () => {
    await library.close();
    await onlyText.close();
    rmSync(empty, { recursive: true, force: true });
    rmSync(textOnlyDir, { recursive: true, force: true });
  });
  const catalogOf = (lib: WorkflowLibrary, backends: BackendView[]) =>
    createWorkflowCatalog({ library: lib, preferred: () => '', backends: () => backends });

  it('per mode, the workflow whose sidecar declares it; generate_image keeps to text-to-image workflows', () => {
    const catalog = catalogOf(library, [fakeBackend]);
    expect(catalog.resolveId(undefined, 'upscale')).toBe('upscale');
    expect(catalog.resolveId(undefined, 'remove_background')).toBe('remove-background');
    expect(catalog.resolveId(undefined, 'generate')).not.toMatch(/restyle|inpaint|outpaint|upscale|remove/);
    const wrong = refusal(() => catalog.resolveId('upscale', 'generate'));
    expect(wrong.code).toBe('workflow_wrong_mode');
    expect(wrong.message).toMatch(/serves upscale, not generate/);
    expect(refusal(() => catalog.resolveId('sd15', 'inpaint')).message).toMatch(
      /Workflows for inpaint: flux-fill-inpaint, inpaint, sdxl-inpaint\./,
    );
  });

  it('a bundled edit workflow ranked first is the default for its mode, never for generate_image', async () => {
    const bundled = mkdtempSync(join(tmpdir(), 'edit-choice-bundled-'));
    try {
      for (const name of ['sd15.json', 'sd15.meta.json'])
        copyFileSync(join(bundledWorkflowsDir, name), join(bundled, name));
      copyFileSync(join(editWorkflowsDir, 'upscale.json'), join(bundled, 'upscale.json'));
      const meta = JSON.parse(readFileSync(join(editWorkflowsDir, 'upscale.meta.json'), 'utf8')) as object;
      writeFileSync(join(bundled, 'upscale.meta.json'), JSON.stringify({ ...meta, defaultRank: 1 }));
      const ranked = await createWorkflowLibrary({
        bundledDir: bundled,
        userDir: empty,
        logger: silentLogger,
      });
      try {
        const catalog = catalogOf(ranked, [fakeBackend]);
        expect(catalog.resolveId(undefined, 'generate')).toBe('sd15');
        expect(catalog.resolveId(undefined, 'upscale')).toBe('upscale');
        // Nothing to check against yet: still a text-to-image workflow.
        expect(catalogOf(ranked, []).resolveId(undefined, 'generate')).toBe('sd15');
      } finally {
        await ranked.close();
      }
    } finally {
      rmSync(bundled, { recursive: true, force: true });
    }
  });

  it("binds the call's strength, else the workflow's own default, else the mode's", () => {
    const catalog = catalogOf(library, [fakeBackend]);
    const labelOf = (id: string, edit: Record<string, unknown>) =>
      JSON.stringify(
        catalog.prepare(id, {
          prompt: 'p',
          negativePrompt: '',
          width: 40,
          height: 30,
          seed: 1,
          edit: { inputImage: 'in.png', maskImage: 'm.png', ...edit },
        }).graph,
      );
    // The inpaint fixture's sidecar says defaults.denoise 0.6.
    expect(labelOf('inpaint', { fallbackDenoise: 1 })).toContain('denoise 0.6');
    expect(labelOf('inpaint', { denoise: 0.25, fallbackDenoise: 1 })).toContain('denoise 0.25');
    // sdxl-inpaint's is 0.9 in its sidecar.
    expect(labelOf('sdxl-inpaint', { fallbackDenoise: 1 })).toContain('"denoise":0.9');
  });

  it("gives a workflow whose sidecar has no defaults.denoise the mode's strength", async () => {
    const own = mkdtempSync(join(tmpdir(), 'edit-choice-own-'));
    try {
      copyFileSync(join(editWorkflowsDir, 'restyle.json'), join(own, 'my-restyle.json'));
      const meta = JSON.parse(readFileSync(join(editWorkflowsDir, 'restyle.meta.json'), 'utf8')) as {
        defaults?: unknown;
      };
      delete meta.defaults;
      writeFileSync(join(own, 'my-restyle.meta.json'), JSON.stringify(meta));
      const mine = await createWorkflowLibrary({
        bundledDir: textOnlyDir,
        userDir: own,
        logger: silentLogger,
      });
      try {
        const bound = catalogOf(mine, [fakeBackend]).prepare('my-restyle', {
          prompt: 'p',
          negativePrompt: '',
          width: 40,
          height: 30,
          seed: 1,
          edit: { inputImage: 'in.png', fallbackDenoise: 0.6 },
        });
        expect(JSON.stringify(bound.graph)).toContain('restyle p denoise 0.6');
      } finally {
        await mine.close();
      }
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('says which workflows would serve a mode and what they lack, or that none does', () => {
    const withoutCustomNode = structuredClone(fakeBackend.objectInfo);
    delete withoutCustomNode.SlowProgress;
    const lacking = refusal(() =>
      catalogOf(library, [{ objectInfo: withoutCustomNode }]).resolveId(undefined, 'restyle'),
    );
    expect(lacking.code).toBe('no_usable_workflow');
    // The bundled restyle workflows need model files (named with their folders); the user's, its node.
    expect(lacking.message).toMatch(/No bundled restyle workflow has all its models.*checkpoints\//);
    expect(lacking.message).toMatch(/Your workflows for restyle cannot run: restyle \(.*SlowProgress/);
    expect(lacking.details).toMatchObject({ install: expect.any(Array) as unknown[] });
    const none = refusal(() => catalogOf(onlyText, [fakeBackend]).resolveId(undefined, 'inpaint'));
    expect(none.message).toMatch(
      /No bundled workflow serves inpaint\..*its sidecar's "modes" naming inpaint/,
    );
    // With no ComfyUI to ask, the first candidate (a bundled one) is taken and the job waits for one.
    expect(['flux-fill-outpaint', 'sdxl-outpaint']).toContain(
      catalogOf(library, []).resolveId(undefined, 'outpaint'),
    );
    expect(catalogOf(library, [fakeBackend]).resolveId(undefined, 'outpaint')).toBe('outpaint');
  });
});
