/**
 * How a tool call's paths are checked and how the core's failures reach the agent: path-policy refusals and other
 * domain errors become BridgeErrors with a code (path_symlink, image_too_large, convert_failed, …); bugs
 * (TypeError, RangeError) stay what they are.
 */
import { BridgeError } from '../errors.js';
import { AtomicWriteError } from '../images/atomic-write.js';
import { ImageTooLargeError } from '../images/pixel-limit.js';
import { PathPolicyError, type PathPolicy, type SavePathCheck } from '../images/path-policy.js';

export async function resolvePath(
  policy: PathPolicy,
  path: string,
  anchors: { baseDir?: string; defaultDir: string },
): Promise<string> {
  return (await checkSavePath(policy, path, anchors)).path;
}

/** resolvePath's answer, and whether a file is already there. */
export async function checkSavePath(
  policy: PathPolicy,
  path: string,
  anchors: { baseDir?: string; defaultDir: string },
): Promise<SavePathCheck> {
  try {
    return await policy.checkSavePath(path, anchors);
  } catch (error) {
    throw asBridgeError(error, 'path_refused');
  }
}

export async function readablePath(
  policy: PathPolicy,
  path: string,
  anchors: { baseDir?: string; defaultDir: string },
): Promise<string> {
  try {
    return await policy.checkReadablePath(path, anchors);
  } catch (error) {
    throw asBridgeError(error, 'path_refused');
  }
}

/** One item's failure in a conversion of several, with the code the same failure would have as a single call. */
export function failureOf(error: Error): { code: string; message: string } {
  const bridgeError = asBridgeError(error, 'convert_failed');
  return bridgeError instanceof BridgeError
    ? { code: bridgeError.code, message: bridgeError.message }
    : { code: 'convert_failed', message: error.message };
}

export function asBridgeError(error: unknown, code: string): unknown {
  if (error instanceof BridgeError) return error;
  if (error instanceof ImageTooLargeError) return new BridgeError(error.code, error.message);
  // As generate_image's: write_exists (with the overwrite advice in its message), write_disk_full, …
  if (error instanceof AtomicWriteError)
    return new BridgeError(`write_${error.reason.replaceAll('-', '_')}`, error.message);
  if (error instanceof PathPolicyError)
    return new BridgeError(`path_${error.reason.replaceAll('-', '_')}`, error.message);
  if (error instanceof Error && error.name !== 'TypeError' && error.name !== 'RangeError') {
    return new BridgeError(code, error.message, { cause: error });
  }
  return error;
}
