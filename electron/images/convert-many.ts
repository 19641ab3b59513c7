/**
 * convert_image's many-image form: a list of paths or a folder's images, converted in parallel by convertImage
 * (convert.ts), each with its own outcome. A folder is walked through opened folder handles, never through links.
 */
import { lstat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  ConversionError,
  convertImage,
  isNamedAs,
  type Conversion,
  type ConversionOptions,
  type ConvertFormat,
} from './convert.js';
import type { FolderHandle } from './folder-handle.js';
import { createPathPolicy } from './path-policy.js';

/** Extensions a folder conversion picks up (less the target format's own: those files are converted already). */
const convertibleExtensions = ['.png', '.jpg', '.jpeg', '.tif', '.tiff'];

function isConvertible(name: string, format: ConvertFormat): boolean {
  return convertibleExtensions.includes(path.extname(name).toLowerCase()) && !isNamedAs(name, format);
}

export interface ConvertImagesOptions<Extra = undefined> extends ConversionOptions<Extra> {
  paths?: readonly string[];
  directory?: string;
  recursive?: boolean;
  /** Files converted at once; default: one per CPU core. */
  concurrency?: number;
  /** Called as each file's outcome is known (for progress). */
  onOutcome?: (done: number, total: number) => void;
}

export type ConversionOutcome<Extra = undefined> =
  | { path: string; ok: true; result: Conversion<Extra> }
  /** `error` as thrown, so the caller can tell a refused or changed path from a failed conversion. */
  | { path: string; ok: false; error: Error };

/** Converts every file, in parallel; each gets its own outcome and one failure never stops the others. */
export async function convertImages<Extra = undefined>(
  options: ConvertImagesOptions<Extra>,
): Promise<ConversionOutcome<Extra>[]> {
  const { paths, directory, recursive, concurrency, onOutcome, ...conversion } = options;
  if ((paths === undefined) === (directory === undefined)) {
    throw new ConversionError('Pass either paths (a list of files) or directory, not both and not neither.');
  }
  const sources = paths
    ? [...paths]
    : await findConvertibleImages(directory!, {
        recursive: recursive ?? false,
        format: conversion.format ?? 'webp',
        allowedRoots: conversion.allowedRoots,
      });
  const outcomes: ConversionOutcome<Extra>[] = new Array<ConversionOutcome<Extra>>(sources.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < sources.length) {
      const index = next++;
      const source = sources[index]!;
      try {
        outcomes[index] = {
          path: source,
          ok: true,
          result: await convertImage({ ...conversion, path: source }),
        };
      } catch (error) {
        outcomes[index] = { path: source, ok: false, error: error as Error };
      }
      onOutcome?.(++done, sources.length);
    }
  };
  const workers = Math.max(1, Math.min(concurrency ?? availableParallelism(), sources.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

/**
 * PNG/JPEG/TIFF files in a folder (not those already in the target format), sorted by path. Each folder is opened from the one above without following
 * links, so a link inside an allowed folder (planted before or during the listing) cannot pull files from outside
 * it into a conversion.
 */
export async function findConvertibleImages(
  directory: string,
  {
    recursive,
    format,
    allowedRoots,
  }: { recursive: boolean; format: ConvertFormat; allowedRoots: readonly string[] },
): Promise<string[]> {
  const found: string[] = [];
  const visit = async (folder: FolderHandle): Promise<void> => {
    for (const entry of await folder.entries()) {
      if (entry.isDirectory() && recursive) {
        const child = await folder.descend(entry.name);
        try {
          await visit(child);
        } finally {
          await child.close();
        }
      } else if (entry.isFile() && isConvertible(entry.name, format)) {
        found.push(folder.shown(entry.name));
      }
    }
  };
  if (!(await lstat(directory)).isDirectory()) {
    throw new ConversionError(`"${directory}" is not a folder; pass paths for single files.`);
  }
  const top = await createPathPolicy({ allowedRoots }).openFolder(directory, { create: false });
  try {
    await visit(top);
  } finally {
    await top.close();
  }
  return found.sort();
}
