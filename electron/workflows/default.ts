import type { WorkflowMode } from './modes.js';
import { unmetRequirements, type BackendView } from './requirements.js';
import { validateWorkflow, type WorkflowValidation } from './validate.js';
import type { Workflow } from './workflow.js';

/** A workflow the smart default may consider, with where it came from. */
export interface DefaultCandidate {
  workflow: Workflow;
  source: 'bundled' | 'user';
}

export type DefaultChoice =
  | { id: string; reason: string }
  /** `install`: when no bundled workflow can run, what each one lacks (absent while no backend answers). */
  | { id: undefined; reason: string; install?: InstallOption[] };

/** The graph's own check against one backend, plus what the sidecar requires (ComfyUI version, nodes, options). */
export function checkOnBackend(workflow: Workflow, backend: BackendView): WorkflowValidation {
  const validation = validateWorkflow(workflow.graph, backend.objectInfo, workflow.meta.requires?.packs);
  const unmet = unmetRequirements(workflow.meta, backend);
  if (unmet.length === 0) return validation;
  return { ...validation, runnable: false, messages: [...unmet, ...validation.messages] };
}

function runsSomewhere(workflow: Workflow, backends: BackendView[]): WorkflowValidation | true {
  let first: WorkflowValidation | undefined;
  for (const backend of backends) {
    const validation = checkOnBackend(workflow, backend);
    if (validation.runnable) return true;
    first ??= validation;
  }
  return (
    first ?? {
      runnable: false,
      missingNodes: [],
      missingPacks: [],
      missingModels: [],
      invalidValues: [],
      messages: [],
    }
  );
}

/**
 * The workflow to use for `mode` when a request names none: the preferred one if it serves the mode and runs
 * on some backend, else the first bundled one serving the mode, in `meta.defaultRank` order (fastest good
 * model first), that some backend has everything for. Undefined, with the reason, when nothing fits.
 * Only workflows serving `mode` count: an inpaint workflow is never the text-to-image default, and a
 * preferred workflow of another mode is passed over (with a word only for generate, the setting's own mode).
 */
export function chooseDefaultWorkflow(
  allWorkflows: DefaultCandidate[],
  backends: BackendView[],
  preferred?: string,
  mode: WorkflowMode = 'generate',
): DefaultChoice {
  const workflows = allWorkflows.filter((candidate) => candidate.workflow.modes.includes(mode));
  const bundledKind = mode === 'generate' ? 'bundled workflow' : `bundled ${mode} workflow`;
  if (backends.length === 0) {
    return {
      id: undefined,
      reason: 'No ComfyUI backend is reachable, so no workflow can be checked; start ComfyUI.',
    };
  }
  let preferredProblem = '';
  const elsewhere = allWorkflows.find((candidate) => candidate.workflow.id === preferred);
  if (preferred !== undefined && elsewhere && !elsewhere.workflow.modes.includes(mode)) {
    // The setting names the text-to-image default; for an edit mode it simply does not apply.
    if (mode === 'generate') {
      preferredProblem = `The chosen default "${preferred}" does not make images from text (it serves ${elsewhere.workflow.modes.join(', ') || 'no mode'}). `;
    }
  } else if (preferred !== undefined) {
    const chosen = workflows.find((candidate) => candidate.workflow.id === preferred);
    const result = chosen && runsSomewhere(chosen.workflow, backends);
    if (result === true) return { id: preferred, reason: `"${preferred}" is the chosen default workflow.` };
    preferredProblem = chosen
      ? `The chosen default "${preferred}" cannot run on any backend (${result?.messages[0] ?? 'unknown problem'}). `
      : `The chosen default "${preferred}" does not exist. `;
  }

  const ranked = workflows
    .filter(
      (candidate) => candidate.source === 'bundled' && candidate.workflow.meta.defaultRank !== undefined,
    )
    .sort((a, b) => (a.workflow.meta.defaultRank as number) - (b.workflow.meta.defaultRank as number));
  for (const { workflow } of ranked) {
    if (runsSomewhere(workflow, backends) === true) {
      return {
        id: workflow.id,
        reason: `${preferredProblem}"${workflow.id}" is the first ${bundledKind} whose models a backend has.`,
      };
    }
  }
  const install = ranked.map(({ workflow }) => modelsToInstall(workflow, backends));
  const names = install.map(({ workflow, models, packs }, index) => {
    const needs = ranked[index]!.workflow.meta.requires?.comfyui;
    const files = models.map((m) => `${m.folder}/${m.file}${m.url ? ` from ${m.url}` : ''}`);
    const nodePacks = (packs ?? []).map((p) => `the custom node pack ${p.name} (${p.url}; ${p.install})`);
    return `${workflow} (${[...nodePacks, ...files, ...(needs ? [`needs ComfyUI ≥ ${needs}`] : [])].join(', ')})`;
  });
  const noneMessage =
    names.length === 0
      ? `No bundled workflow serves ${mode}. `
      : `No ${bundledKind} has all its models (and the ComfyUI version it needs) on any backend. ` +
        `Download the missing files of one of them into that folder under ComfyUI's models/: ${names.join('; ')}. `;
  // A user workflow is never the default on its own (it may be an upscaler or an img2img graph), but the
  // agent can pass one that runs, and should be told which.
  const runnableOwn = workflows
    .filter(
      (candidate) => candidate.source === 'user' && runsSomewhere(candidate.workflow, backends) === true,
    )
    .map(({ workflow }) => workflow.id)
    .sort();
  const own = runnableOwn.length
    ? ` Your workflows that can run: ${runnableOwn.join(', ')}; pass one as workflow${mode === 'generate' ? ', or make it the default' : ''}.`
    : '';
  return {
    id: undefined,
    reason:
      `${preferredProblem}${noneMessage}` +
      (mode === 'generate'
        ? 'Or add your own workflow to the user workflows folder and make it the default.'
        : `Or add your own workflow to the user workflows folder (its sidecar's "modes" naming ${mode}) and pass it as workflow.`) +
      own,
    install,
  };
}

/**
 * A bundled workflow's model files no backend has, each with the ComfyUI models folder it goes in and its
 * link, and the custom node packs it needs that the closest backend lacks (absent when none).
 */
export interface InstallOption {
  workflow: string;
  models: { file: string; folder: string; url?: string }[];
  packs?: { name: string; url: string; install: string }[];
}

/** What the backend closest to running it lacks (its sidecar gives folder and link; the graph, the folder only). */
function modelsToInstall(workflow: Workflow, backends: BackendView[]): InstallOption {
  const packs = workflow.meta.requires?.packs;
  const validations = backends.map((backend) => validateWorkflow(workflow.graph, backend.objectInfo, packs));
  const shortfall = (v: WorkflowValidation) => v.missingModels.length + v.missingNodes.length;
  const closest = validations.sort((a, b) => shortfall(a) - shortfall(b))[0];
  const missing = closest ? closest.missingModels : [];
  const models = missing.map((model) => {
    const known = workflow.meta.models.find((m) => m.file === model.value.split(/[\\/]/u).pop());
    return known
      ? { file: known.file, folder: known.folder, ...(known.url ? { url: known.url } : {}) }
      : { file: model.value, folder: model.folder ?? 'models' };
  });
  const missingPacks = closest ? closest.missingPacks : [];
  return { workflow: workflow.id, models, ...(missingPacks.length > 0 ? { packs: missingPacks } : {}) };
}
