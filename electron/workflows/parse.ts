import type { ApiGraph, ApiNode, NodeId } from '../comfy/types.js';
import { linksOf, nodeLabel } from './graph.js';
import { findImageOutputs } from './outputs.js';

/** Far above any real text-to-image graph (a few dozen nodes); keeps a hostile file from costing much. */
export const MAX_WORKFLOW_NODES = 2000;

/** A file that is not a usable API-format workflow; the message names the file and says what to do. */
export class WorkflowFormatError extends Error {
  override readonly name = 'WorkflowFormatError';
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(message);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ComfyUI's plain "Save" writes the editor's canvas: `nodes` and `links` arrays, not an executable prompt. */
function isUiFormat(json: Record<string, unknown>): boolean {
  return Array.isArray(json.nodes) && Array.isArray(json.links);
}

function parseNode(source: string, id: NodeId, value: unknown): ApiNode {
  if (!isPlainObject(value)) {
    throw new WorkflowFormatError(
      source,
      `${source}: node ${id} is not an object; an API-format workflow maps node ids to {"class_type", "inputs"}`,
    );
  }
  const classType = value.class_type;
  if (typeof classType !== 'string' || classType.trim() === '') {
    throw new WorkflowFormatError(
      source,
      `${source}: node ${id} has no class_type; re-export the workflow from ComfyUI with Workflow → Export (API)`,
    );
  }
  const inputs = value.inputs ?? {};
  if (!isPlainObject(inputs)) {
    throw new WorkflowFormatError(
      source,
      `${source}: node ${id} (${classType}) has "inputs" that is not an object`,
    );
  }
  const node: ApiNode = { class_type: classType, inputs: { ...inputs } };
  const meta = value._meta;
  if (isPlainObject(meta)) node._meta = typeof meta.title === 'string' ? { title: meta.title } : {};
  return node;
}

function checkLinks(source: string, graph: ApiGraph): void {
  for (const [id, node] of Object.entries(graph)) {
    for (const [input, [target]] of linksOf(node)) {
      if (!(target in graph)) {
        throw new WorkflowFormatError(
          source,
          `${source}: ${nodeLabel(graph, id)} input "${input}" links to node ${target}, which is not in the workflow; ` +
            're-export the workflow from ComfyUI with Workflow → Export (API)',
        );
      }
    }
  }
}

/** Iterative depth-first search, so a deep chain of nodes cannot overflow the stack. */
function findCycle(graph: ApiGraph): NodeId[] | undefined {
  const state = new Map<NodeId, 'open' | 'done'>();
  for (const start of Object.keys(graph)) {
    if (state.has(start)) continue;
    const path: NodeId[] = [];
    const stack: { id: NodeId; next: NodeId[] }[] = [];
    const enter = (id: NodeId) => {
      state.set(id, 'open');
      path.push(id);
      stack.push({ id, next: linksOf(graph[id] as ApiNode).map(([, [target]]) => target) });
    };
    enter(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: NodeId; next: NodeId[] };
      const target = top.next.pop();
      if (target === undefined) {
        state.set(top.id, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const seen = state.get(target);
      if (seen === 'open') return [...path.slice(path.indexOf(target)), target];
      if (seen === undefined) enter(target);
    }
  }
  return undefined;
}

/**
 * Turns a parsed JSON value into an API-format graph or throws a WorkflowFormatError that names `source`
 * (a file name or "the request") and tells the user how to fix it.
 */
export function parseWorkflow(json: unknown, source: string): ApiGraph {
  if (!isPlainObject(json)) {
    throw new WorkflowFormatError(
      source,
      `${source} is not a ComfyUI API-format workflow: expected a JSON object mapping node ids to nodes; ` +
        'in ComfyUI use Workflow → Export (API)',
    );
  }
  if (isUiFormat(json)) {
    throw new WorkflowFormatError(
      source,
      `${source} is a ComfyUI UI-format workflow; in ComfyUI use Workflow → Export (API) and save that file instead`,
    );
  }
  const ids = Object.keys(json);
  if (ids.length === 0) {
    throw new WorkflowFormatError(source, `${source} is an empty workflow: it has no nodes`);
  }
  if (ids.length > MAX_WORKFLOW_NODES) {
    throw new WorkflowFormatError(
      source,
      `${source} has ${ids.length} nodes; workflows are limited to ${MAX_WORKFLOW_NODES} nodes`,
    );
  }
  const graph: ApiGraph = {};
  for (const id of ids) graph[id] = parseNode(source, id, json[id]);

  checkLinks(source, graph);
  const cycle = findCycle(graph);
  if (cycle) {
    throw new WorkflowFormatError(
      source,
      `${source} has a cycle (${cycle.join(' → ')}); ComfyUI cannot run a graph whose links loop back`,
    );
  }
  if (findImageOutputs(graph).length === 0) {
    throw new WorkflowFormatError(
      source,
      `${source} has no image output node; add a SaveImage (or PreviewImage) node that receives the final image`,
    );
  }
  return graph;
}
