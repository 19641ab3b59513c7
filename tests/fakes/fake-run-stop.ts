/**
 * How a fake run stops early (interrupted, or a node failing) and the execution_error message ComfyUI sends then,
 * shaped like captures/08-failure's.
 */
import { isFakeValue, type NodeInputs } from './fake-nodes.js';

export class RunStopped extends Error {
  constructor(
    readonly kind: 'error' | 'interrupted',
    readonly nodeId: string,
    readonly exceptionType = '',
    readonly exceptionMessage = '',
  ) {
    super(exceptionMessage);
  }
}

/** The execution_error payload for a run stopped at `current` after `executed`; `nodeIds`: every node of the prompt. */
export function executionError(
  promptId: string,
  error: RunStopped,
  current: { classType: string; inputs: NodeInputs } | undefined,
  executed: string[],
  nodeIds: string[],
): Record<string, unknown> {
  const nodeType = current?.classType ?? '';
  return {
    prompt_id: promptId,
    node_id: error.nodeId,
    node_type: nodeType,
    executed,
    exception_message: error.exceptionMessage,
    exception_type: error.exceptionType,
    // Shaped like 08-failure's: frames as Python 3.11 prints them, `^^^^` markers under each call.
    traceback: [
      '  File "<ComfyUI>/execution.py", line 496, in execute\n    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all)\n                                                              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n',
      '  File "<ComfyUI>/execution.py", line 277, in process_inputs\n    result = f(**inputs)\n             ^^^^^^^^^^^\n',
      `  File "<fake-comfyui>/${nodeType}", line 1, in run\n    raise ${error.exceptionType.split('.').at(-1)}(…)\n`,
    ],
    current_inputs: Object.fromEntries(
      Object.entries(current?.inputs ?? {}).map(([k, v]) => [k, [isFakeValue(v) ? `<${v.type}>` : v]]),
    ),
    current_outputs: nodeIds,
  };
}
