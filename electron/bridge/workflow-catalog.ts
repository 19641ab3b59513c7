import type { ObjectInfo } from '../comfy/types.js';
import { BridgeError } from '../errors.js';
import { bindWorkflow, WorkflowBindingError } from '../workflows/bind.js';
import { checkOnBackend, chooseDefaultWorkflow } from '../workflows/default.js';
import type { BackendView } from '../workflows/requirements.js';
import type { LoadedWorkflowEntry, WorkflowLibrary } from '../workflows/library.js';
import { resolveRequestedSize } from '../workflows/bind.js';
import type { WorkflowValidation } from '../workflows/validate.js';
import type { Workflow } from '../workflows/workflow.js';
import type { WorkflowCatalog } from './catalog.js';

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

  return {
    resolveId(requested) {
      if (requested) return workflowOf(requested).id;
      const preferred = options.preferred();
      const loaded = library.list().filter((entry): entry is LoadedWorkflowEntry => entry.status === 'ok');
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
        });
        return { graph: bound.graph, outputNodes: bound.outputNodeIds };
      } catch (error) {
        if (error instanceof WorkflowBindingError) throw new BridgeError('invalid_arguments', error.message);
        throw error;
      }
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

function available(library: WorkflowLibrary): string {
  const ids = library
    .list()
    .filter((entry) => entry.status === 'ok')
    .map((entry) => entry.id);
  return ids.length ? ids.join(', ') : 'none';
}
