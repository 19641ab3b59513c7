/** How the fake ComfyUI reads a prompt's graph: the order nodes run in, their cache keys, their resolved inputs. */
import type { ApiGraph } from '../../electron/comfy/types.js';
import type { FakeValue, NodeInputs } from './fake-nodes.js';

/** Dependencies before dependants, starting from the outputs in id order (ComfyUI's order for simple graphs). */
export function executionOrder(prompt: ApiGraph, outputs: string[]): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id) || !prompt[id]) return;
    seen.add(id);
    for (const value of Object.values(prompt[id].inputs)) if (isLink(value)) visit(String(value[0]));
    order.push(id);
  };
  for (const id of [...outputs].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))) visit(id);
  return order;
}

/** Cache keys: class and inputs, with links replaced by the source's own key (ComfyUI's input signature). */
export function signaturesOf(prompt: ApiGraph): (id: string) => string {
  const memo = new Map<string, string>();
  const signature = (id: string): string => {
    const known = memo.get(id);
    if (known) return known;
    const node = prompt[id];
    const inputs = Object.entries(node?.inputs ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, isLink(v) ? ['link', signature(String(v[0])), v[1]] : v]);
    const result = JSON.stringify([node?.class_type, inputs]);
    memo.set(id, result);
    return result;
  };
  return signature;
}

export function resolveInputs(inputs: Record<string, unknown>, values: Map<string, FakeValue[]>): NodeInputs {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [k, isLink(v) ? values.get(String(v[0]))?.[Number(v[1])] : v]),
  );
}

function isLink(value: unknown): value is [string | number, number] {
  return Array.isArray(value) && value.length === 2 && typeof value[1] === 'number';
}
