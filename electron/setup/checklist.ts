import type { ChecklistStepId, ChecklistView } from '../../shared/dashboard-api.js';

/*
 * The first-run checklist's decisions, pure: which steps are done from what the core knows now and what the
 * data folder remembers, what to remember next, and which page the window opens on.
 */

/** What the data folder remembers (`first-run.json`): ISO times, each set once. */
export interface ChecklistRecord {
  /** An MCP client opened a session (initialize or server/discover) with this bridge. */
  agentConnectedAt?: string;
  /** A generation finished into the gallery. */
  firstImageAt?: string;
  /** Every step was done: later starts open on the dashboard's Status. */
  completedAt?: string;
  /** The person closed the checklist. */
  dismissedAt?: string;
}

/** What the core knows now. */
export interface ChecklistFacts {
  /** Some ComfyUI answers. */
  comfyuiAnswers: boolean;
  /** A bundled workflow has every model it needs on a ComfyUI that answers. */
  modelRuns: boolean;
  /** Generations in the gallery (each one came from an agent's call: the dashboard makes none). */
  galleryImages: number;
}

type StepState = ChecklistView['steps'][number]['state'];

export function checklistSteps(
  facts: ChecklistFacts,
  record: ChecklistRecord,
): { id: ChecklistStepId; state: StepState }[] {
  const comfyui = facts.comfyuiAnswers;
  const model = comfyui && facts.modelRuns;
  const image = record.firstImageAt !== undefined || facts.galleryImages > 0;
  // An image in the gallery was asked for by an agent, so one connected even if this data folder never saw it
  // (a gallery from before the checklist existed).
  const agent = record.agentConnectedAt !== undefined || image;
  const state = (done: boolean, ready: boolean): StepState => (done ? 'done' : ready ? 'todo' : 'waiting');
  return [
    { id: 'comfyui', state: state(comfyui, true) },
    { id: 'model', state: state(model, comfyui) },
    { id: 'agent', state: state(agent, true) },
    { id: 'image', state: state(image, model && agent) },
  ];
}

/**
 * The record with what is newly true: the first agent and the first image are remembered (a restart must not
 * undo them), and so is completion, once every step is done. The same object when nothing is new.
 */
export function recordAfter(
  record: ChecklistRecord,
  seen: { agentConnected?: boolean; imageMade?: boolean; facts?: ChecklistFacts },
  now: string,
): ChecklistRecord {
  let next = record;
  if (seen.agentConnected && next.agentConnectedAt === undefined) next = { ...next, agentConnectedAt: now };
  if (seen.imageMade && next.firstImageAt === undefined) next = { ...next, firstImageAt: now };
  if (
    seen.facts &&
    next.completedAt === undefined &&
    checklistSteps(seen.facts, next).every((step) => step.state === 'done')
  )
    next = { ...next, completedAt: now };
  return next;
}

/** The window opens on the checklist until it was completed or dismissed: a first run, or set-up not finished. */
export function opensOnChecklist(record: ChecklistRecord): boolean {
  return record.completedAt === undefined && record.dismissedAt === undefined;
}

/** The dashboard page the window loads at start: the checklist (`#/checklist`) while it is open. */
export function startPageUrl(dashboardUrl: string, record: ChecklistRecord): string {
  return opensOnChecklist(record) ? `${dashboardUrl.replace(/#.*$/u, '')}#/checklist` : dashboardUrl;
}

export function checklistView(
  facts: ChecklistFacts,
  record: ChecklistRecord,
  comfyui: { urls: readonly string[]; canStart: boolean },
): ChecklistView {
  const steps = checklistSteps(facts, record);
  return {
    steps,
    complete: steps.every((step) => step.state === 'done'),
    dismissed: record.dismissedAt !== undefined,
    comfyuiUrls: [...comfyui.urls],
    canStartComfyui: comfyui.canStart,
  };
}
