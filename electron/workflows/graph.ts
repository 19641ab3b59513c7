import type { ApiGraph, ApiNode, NodeId } from '../comfy/types.js';

/** A link in API format: `[source node id, output index]`. */
export type Link = readonly [NodeId, number];

export function isLink(value: unknown): value is Link {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'number' &&
    Number.isInteger(value[1]) &&
    value[1] >= 0
  );
}

/** The link an input carries, if it is one. */
export function linkOf(node: ApiNode, input: string): Link | undefined {
  const value = node.inputs[input];
  return isLink(value) ? value : undefined;
}

/** Every `[input name, link]` of a node. */
export function linksOf(node: ApiNode): [string, Link][] {
  const result: [string, Link][] = [];
  for (const [name, value] of Object.entries(node.inputs)) {
    if (isLink(value)) result.push([name, value]);
  }
  return result;
}

/** A sampler denoises a latent under conditioning: KSampler, KSamplerAdvanced, SamplerCustom(Advanced), … */
export function isSampler(node: ApiNode): boolean {
  return (
    linkOf(node, 'latent_image') !== undefined &&
    (linkOf(node, 'positive') ?? linkOf(node, 'guider')) !== undefined
  );
}

/** Every `[node id, input name]` that takes output `output` of node `id`. */
export function consumersOf(graph: ApiGraph, id: NodeId, output: number): [NodeId, string][] {
  const result: [NodeId, string][] = [];
  for (const [consumerId, node] of Object.entries(graph)) {
    for (const [input, link] of linksOf(node)) {
      if (link[0] === id && link[1] === output) result.push([consumerId, input]);
    }
  }
  return result;
}

export function nodeLabel(graph: ApiGraph, id: NodeId): string {
  const node = graph[id];
  if (!node) return `node ${id}`;
  const title = node._meta?.title;
  return title && title !== node.class_type
    ? `node ${id} (${node.class_type} "${title}")`
    : `node ${id} (${node.class_type})`;
}

/** A deep copy, so binding never touches the library's parsed graph. */
export function cloneGraph(graph: ApiGraph): ApiGraph {
  return structuredClone(graph);
}
