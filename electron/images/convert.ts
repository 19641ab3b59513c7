/**
 * WebP conversion for convert_to_webp and batch_convert_to_webp. Paths must already have passed the save-path
 * policy (the MCP layer does that); this module decodes each file once, encodes once, and writes atomically.
 */
import { lstat, readdir, stat, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from './atomic-write.js';
import { isErrno } from './errno.js';
import {
  DEFAULT_MAX_INPUT_MEGAPIXELS,
  decodeLimit,
  ImageTooLargeError,
  pixelLimitOf,
  refuseOversizedImage,
} from './pixel-limit.js';

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
  const bytesBefore = await sizeOfSource(source);

  const maxPixels = options.maxInputPixels ?? pixelLimitOf(DEFAULT_MAX_INPUT_MEGAPIXELS);
  await refuseOversizedImage(source, `"${source}"`, maxPixels);
  let pipeline = sharp(source, decodeLimit(maxPixels)).autoOrient();
  if (options.maxWidth !== undefined)
    pipeline = pipeline.resize({ width: options.maxWidth, withoutEnlargement: true });
  const encoded = await pipeline
    .webp({ quality: options.quality ?? 80, lossless: options.lossless ?? false })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw new ConversionError(
        `Cannot convert "${source}": ${(error as Error).message}. Is it a PNG, JPEG or TIFF image?`,
        {
          cause: error,
        },
      );
    });

  const written = await writeFileAtomic(outputPath, encoded.data, {
    overwrite: options.overwrite ?? false,
    recoveryDir: options.recoveryDir,
  });
  const keepOriginal = options.keepOriginal ?? true;
  if (!keepOriginal) await unlink(source);
  return {
    path: source,
    outputPath,
    bytesBefore,
    bytesAfter: written.bytes,
    width: encoded.info.width,
    height: encoded.info.height,
    originalKept: keepOriginal,
    ...(written.replacedFileKeptAt ? { replacedFileKeptAt: written.replacedFileKeptAt } : {}),
  };
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
  | { path: string; ok: false; error: string; code?: 'image_too_large' };

/** Converts every file, in parallel; each gets its own outcome and one failure never stops the others. */
export async function convertManyToWebp(options: ConvertManyToWebpOptions): Promise<WebpConversionOutcome[]> {
  const { paths, directory, recursive, concurrency, ...conversion } = options;
  if ((paths === undefined) === (directory === undefined)) {
    throw new ConversionError('Pass either paths (a list of files) or directory, not both and not neither.');
  }
  const sources = paths ? [...paths] : await findConvertibleImages(directory!, recursive ?? false);
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
        outcomes[index] = {
          path: source,
          ok: false,
          error: (error as Error).message,
          ...(error instanceof ImageTooLargeError ? { code: error.code } : {}),
        };
      }
    }
  };
  const workers = Math.max(1, Math.min(concurrency ?? availableParallelism(), sources.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

/**
 * PNG/JPEG/TIFF files in a folder, sorted by path. Symbolic links are not followed, so a link inside an allowed
 * folder cannot pull files from outside it into a conversion.
 */
export async function findConvertibleImages(directory: string, recursive: boolean): Promise<string[]> {
  const found: string[] = [];
  const visit = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory() && recursive) await visit(full);
      else if (entry.isFile() && convertibleExtensions.has(path.extname(entry.name).toLowerCase()))
        found.push(full);
    }
  };
  if (!(await lstat(directory)).isDirectory()) {
    throw new ConversionError(`"${directory}" is not a folder; pass paths for single files.`);
  }
  await visit(directory);
  return found.sort();
}

async function sizeOfSource(source: string): Promise<number> {
  try {
    const info = await stat(source);
    if (!info.isFile()) throw new ConversionError(`"${source}" is not a file.`);
    return info.size;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new ConversionError(`"${source}" does not exist; check the path.`);
    throw error;
  }
}
