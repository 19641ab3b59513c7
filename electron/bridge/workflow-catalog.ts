import type { ObjectInfo } from '../comfy/types.js';
import { BridgeError } from '../errors.js';
import { bindWorkflow, WorkflowBindingError } from '../workflows/bind.js';
import { checkOnBackend, chooseDefaultWorkflow } from '../workflows/default.js';
import type { BackendView } from '../workflows/requirements.js';
import type { LoadedWorkflowEntry, WorkflowLibrary } from '../workflows/library.js';
import { resolveRequestedSize } from '../workflows/bind.js';
import type { WorkflowValidation } from '../workflows/validate.js';
import type { Workflow } from '../workflows/workflow.js';
import { candidatesForMode, chooseWorkflowForMode } from '../workflows/mode-default.js';
import type { CallMode, EditBinding, WorkflowCatalog } from './catalog.js';

export interface WorkflowCatalogOptions {
  library: WorkflowLibrary;
  /** The user's chosen default workflow id ('' for the smart default). */
  preferred(): string;
  /** /object_info and version of every backend we know, for the smart default. */
  backends(): BackendView[];
}

/** The workflow library seen from the bridge: which workflow a call means, binding, and per-backend checks. */
export function createWorkflowCatalog(options: WorkflowCatalogOptions): WorkflowCatalog {
  const { library } = options;
  // Validation walks the graph; the dispatcher asks often, so results are kept per /object_info snapshot.
  let checks = new WeakMap<ObjectInfo, Map<string, WorkflowValidation>>();
  library.on('change', () => {
    checks = new WeakMap();
  });

  const workflowOf = (id: string): Workflow => {
    const entry = library.get(id);
    if (!entry) {
      throw new BridgeError(
        'unknown_workflow',
        `There is no workflow "${id}". Available: ${available(library)}.`,
        {
          hint: 'Use one of the available ids, or save an API-format workflow as <id>.json in the user workflows folder.',
        },
      );
    }
    if (entry.status === 'error') {
      throw new BridgeError('workflow_invalid', `Workflow "${id}" cannot be used: ${entry.error}`);
    }
    return entry.workflow;
  };

  const validate = (id: string, backend: BackendView): WorkflowValidation => {
    let perInfo = checks.get(backend.objectInfo);
    if (!perInfo) checks.set(backend.objectInfo, (perInfo = new Map<string, WorkflowValidation>()));
    const key = `${id}\n${backend.version ?? ''}`;
    let result = perInfo.get(key);
    if (!result) perInfo.set(key, (result = checkOnBackend(workflowOf(id), backend)));
    return result;
  };

  const loadedEntries = () =>
    library.list().filter((entry): entry is LoadedWorkflowEntry => entry.status === 'ok');

  /** A named workflow must serve the call's mode: an upscaler given to generate_image would make no sense. */
  const namedFor = (requested: string, mode: CallMode): string => {
    const workflow = workflowOf(requested);
    if (workflow.modes.includes(mode)) return workflow.id;
    const serving = loadedEntries()
      .filter((entry) => entry.workflow.modes.includes(mode))
      .map((entry) => entry.id);
    throw new BridgeError(
      'workflow_wrong_mode',
      `Workflow "${workflow.id}" serves ${workflow.modes.join(', ') || 'no mode (its sidecar declares none)'}, not ${mode}. ` +
        `Workflows for ${mode}: ${serving.join(', ') || 'none'}.`,
      { hint: `Pass one of those, or leave workflow out for the default for ${mode}.` },
    );
  };

  /** The default for an edit mode (workflows/mode-default.ts); with no backend to check, the first candidate. */
  const defaultForEdit = (mode: Exclude<CallMode, 'generate'>): string => {
    const candidates = loadedEntries().map((entry) => ({ workflow: entry.workflow, source: entry.source }));
    const choice = chooseWorkflowForMode(mode, candidates, options.backends());
    if (choice.id !== undefined) return choice.id;
    const first = candidatesForMode(mode, candidates)[0];
    if (first && options.backends().length === 0) return first.id;
    throw new BridgeError('no_usable_workflow', choice.reason, {
      hint: 'details.install lists each missing file with its folder and link; or pass workflow.',
      ...(choice.install ? { details: { install: choice.install } } : {}),
    });
  };

  return {
    resolveId(requested, mode = 'generate') {
      if (requested) return namedFor(requested, mode);
      if (mode !== 'generate') return defaultForEdit(mode);
      const preferred = options.preferred();
      // generate_image's default is only ever a workflow that makes an image from text.
      const loaded = loadedEntries().filter((entry) => entry.workflow.modes.includes('generate'));
      const choice = chooseDefaultWorkflow(
        loaded.map((entry) => ({ workflow: entry.workflow, source: entry.source })),
        options.backends(),
        preferred || undefined,
      );
      if (choice.id) return choice.id;
      // Nothing can be checked yet (no ComfyUI answers): take the user's choice, else the best-ranked bundled
      // workflow, and let the job wait for a backend; the dispatcher fails it if none can run it.
      const fallback = preferred
        ? workflowOf(preferred).id
        : loaded
            .filter((entry) => entry.source === 'bundled' && entry.workflow.meta.defaultRank !== undefined)
            .sort((a, b) => (a.workflow.meta.defaultRank ?? 0) - (b.workflow.meta.defaultRank ?? 0))[0]?.id;
      if (fallback && options.backends().length === 0) return fallback;
      throw new BridgeError('no_usable_workflow', choice.reason, {
        hint: 'details.install lists each missing file with its folder and link; or pass workflow.',
        ...('install' in choice && choice.install ? { details: { install: choice.install } } : {}),
      });
    },

    defaultSize(id) {
      return resolveRequestedSize({}, workflowOf(id).sizeRules);
    },

    prepare(id, params) {
      try {
        const bound = bindWorkflow(workflowOf(id), {
          prompt: params.prompt,
          // No negative prompt from the caller keeps the workflow author's own, which is part of its tuning.
          ...(params.negativePrompt ? { negative_prompt: params.negativePrompt } : {}),
          width: params.width,
          height: params.height,
          seed: params.seed,
          ...editValues(params.edit, workflowOf(id).meta.defaults.denoise),
        });
        return { graph: bound.graph, outputNodes: bound.outputNodeIds };
      } catch (error) {
        if (error instanceof WorkflowBindingError) throw new BridgeError('invalid_arguments', error.message);
        throw error;
      }
    },

    outputNodes(id) {
      return [...workflowOf(id).parameters.outputNodeIds];
    },

    check(id, objectInfo, version) {
      const result = validate(id, { objectInfo, ...(version === undefined ? {} : { version }) });
      return {
        runnable: result.runnable,
        missingNodeTypes: result.missingNodes,
        missingModels: result.missingModels.map((model) =>
          model.folder ? `${model.folder}/${model.value}` : model.value,
        ),
        messages: result.messages,
      };
    },
  };
}

/** An edit's workflow values; the strength is the call's, else the workflow's own default, else the mode's. */
function editValues(edit: EditBinding | undefined, workflowDenoise: number | undefined) {
  if (!edit) return {};
  const denoise = edit.denoise ?? workflowDenoise ?? edit.fallbackDenoise;
  return {
    input_image: edit.inputImage,
    ...(edit.maskImage === undefined ? {} : { mask_image: edit.maskImage }),
    ...(denoise === undefined ? {} : { denoise }),
    ...(edit.scale === undefined ? {} : { scale: edit.scale }),
    ...(edit.extend === undefined ? {} : { extend: edit.extend }),
  };
}

function available(library: WorkflowLibrary): string {
  const ids = library
    .list()
    .filter((entry) => entry.status === 'ok')
    .map((entry) => entry.id);
  return ids.length ? ids.join(', ') : 'none';
}
