/**
 * The source of an edit (the lightbox's "before"), read for the dashboard. A record names its source by path, but
 * the path alone is never a reason to serve a file: it is read again at each request exactly as edit_image reads a
 * source (images/source-read.ts): walked from an allowed folder without following links, the file opened
 * O_NOFOLLOW and read from that handle, size-limited, and only a PNG, JPEG or WebP by its header.
 *
 * Which folder: only the record's `allowedFolder`, the allowed folder the edit's own output was confined to when
 * the edit ran (the default save path puts the output next to its source). That is stricter than the settings'
 * folders: it reaches no folder the dashboard does not already serve this record's output from, it covers edits
 * in an agent's project (a client root the settings do not list), and a source elsewhere, even in another allowed
 * folder, is not shown. That folder must still be a folder, not a link: a project folder swapped for a link to
 * somewhere else leads nowhere (that look is by path, just before the walk: a swap between the two is the window
 * left, since the root is where the walk starts). Records without `allowedFolder` get no source served.
 */
import { lstat } from 'node:fs/promises';
import type { GenerationRecord } from '../../shared/generation.js';
import { isBridgeError } from '../errors.js';
import { isErrno } from '../images/errno.js';
import { createPathPolicy } from '../images/path-policy.js';
import { readSourceImage, type SourceFormat } from '../images/source-read.js';

export interface EditSourceLimits {
  /** Files larger than this are not read (the maxSourceMegabytes setting). */
  maxBytes: number;
  /** Images whose header declares more pixels are refused (the maxInputMegapixels setting). */
  maxPixels: number;
}

export type EditSourceRead =
  | { state: 'present'; bytes: Buffer; format: SourceFormat; width: number; height: number }
  /** `gone`: nothing there; `outside`: the path now leads out of the allowed folder; `refused`: not an image or too large. */
  | { state: 'gone' | 'outside' | 'refused' | 'not-an-edit'; why: string };

export async function readEditSource(
  record: GenerationRecord,
  limits: EditSourceLimits,
): Promise<EditSourceRead> {
  if (!record.edit) return { state: 'not-an-edit', why: `Generation ${record.id} is not an edit.` };
  const { source } = record.edit;
  const folder = record.allowedFolder;
  if (!folder)
    return {
      state: 'outside',
      why: `The source ${source} is not shown: this record does not say which allowed folder the edit ran in.`,
    };
  const rootState = await lstat(folder).catch((error: unknown) => {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  });
  if (!rootState)
    return { state: 'gone', why: `The source ${source} is gone: its folder ${folder} no longer exists.` };
  if (!rootState.isDirectory())
    return {
      state: 'outside',
      why: `The source ${source} is not shown: the allowed folder ${folder} is now ${rootState.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}.`,
    };
  try {
    const image = await readSourceImage(source, {
      policy: createPathPolicy({ allowedRoots: [folder] }),
      maxBytes: limits.maxBytes,
      maxPixels: limits.maxPixels,
      role: 'source image',
      // Served, not decoded: the header is checked (format, size), the browser decodes.
      decodeWhole: false,
    });
    return {
      state: 'present',
      bytes: image.bytes,
      format: image.format,
      width: image.width,
      height: image.height,
    };
  } catch (error) {
    if (!isBridgeError(error)) throw error;
    return { state: stateOf(error.code), why: error.message };
  }
}

/** The read's refusal codes (source-read.ts) as what the dashboard says about the source. */
export function stateOf(code: string): 'gone' | 'outside' | 'refused' {
  if (code === 'path_not_found' || code === 'path_is_directory') return 'gone';
  if (code.startsWith('path_')) return 'outside';
  return 'refused';
}
