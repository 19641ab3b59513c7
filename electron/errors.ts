/**
 * A failure the user or the agent can do something about: ComfyUI unreachable, a model missing, a save path
 * outside the allowed folders. `code` is stable and machine-readable; `message` says what went wrong and
 * `hint` what to do next. Everything else thrown inside the bridge is treated as a bug.
 */
export class BridgeError extends Error {
  readonly code: string;
  readonly details?: unknown;
  readonly hint?: string;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BridgeError';
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
    if (options.details !== undefined) this.details = options.details;
  }
}

export function isBridgeError(value: unknown): value is BridgeError {
  return value instanceof BridgeError;
}

/**
 * "message. hint" as one text: the hint is its own sentence, so a message without a closing stop (ComfyUI's
 * "CUDA out of memory", a path error) gets one rather than running into the hint.
 */
export function withHint(message: string, hint: string | undefined): string {
  if (!hint) return message;
  const trimmed = message.trimEnd();
  const stop = /[.!?…]["')\]]*$/u.test(trimmed) || trimmed === '' ? '' : '.';
  return `${trimmed}${stop} ${hint}`;
}
