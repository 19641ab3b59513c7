import type { ObjectInfo } from '../comfy/types.js';
import type { PreparedPrompt } from '../jobs/scheduler.js';

/** What the bridge needs from the workflow library: which workflow a call means, and the prompt for a job. */
export interface WorkflowCatalog {
  /** The workflow id a call gets: the one it named, else the default; throws a BridgeError naming the choices. */
  resolveId(requested: string | undefined): string;
  /** The size a workflow generates when a call gives none (its model's native size). */
  defaultSize(id: string): { width: number; height: number };
  prepare(
    id: string,
    params: { prompt: string; negativePrompt: string; width: number; height: number; seed: number },
  ): PreparedPrompt;
  /** Whether a backend has every node type, model file and ComfyUI version the workflow needs; messages say what to do. */
  check(
    id: string,
    objectInfo: ObjectInfo,
    /** The backend's ComfyUI version, for a workflow whose sidecar names a minimum. */
    version?: string,
  ): { runnable: boolean; missingNodeTypes: string[]; missingModels: string[]; messages: string[] };
}
