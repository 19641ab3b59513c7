/**
 * WebP conversion for convert_to_webp and batch_convert_to_webp. Paths must already have passed the save-path
 * policy (the MCP layer does that); this module then works on folders opened through the allowed folders
 * (folder-handle.ts): it reads each original from an open file, decodes once, encodes once, writes atomically,
 * and deletes an original only if its name still holds the very file that was read.
 */
import { lstat, open, rename, unlink, link, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { readFlags, tempName, writeFileAtomic, writeIntoFolder } from './atomic-write.js';
import { isErrno } from './errno.js';
import {
  DEFAULT_MAX_INPUT_MEGAPIXELS,
  decodeLimit,
  pixelLimitOf,
  refuseOversizedImage,
} from './pixel-limit.js';
import type { FolderHandle } from './folder-handle.js';
import { objectIdentityOf, sameObject, type ObjectIdentity } from './file-identity.js';
import { pathChanged, PathPolicyError } from './path-error.js';
import { createPathPolicy } from './path-policy.js';

export interface WebpConversionOptions {
  /** 1–100 for lossy WebP (default 80). */
  quality?: number;
  lossless?: boolean;
  /** Scale down (never up) to at most this width, keeping the aspect. */
  maxWidth?: number;
  /** Default true: the original is deleted only when this is false and the WebP is safely on disk. */
  keepOriginal?: boolean;
  overwrite?: boolean;
  /** Where a WebP replaced with overwrite is kept (normally `<data folder>/replaced`). */
  recoveryDir: string;
  /** Larger images are refused (ImageTooLargeError) before they are decoded. */
  maxInputPixels?: number;
  /** The allowed folders; sources and outputs are opened through them. */
  allowedRoots: readonly string[];
}

export interface ConvertToWebpOptions extends WebpConversionOptions {
  path: string;
  /** Default: the same name with `.webp`, next to the original. */
  outputPath?: string;
}

export interface WebpConversion {
  path: string;
  outputPath: string;
  bytesBefore: number;
  bytesAfter: number;
  width: number;
  height: number;
  originalKept: boolean;
  replacedFileKeptAt?: string;
}

export class ConversionError extends Error {
  override readonly name = 'ConversionError';
}

/** Extensions a folder conversion picks up; WebP files are already converted. */
const convertibleExtensions = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff']);

export function defaultWebpPath(source: string): string {
  const extension = path.extname(source);
  return source.slice(0, source.length - extension.length) + '.webp';
}

export async function convertToWebp(options: ConvertToWebpOptions): Promise<WebpConversion> {
  const source = options.path;
  const outputPath = options.outputPath ?? defaultWebpPath(source);
  if (path.extname(outputPath).toLowerCase() !== '.webp') {
    throw new ConversionError(`output_path "${outputPath}" must end in .webp.`);
  }
  if (path.resolve(outputPath) === path.resolve(source)) {
    throw new ConversionError(
      `"${source}" is already a WebP file; pass an output_path to re-encode it under another name.`,
    );
  }
  const policy = createPathPolicy({ allowedRoots: options.allowedRoots });
  const sourceFolder = await policy.openFolder(path.dirname(source), { create: false });
  try {
    const original = await openOriginal(sourceFolder, path.basename(source));
    try {
      const encoded = await encode(original.bytes, options, source);
      const writeOptions = { overwrite: options.overwrite ?? false, recoveryDir: options.recoveryDir };
      // Next to the original (the usual case) the WebP goes into the folder already opened for it.
      const written =
        path.dirname(outputPath) === path.dirname(source)
          ? await writeIntoFolder(sourceFolder, path.basename(outputPath), encoded.data, writeOptions)
          : await writeFileAtomic(outputPath, encoded.data, {
              ...writeOptions,
              allowedRoots: options.allowedRoots,
            });
      const keepOriginal = options.keepOriginal ?? true;
      if (!keepOriginal)
        await deleteOriginal(sourceFolder, path.basename(source), original.identity, outputPath);
      return {
        path: source,
        outputPath,
        bytesBefore: original.bytes.byteLength,
        bytesAfter: written.bytes,
        width: encoded.info.width,
        height: encoded.info.height,
        originalKept: keepOriginal,
        ...(written.replacedFileKeptAt ? { replacedFileKeptAt: written.replacedFileKeptAt } : {}),
      };
    } finally {
      await original.handle.close();
    }
  } finally {
    await sourceFolder.close();
  }
}

async function encode(bytes: Buffer, options: ConvertToWebpOptions, source: string) {
  const maxPixels = options.maxInputPixels ?? pixelLimitOf(DEFAULT_MAX_INPUT_MEGAPIXELS);
  await refuseOversizedImage(bytes, `"${source}"`, maxPixels);
  let pipeline = sharp(bytes, decodeLimit(maxPixels)).autoOrient();
  if (options.maxWidth !== undefined)
    pipeline = pipeline.resize({ width: options.maxWidth, withoutEnlargement: true });
  return await pipeline
    .webp({ quality: options.quality ?? 80, lossless: options.lossless ?? false })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw new ConversionError(
        `Cannot convert "${source}": ${(error as Error).message}. Is it a PNG, JPEG or TIFF image?`,
        { cause: error },
      );
    });
}

interface Original {
  /** Held open until the conversion ends, so its inode cannot be reused by another file meanwhile. */
  handle: FileHandle;
  identity: ObjectIdentity;
  bytes: Buffer;
}

/** Reads the original from its opened folder, never through a link, and checks it was read from the right place. */
async function openOriginal(folder: FolderHandle, name: string): Promise<Original> {
  const shown = folder.shown(name);
  const handle = await open(folder.child(name), readFlags).catch((error: unknown) => {
    if (isErrno(error, 'ENOENT')) throw new ConversionError(`"${shown}" does not exist; check the path.`);
    if (isErrno(error, 'ELOOP')) {
      throw new PathPolicyError(
        'symlink',
        shown,
        `"${shown}" is a symbolic link; the bridge does not read through links. Convert the file it points to instead.`,
      );
    }
    throw error;
  });
  try {
    const info = await handle.stat({ bigint: true });
    if (!info.isFile()) throw new ConversionError(`"${shown}" is not a file.`);
    const bytes = await handle.readFile();
    await folder.verify();
    return { handle, identity: objectIdentityOf(info), bytes };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Deletes the original only if its name still holds the very file that was read: the name is first renamed
 * aside in the opened folder, the file found there is compared with the one read, and anything else is put back.
 */
async function deleteOriginal(
  folder: FolderHandle,
  name: string,
  read: ObjectIdentity,
  outputPath: string,
): Promise<void> {
  const shown = folder.shown(name);
  const kept = `the WebP was written to "${outputPath}" and the original was kept`;
  await folder.verify().catch(() => {
    throw pathChanged(shown, kept);
  });
  const aside = tempName(name);
  try {
    await rename(folder.child(name), folder.child(aside));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw pathChanged(shown, `the WebP was written to "${outputPath}"`);
    throw error;
  }
  const found = await lstat(folder.child(aside), { bigint: true });
  if (sameObject(objectIdentityOf(found), read)) {
    await unlink(folder.child(aside));
    await folder.sync();
    return;
  }
  // Someone else's file: back under its name, without replacing anything that appeared there since.
  await link(folder.child(aside), folder.child(name))
    .then(() => unlink(folder.child(aside)))
    .catch(() => rename(folder.child(aside), folder.child(name)));
  throw pathChanged(shown, `${kept} (its name now holds another file)`);
}

export interface ConvertManyToWebpOptions extends WebpConversionOptions {
  paths?: readonly string[];
  directory?: string;
  recursive?: boolean;
  /** Files converted at once; default: one per CPU core. */
  concurrency?: number;
}

export type WebpConversionOutcome =
  | { path: string; ok: true; result: WebpConversion }
  /** `error` as thrown, so the caller can tell a refused or changed path from a failed conversion. */
  | { path: string; ok: false; error: Error };

/** Converts every file, in parallel; each gets its own outcome and one failure never stops the others. */
export async function convertManyToWebp(options: ConvertManyToWebpOptions): Promise<WebpConversionOutcome[]> {
  const { paths, directory, recursive, concurrency, ...conversion } = options;
  if ((paths === undefined) === (directory === undefined)) {
    throw new ConversionError('Pass either paths (a list of files) or directory, not both and not neither.');
  }
  const sources = paths
    ? [...paths]
    : await findConvertibleImages(directory!, recursive ?? false, conversion.allowedRoots);
  const outcomes: WebpConversionOutcome[] = new Array<WebpConversionOutcome>(sources.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sources.length) {
      const index = next++;
      const source = sources[index]!;
      try {
        outcomes[index] = {
          path: source,
          ok: true,
          result: await convertToWebp({ ...conversion, path: source }),
        };
      } catch (error) {
        outcomes[index] = { path: source, ok: false, error: error as Error };
      }
    }
  };
  const workers = Math.max(1, Math.min(concurrency ?? availableParallelism(), sources.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

/**
 * PNG/JPEG/TIFF files in a folder, sorted by path. Each folder is opened from the one above without following
 * links, so a link inside an allowed folder (planted before or during the listing) cannot pull files from outside
 * it into a conversion.
 */
export async function findConvertibleImages(
  directory: string,
  recursive: boolean,
  allowedRoots: readonly string[],
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
      } else if (entry.isFile() && convertibleExtensions.has(path.extname(entry.name).toLowerCase())) {
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
