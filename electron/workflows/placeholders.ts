import type { ApiGraph, NodeId } from '../comfy/types.js';

export const PARAMETER_NAMES = [
  'prompt',
  'negative_prompt',
  'width',
  'height',
  'seed',
  'steps',
  'cfg',
  'denoise',
  'input_image',
  'mask_image',
  'scale',
  'extend_left',
  'extend_right',
  'extend_top',
  'extend_bottom',
] as const;

export type ParameterName = (typeof PARAMETER_NAMES)[number];

/** Where one parameter's value goes. */
export interface ParameterTarget {
  nodeId: NodeId;
  classType: string;
  input: string;
  /** `placeholder`: the author marked the input with `{{name}}`; `detected`: found by following the graph. */
  source: 'placeholder' | 'detected';
  /** `replace`: the whole value becomes the typed value; `interpolate`: `{{name}}` inside a longer string. */
  mode: 'replace' | 'interpolate';
}

export type ParameterTargets = Partial<Record<ParameterName, ParameterTarget[]>>;

const WHOLE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;
const ANY = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

function isParameterName(name: string): name is ParameterName {
  return (PARAMETER_NAMES as readonly string[]).includes(name);
}

/** The placeholders an author put into the graph, and any `{{names}}` we do not know (likely typos). */
export function findPlaceholders(graph: ApiGraph): { targets: ParameterTargets; unknown: string[] } {
  const targets: ParameterTargets = {};
  const unknown = new Set<string>();
  for (const [nodeId, node] of Object.entries(graph)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      if (typeof value !== 'string') continue;
      const mode = WHOLE.test(value) ? 'replace' : 'interpolate';
      const names = new Set([...value.matchAll(ANY)].map((match) => match[1] as string));
      for (const name of names) {
        if (!isParameterName(name)) {
          unknown.add(name);
          continue;
        }
        (targets[name] ??= []).push({
          nodeId,
          classType: node.class_type,
          input,
          source: 'placeholder',
          mode,
        });
      }
    }
  }
  return { targets, unknown: [...unknown].sort() };
}

/**
 * Replaces every known placeholder in the graph's string inputs, in place. A whole-value placeholder takes
 * the typed value (a number stays a number); one inside a longer string is interpolated.
 */
export function fillPlaceholders(
  graph: ApiGraph,
  values: Partial<Record<ParameterName, string | number>>,
): void {
  for (const node of Object.values(graph)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      if (typeof value !== 'string') continue;
      const whole = WHOLE.exec(value)?.[1];
      if (whole !== undefined && isParameterName(whole)) {
        const replacement = values[whole];
        if (replacement !== undefined) node.inputs[input] = replacement;
        continue;
      }
      node.inputs[input] = value.replace(ANY, (match, name: string) => {
        const replacement = isParameterName(name) ? values[name] : undefined;
        return replacement === undefined ? match : String(replacement);
      });
    }
  }
}
