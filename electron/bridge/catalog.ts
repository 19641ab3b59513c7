import type { EditMode } from '../../shared/generation.js';
import type { ObjectInfo } from '../comfy/types.js';
import type { PreparedPrompt } from '../jobs/scheduler.js';
import type { Extend } from '../jobs/types.js';

/** What a workflow does: make an image from text, or one of edit_image's modes. */
export type CallMode = 'generate' | EditMode;

/** An edit's values for the workflow: uploaded input names, {{denoise}}, {{scale}}, {{extend_*}}. */
export interface EditBinding {
  inputImage: string;
  maskImage?: string;
  denoise?: number;
  /** The mode's strength, for a workflow whose sidecar has no defaults.denoise when the call gave none. */
  fallbackDenoise?: number;
  scale?: number;
  extend?: Extend;
}

/** What the bridge needs from the workflow library: which workflow a call means, and the prompt for a job. */
export interface WorkflowCatalog {
  /**
   * The workflow id a call gets: the one it named (refused with workflow_wrong_mode when it does not serve the
   * mode), else the default for the mode; throws a BridgeError naming the choices.
   */
  resolveId(requested: string | undefined, mode?: CallMode): string;
  /** The size a workflow generates when a call gives none (its model's native size). */
  defaultSize(id: string): { width: number; height: number };
  prepare(
    id: string,
    params: {
      prompt: string;
      negativePrompt: string;
      width: number;
      height: number;
      seed: number;
      edit?: EditBinding;
    },
  ): PreparedPrompt;
  /** The output nodes of a workflow (a run recovered after a restart is read from them). */
  outputNodes(id: string): string[];
  /** Whether a backend has every node type, model file and ComfyUI version the workflow needs; messages say what to do. */
  check(
    id: string,
    objectInfo: ObjectInfo,
    /** The backend's ComfyUI version, for a workflow whose sidecar names a minimum. */
    version?: string,
  ): { runnable: boolean; missingNodeTypes: string[]; missingModels: string[]; messages: string[] };
}
