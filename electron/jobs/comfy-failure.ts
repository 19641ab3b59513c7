import type { ExecutionErrorInfo, NodeError } from '../comfy/types.js';
import type { JobError } from './types.js';

/*
 * What an agent (and the batch file) keeps of a ComfyUI failure: which node, what exception, its message.
 * ComfyUI's Python traceback (a dozen frames, with `^^^^` marker lines under each call) helps nobody choose a
 * next step and costs the agent's context; it goes to the bridge's log only.
 */

/** An exception message longer than this is cut in the result (the log has it whole). */
const MAX_MESSAGE_CHARS = 1000;

/** The failing node, the exception type and message: the `details` of an `execution_error`. */
export interface ExecutionFailureDetails {
  nodeId: string;
  nodeType: string;
  exceptionType: string;
  exceptionMessage: string;
}

/** A run ComfyUI ended with `execution_error`, as the job's error. */
export function executionFailure(error: ExecutionErrorInfo): JobError & { details: ExecutionFailureDetails } {
  const message = shorten(error.exceptionMessage.trim());
  const type = shortExceptionType(error.exceptionType);
  return {
    code: 'execution_error',
    message: `ComfyUI failed in node ${error.nodeId} (${error.nodeType}): ${type ? `${type}: ` : ''}${message}`,
    details: {
      nodeId: error.nodeId,
      nodeType: error.nodeType,
      exceptionType: error.exceptionType,
      exceptionMessage: message,
    },
  };
}

/** The whole failure as ComfyUI sent it, traceback included, for the log. */
export function executionFailureLog(error: ExecutionErrorInfo): Record<string, string> {
  return {
    node: `${error.nodeId} (${error.nodeType})`,
    exception: `${error.exceptionType}: ${error.exceptionMessage.trim()}`,
    traceback: error.traceback.join(''),
  };
}

/**
 * A 400's node_errors without the tracebacks ComfyUI attaches to an exception during validation
 * (`extra_info.traceback`); everything else, the messages and details that name the bad input, stays.
 */
export function withoutTracebacks(nodeErrors: Record<string, NodeError>): Record<string, NodeError> {
  return Object.fromEntries(
    // ComfyUI's own objects (parse.ts keeps them as sent), so a field its schema defaults may be absent here.
    Object.entries(nodeErrors).map(([id, nodeError]) => [
      id,
      !Array.isArray(nodeError.errors)
        ? nodeError
        : {
            ...nodeError,
            errors: nodeError.errors.map((error) => {
              if (!error.extra_info || !('traceback' in error.extra_info)) return error;
              const { traceback: _logged, ...extraInfo } = error.extra_info;
              return { ...error, extra_info: extraInfo };
            }),
          },
    ]),
  );
}

/** `torch.OutOfMemoryError` → `OutOfMemoryError`; a custom node's `<custom_nodes>/pack.Failure` → `Failure`. */
function shortExceptionType(type: string): string {
  return type.split(/[./]/u).at(-1) ?? type;
}

function shorten(text: string): string {
  return text.length <= MAX_MESSAGE_CHARS ? text : `${text.slice(0, MAX_MESSAGE_CHARS)}…`;
}
