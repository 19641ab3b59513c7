/** Shapes of ComfyUI's API as the bridge uses them (see docs: comfyui/API.md, observed on ComfyUI 0.3.64). */

export type NodeId = string;

export interface ApiNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}

/** A workflow in ComfyUI's API format: node id → node. */
export type ApiGraph = Record<NodeId, ApiNode>;

export interface ImageRef {
  filename: string;
  subfolder: string;
  type: 'output' | 'temp' | 'input';
}

/** What each output node reported (its UI dictionary): `images` for SaveImage/PreviewImage, other keys for other nodes. */
export type NodeOutputs = Record<NodeId, { images?: ImageRef[]; [key: string]: unknown }>;

export interface ExecutionErrorInfo {
  nodeId: string;
  nodeType: string;
  exceptionType: string;
  exceptionMessage: string;
  traceback: string[];
}

export type RunResult =
  | { status: 'success'; outputs: NodeOutputs }
  | { status: 'error'; error: ExecutionErrorInfo; outputs: NodeOutputs }
  | { status: 'interrupted' }
  /** ComfyUI no longer knows the prompt: neither queued, running nor in history (restarted, deleted). */
  | { status: 'lost' };

export interface SystemStats {
  version: string;
  os: string;
  devices: { name: string; type: string; vramTotal: number; vramFree: number }[];
  ramTotal: number;
  ramFree: number;
}

/**
 * One input's spec from /object_info. The first element is a type name ("INT", "IMAGE", "COMBO") or, for
 * old-style combos, the list of allowed values; the options object may be missing or empty.
 */
export type InputSpec = readonly [
  typeOrValues: string | readonly unknown[],
  options?: Record<string, unknown>,
];

export interface NodeClassInfo {
  input: {
    required?: Record<string, InputSpec>;
    optional?: Record<string, InputSpec>;
    hidden?: Record<string, unknown>;
  };
  input_order?: Record<string, string[]>;
  output: string[];
  output_is_list?: boolean[];
  output_name?: string[];
  name: string;
  display_name?: string | null;
  description?: string;
  python_module?: string;
  category?: string;
  output_node: boolean;
  [key: string]: unknown;
}

/** Raw /object_info: node class name → its description. */
export type ObjectInfo = Record<string, NodeClassInfo>;

export interface QueueEntry {
  /** Queue position key; negative for `front` submissions, and a float when the number was set by a client. */
  number: number;
  promptId: string;
  clientId?: string;
}

export interface QueueState {
  running: QueueEntry[];
  /** Sorted by `number` ascending, i.e. in the order ComfyUI will run them. */
  pending: QueueEntry[];
}

/** The `error` object of a 400 answer to POST /prompt. */
export interface PromptError {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

/** One entry of `node_errors`, keyed by node id. */
export interface NodeError {
  errors: PromptError[];
  dependent_outputs: string[];
  class_type: string;
}
