import type { ObjectInfo } from '../comfy/types.js';
import { comboOptions, inputSpec } from './object-info.js';
import type { WorkflowMeta } from './meta.js';

/** What the bridge knows of one backend when it checks a workflow: its node list and its version. */
export interface BackendView {
  objectInfo: ObjectInfo;
  /** ComfyUI's version from /system_stats ("0.3.64"); undefined when it did not say. */
  version?: string;
}

/** "0.3.64", "v0.3.75-rc1" → [0, 3, 64] / [0, 3, 75]; undefined when it does not start with a number. */
export function parseVersion(version: string): number[] | undefined {
  const match = /^v?(\d+(?:\.\d+)*)/.exec(version.trim());
  return match ? match[1]!.split('.').map(Number) : undefined;
}

/** Negative, zero or positive as `a` is older than, the same as, or newer than `b` (missing parts count as 0). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * What a workflow's sidecar says a backend must have beyond the graph's own nodes and files: a minimum ComfyUI
 * version (the model's support landed then; an older ComfyUI may even accept the graph and fail at load), node
 * types, and choice values ("CLIPLoader.type = lumina2"). One sentence per shortfall; empty when none. An
 * unknown version is not held against the backend.
 */
export function unmetRequirements(meta: WorkflowMeta, backend: BackendView): string[] {
  const requires = meta.requires;
  if (!requires) return [];
  const problems: string[] = [];
  const minimum = requires.comfyui === undefined ? undefined : parseVersion(requires.comfyui);
  const actual = backend.version === undefined ? undefined : parseVersion(backend.version);
  if (minimum && actual && compareVersions(actual, minimum) < 0) {
    problems.push(
      `${meta.title} needs ComfyUI ≥ ${requires.comfyui} (this one is ${backend.version}); update ComfyUI.`,
    );
  }
  for (const node of requires.nodes) {
    if (!backend.objectInfo[node])
      problems.push(
        `${meta.title} needs the node type "${node}", which this ComfyUI does not have; update ComfyUI or install the custom node.`,
      );
  }
  for (const { node, input, value } of requires.options) {
    const spec = inputSpec(backend.objectInfo, node, input);
    const options = spec && comboOptions(spec);
    if (!options?.includes(value)) {
      problems.push(
        `${meta.title} needs ${node}.${input} = "${value}", which this ComfyUI does not offer; update ComfyUI.`,
      );
    }
  }
  return problems;
}
