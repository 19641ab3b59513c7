/**
 * The file a job will write, as generate and edit calls decide it alike: its format (from the name, or the call's),
 * the refusal of an existing file before any GPU time is spent, and the spec fields that record it.
 */
import type { OutputFormat } from '../../shared/generation.js';
import { BridgeError } from '../errors.js';
import { FormatError, resolveOutputFormat } from '../images/format.js';
import type { PathPolicy } from '../images/path-policy.js';
import type { JobSpec } from '../jobs/types.js';

/** resolveOutputFormat, with a name and format that disagree refused as invalid_format. */
export function outputTarget(
  savePath: string,
  format: OutputFormat | undefined,
  fallback?: OutputFormat,
): { path: string; format: OutputFormat } {
  try {
    return resolveOutputFormat(savePath, format, fallback);
  } catch (error) {
    if (error instanceof FormatError) throw new BridgeError('invalid_format', error.message);
    throw error;
  }
}

export function fileExistsError(savePath: string): BridgeError {
  return new BridgeError('file_exists', `"${savePath}" already exists and overwrite is false.`, {
    hint: 'Pass overwrite: true to replace it (the old file is kept in the recovery folder), or choose another save_path.',
  });
}

/** Where the job writes, the folders it may write in, and why it goes there when the call named no save_path. */
export function savedFileFields(
  savePath: string,
  policy: PathPolicy,
  overwrite: boolean,
  reason: string | undefined,
): Pick<JobSpec, 'savePath' | 'allowedRoots' | 'overwrite' | 'savedToReason'> {
  return {
    savePath,
    allowedRoots: [...policy.allowedRoots()],
    overwrite,
    ...(reason === undefined ? {} : { savedToReason: reason }),
  };
}
