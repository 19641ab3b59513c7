import type { EditMode } from '../../shared/generation.js';
import { checkOnBackend, type DefaultCandidate } from './default.js';
import type { BackendView } from './requirements.js';
import type { Workflow } from './workflow.js';

/**
 * The workflows that may serve an edit mode by default, in the order they are tried: bundled ones first (by
 * `defaultRank`, then id), then the user's own whose sidecar declares the mode. A user graph the bridge only
 * guessed a mode for is never picked unasked.
 */
export function candidatesForMode(mode: EditMode, workflows: readonly DefaultCandidate[]): Workflow[] {
  const rank = (workflow: Workflow) => workflow.meta.defaultRank ?? Number.MAX_SAFE_INTEGER;
  const bundled = workflows
    .filter((candidate) => candidate.source === 'bundled' && candidate.workflow.modes.includes(mode))
    .map((candidate) => candidate.workflow)
    .sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
  const own = workflows
    .filter((candidate) => candidate.source === 'user' && candidate.workflow.meta.modes?.includes(mode))
    .map((candidate) => candidate.workflow)
    .sort((a, b) => a.id.localeCompare(b.id));
  return [...bundled, ...own];
}

export type ModeChoice = { id: string } | { id: undefined; reason: string };

/**
 * The first candidate some backend can run; else the reason, naming each workflow that would serve the mode and
 * what it lacks (node types, model files, ComfyUI version) on the backend closest to running it.
 */
export function chooseWorkflowForMode(
  mode: EditMode,
  workflows: readonly DefaultCandidate[],
  backends: readonly BackendView[],
): ModeChoice {
  const candidates = candidatesForMode(mode, workflows);
  if (candidates.length === 0)
    return {
      id: undefined,
      reason:
        `No workflow serves ${mode}. Add an API-format workflow for it to the user workflows folder with a ` +
        `sidecar <id>.meta.json whose "modes" lists "${mode}".`,
    };
  if (backends.length === 0)
    return {
      id: undefined,
      reason: 'No ComfyUI backend is reachable, so no workflow can be checked; start ComfyUI.',
    };
  const lacking: string[] = [];
  for (const workflow of candidates) {
    const checks = backends.map((backend) => checkOnBackend(workflow, backend));
    if (checks.some((check) => check.runnable)) return { id: workflow.id };
    const closest = checks.sort((a, b) => a.messages.length - b.messages.length)[0]!;
    lacking.push(`${workflow.id} (${closest.messages.join(' ') || 'cannot run'})`);
  }
  return {
    id: undefined,
    reason: `No workflow for ${mode} can run on any backend. Workflows that would serve it: ${lacking.join('; ')}.`,
  };
}
