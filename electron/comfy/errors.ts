import type { NodeError, PromptError } from './types.js';

/** Base of every failure talking to one ComfyUI server. */
export class ComfyError extends Error {
  override name = 'ComfyError';
  constructor(
    message: string,
    readonly baseUrl: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Connection refused, reset or timed out: the server is not running at that URL, or not answering. */
export class ComfyUnreachableError extends ComfyError {
  override name = 'ComfyUnreachableError';
  constructor(baseUrl: string, reason: string, options?: { cause?: unknown }) {
    super(
      `ComfyUI is not reachable at ${baseUrl} (${reason}). Start ComfyUI, or check the ComfyUI URL in the ` +
        `settings (ComfyUI Desktop listens on http://127.0.0.1:8000, the portable build on :8188).`,
      baseUrl,
      options,
    );
  }
}

/** ComfyUI answered with a status the bridge did not expect. */
export class ComfyHttpError extends ComfyError {
  override name = 'ComfyHttpError';
  constructor(
    baseUrl: string,
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(
      `ComfyUI at ${baseUrl} answered ${method} ${path} with HTTP ${status}` +
        (body.trim() ? `: ${truncate(body.trim(), 300)}` : '') +
        `. Check the ComfyUI console for details.`,
      baseUrl,
    );
  }
}

/** ComfyUI answered 2xx but the body is not what its API returns (wrong server on that port, or a broken proxy). */
export class ComfyProtocolError extends ComfyError {
  override name = 'ComfyProtocolError';
  constructor(
    baseUrl: string,
    readonly path: string,
    problem: string,
    readonly body: string,
  ) {
    super(
      `Unexpected answer from ${baseUrl}${path}: ${problem}. Is this URL really a ComfyUI server?`,
      baseUrl,
    );
  }
}

/** POST /prompt was refused with HTTP 400; `error` and `nodeErrors` are ComfyUI's own, untouched. */
export class ComfyValidationError extends ComfyError {
  override name = 'ComfyValidationError';
  constructor(
    baseUrl: string,
    readonly error: PromptError,
    readonly nodeErrors: Record<string, NodeError>,
  ) {
    super(`ComfyUI rejected the workflow: ${summariseValidation(error, nodeErrors)}`, baseUrl);
  }
}

/** The client was closed while the caller still waited on it. */
export class ComfyClosedError extends ComfyError {
  override name = 'ComfyClosedError';
  constructor(baseUrl: string) {
    super(`The ComfyUI client for ${baseUrl} was closed before the prompt finished.`, baseUrl);
  }
}

/** "node 3 (LoadImage): Custom validation failed for node: image - Invalid image file: nope.png; node 1 …". */
export function summariseValidation(error: PromptError, nodeErrors: Record<string, NodeError>): string {
  const perNode = Object.entries(nodeErrors).flatMap(([nodeId, nodeError]) =>
    nodeError.errors.map(
      (e) => `node ${nodeId} (${nodeError.class_type}): ${e.message}${e.details ? `: ${e.details}` : ''}`,
    ),
  );
  if (perNode.length > 0) return perNode.join('; ');
  return `${error.message}${error.details && error.details !== error.message ? ` (${error.details})` : ''}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
