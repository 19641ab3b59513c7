import type { EditMode } from '../../shared/generation.js';
import {
  checkOnBackend,
  chooseDefaultWorkflow,
  type DefaultCandidate,
  type InstallOption,
} from './default.js';
import type { BackendView } from './requirements.js';
import type { Workflow } from './workflow.js';

/**
 * The workflows that may serve an edit mode by default, in the order they are tried: bundled ones first (by
 * `defaultRank`, then id), then the user's own whose sidecar declares the mode. A user graph the bridge only
 * detected a mode for is never picked unasked.
 */
export function candidatesForMode(mode: EditMode, workflows: readonly DefaultCandidate[]): Workflow[] {
  const rank = (workflow: Workflow) => workflow.meta.defaultRank ?? Number.MAX_SAFE_INTEGER;
  const bundled = workflows
    .filter((candidate) => candidate.source === 'bundled' && candidate.workflow.modes.includes(mode))
    .map((candidate) => candidate.workflow)
    .sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
  return [...bundled, ...declaredByUser(mode, workflows)];
}

function declaredByUser(mode: EditMode, workflows: readonly DefaultCandidate[]): Workflow[] {
  return workflows
    .filter((candidate) => candidate.source === 'user' && candidate.workflow.meta.modes?.includes(mode))
    .map((candidate) => candidate.workflow)
    .sort((a, b) => a.id.localeCompare(b.id));
}

export type ModeChoice = { id: string } | { id: undefined; reason: string; install?: InstallOption[] };

/**
 * The default for an edit mode: the first ranked bundled workflow for it that a backend can run
 * (default.ts chooseDefaultWorkflow), else the first of the user's workflows declaring the mode that one can;
 * else the reason, naming what the bundled ones need (models, node packs) and what the user's lack.
 */
export function chooseWorkflowForMode(
  mode: EditMode,
  workflows: DefaultCandidate[],
  backends: readonly BackendView[],
): ModeChoice {
  const bundled = chooseDefaultWorkflow(workflows, [...backends], undefined, mode);
  if (bundled.id !== undefined) return { id: bundled.id };
  const lacking: string[] = [];
  for (const workflow of declaredByUser(mode, workflows)) {
    const checks = backends.map((backend) => checkOnBackend(workflow, backend));
    if (checks.some((check) => check.runnable)) return { id: workflow.id };
    const closest = checks.sort((a, b) => a.messages.length - b.messages.length)[0];
    if (closest) lacking.push(`${workflow.id} (${closest.messages.join(' ') || 'cannot run'})`);
  }
  const own = lacking.length ? ` Your workflows for ${mode} cannot run: ${lacking.join('; ')}.` : '';
  return {
    id: undefined,
    reason: bundled.reason + own,
    ...('install' in bundled && bundled.install ? { install: bundled.install } : {}),
  };
}
