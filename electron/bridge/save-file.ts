/**
 * The file a job will write, as generate and edit calls decide it alike: its format (from the name, or the call's),
 * the refusal of an existing file before any GPU time is spent, and the spec fields that record it.
 */
import path from 'node:path';
import type { OutputFormat } from '../../shared/generation.js';
import { BridgeError } from '../errors.js';
import { lstatOrUndefined } from '../images/errno.js';
import { FormatError, resolveOutputFormat } from '../images/format.js';
import type { PathPolicy } from '../images/path-policy.js';
import type { JobSpec, WebSpec } from '../jobs/types.js';
import { certainVariantNames } from '../web/purposes.js';

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

/**
 * Refuses, before any GPU time is spent, a call whose web variants would meet files already there (a site's own
 * favicon.ico, an earlier run's hero-640.avif): made after the image, they would fail then, the image spent. The
 * variants' own write refuses them again, so this look-up decides nothing it does not re-check.
 */
export async function refuseTakenWebNames(
  savePath: string,
  web: WebSpec | undefined,
  size: { width: number; height: number },
): Promise<void> {
  if (web === undefined) return;
  const folder = path.dirname(savePath);
  const names = certainVariantNames(web.option, size, savePath);
  const found = await Promise.all(names.map((name) => lstatOrUndefined(path.join(folder, name))));
  const taken = names.filter((_, index) => found[index] !== undefined).map((name) => path.join(folder, name));
  const [first] = taken;
  if (first === undefined) return;
  const what =
    taken.length === 1
      ? `"${first}" already exists`
      : `${taken.length} of its files already exist (${taken.map((file) => `"${file}"`).join(', ')})`;
  throw new BridgeError('file_exists', `web: ${what} and overwrite is false.`, {
    hint: 'Pass overwrite: true to replace them (the old files are kept in the recovery folder), or choose another save_path.',
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
