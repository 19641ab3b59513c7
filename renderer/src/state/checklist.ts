import type { ChecklistStepId, ChecklistView } from '../../../shared/dashboard-api.js';

/** Each step's name, as the checklist and the Status view's summary show it. */
export const stepTitles: Record<ChecklistStepId, string> = {
  comfyui: 'ComfyUI found',
  model: 'A model that runs',
  agent: 'An agent connected',
  image: 'First image made',
};

/** How many steps are done, of how many. */
export function checklistProgress(view: ChecklistView): { done: number; total: number } {
  return { done: view.steps.filter((step) => step.state === 'done').length, total: view.steps.length };
}

/** Whether the Status view should point at the checklist: it is neither finished nor dismissed. */
export function checklistWanted(view: ChecklistView): boolean {
  return !view.complete && !view.dismissed;
}
