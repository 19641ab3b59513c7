import { describe, expect, it } from 'vitest';
import {
  checklistSteps,
  checklistView,
  opensOnChecklist,
  recordAfter,
  startPageUrl,
  type ChecklistFacts,
} from '../../electron/setup/checklist.js';

const nothing: ChecklistFacts = { comfyuiAnswers: false, modelRuns: false, galleryImages: 0 };
const states = (facts: ChecklistFacts, record = {}) =>
  Object.fromEntries(checklistSteps(facts, record).map((step) => [step.id, step.state]));

describe('checklist steps', () => {
  it('starts with ComfyUI and an agent to do, the model and the image waiting', () => {
    expect(states(nothing)).toEqual({ comfyui: 'todo', model: 'waiting', agent: 'todo', image: 'waiting' });
  });

  it('advances step by step: ComfyUI, then a model that runs, an agent, an image', () => {
    const comfyui = { ...nothing, comfyuiAnswers: true };
    expect(states(comfyui)).toEqual({ comfyui: 'done', model: 'todo', agent: 'todo', image: 'waiting' });
    const model = { ...comfyui, modelRuns: true };
    expect(states(model)).toEqual({ comfyui: 'done', model: 'done', agent: 'todo', image: 'waiting' });
    const agent = { agentConnectedAt: '2026-12-03T05:00:00.000Z' };
    expect(states(model, agent)).toEqual({ comfyui: 'done', model: 'done', agent: 'done', image: 'todo' });
    expect(states({ ...model, galleryImages: 1 }, agent)).toEqual({
      comfyui: 'done',
      model: 'done',
      agent: 'done',
      image: 'done',
    });
  });

  it('does not count a model as running while no ComfyUI answers', () => {
    expect(states({ ...nothing, modelRuns: true }).model).toBe('waiting');
  });

  it('counts an agent as connected when the gallery holds an image (only agents generate)', () => {
    expect(states({ ...nothing, galleryImages: 3 })).toMatchObject({ agent: 'done', image: 'done' });
  });

  it('keeps a remembered first image done after the gallery was emptied', () => {
    expect(states(nothing, { firstImageAt: 'x' }).image).toBe('done');
    expect(states(nothing, {}).image).toBe('waiting');
  });
});

describe('checklist record', () => {
  const now = '2026-12-03T06:00:00.000Z';
  it('remembers the first agent and the first image once, and the same object when nothing is new', () => {
    const first = recordAfter({}, { agentConnected: true }, now);
    expect(first).toEqual({ agentConnectedAt: now });
    expect(recordAfter(first, { agentConnected: true }, 'later')).toBe(first);
    expect(recordAfter(first, { imageMade: true }, now)).toEqual({
      agentConnectedAt: now,
      firstImageAt: now,
    });
    expect(recordAfter(first, {}, now)).toBe(first);
  });

  it('records completion only when every step is done', () => {
    const all: ChecklistFacts = { comfyuiAnswers: true, modelRuns: true, galleryImages: 1 };
    expect(recordAfter({}, { facts: { ...all, modelRuns: false } }, now).completedAt).toBeUndefined();
    expect(recordAfter({}, { facts: all }, now).completedAt).toBe(now);
  });
});

describe('where the window opens', () => {
  const dashboard = 'http://127.0.0.1:8190/?token=abc';
  it('opens on the checklist on a first run (no record) and while set-up is unfinished', () => {
    expect(opensOnChecklist({})).toBe(true);
    expect(opensOnChecklist({ agentConnectedAt: 'x' })).toBe(true);
    expect(startPageUrl(dashboard, {})).toBe(`${dashboard}#/checklist`);
  });

  it('opens on Status once the checklist was completed or dismissed', () => {
    expect(opensOnChecklist({ completedAt: 'x' })).toBe(false);
    expect(opensOnChecklist({ dismissedAt: 'x' })).toBe(false);
    expect(startPageUrl(dashboard, { dismissedAt: 'x' })).toBe(dashboard);
  });

  it('replaces a hash the dashboard URL already has', () => {
    expect(startPageUrl(`${dashboard}#/gallery`, {})).toBe(`${dashboard}#/checklist`);
  });
});

describe('checklist view', () => {
  it('says whether it is complete, dismissed, where ComfyUI is looked for and whether it can be started', () => {
    const view = checklistView(
      { comfyuiAnswers: true, modelRuns: true, galleryImages: 1 },
      { dismissedAt: 'x' },
      { urls: ['http://127.0.0.1:8188'], canStart: false },
    );
    expect(view).toMatchObject({
      complete: true,
      dismissed: true,
      comfyuiUrls: ['http://127.0.0.1:8188'],
      canStartComfyui: false,
    });
    expect(checklistView(nothing, {}, { urls: [], canStart: true })).toMatchObject({
      complete: false,
      dismissed: false,
      canStartComfyui: true,
    });
  });
});
