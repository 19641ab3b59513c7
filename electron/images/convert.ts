/**
 * Image conversion for convert_image: to WebP, AVIF, JPEG or PNG. Paths must already have passed the save-path
 * policy (the MCP layer does that); this module then works on folders opened through the allowed folders
 * (folder-handle.ts): it reads each original from an open file, decodes once, encodes once, writes atomically next
 * to it, and deletes an original only if its name still holds the very file that was read. A file already in the
 * format, given with `afterWrite` (web variants), is taken as it is: only its variants are made.
 * (Over ~300 lines: the deletion's guard and the read's checks belong beside the conversion they protect.)
 */
import { lstat, open, rename, unlink, link, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { readFlags, tempName, writeIntoFolder } from './atomic-write.js';
import { isErrno } from './errno.js';
import {
  DEFAULT_MAX_INPUT_MEGAPIXELS,
  decodeLimit,
  pixelLimitOf,
  refuseOversizedImage,
} from './pixel-limit.js';
import type { FolderHandle } from './folder-handle.js';
import {
  fileIdentityOf,
  objectIdentityOf,
  sameFileIdentity,
  sameObject,
  type FileIdentity,
  type ObjectIdentity,
} from './file-identity.js';
import { pathChanged, PathPolicyError } from './path-error.js';
import { createPathPolicy } from './path-policy.js';

export const convertFormats = ['webp', 'avif', 'jpeg', 'png'] as const;
export type ConvertFormat = (typeof convertFormats)[number];

/** What a converted file is written as next to its original, for each format. */
const extensionOf: Readonly<Record<ConvertFormat, string>> = {
  webp: '.webp',
  avif: '.avif',
  jpeg: '.jpg',
  png: '.png',
};
const formatNames: Readonly<Record<ConvertFormat, string>> = {
  webp: 'WebP',
  avif: 'AVIF',
  jpeg: 'JPEG',
  png: 'PNG',
};

/** The original and the file converted from it, handed to `afterWrite` while the original is still held open. */
export interface WrittenConversion {
  path: string;
  outputPath: string;
  /** The original's content as read (the better source for anything derived, e.g. web variants). */
  source: Buffer;
}

export interface ConversionOptions<Extra = undefined> {
  /** Default webp. */
  format?: ConvertFormat;
  /** 1–100 for WebP (default 80), AVIF (60) and JPEG (82); for PNG it makes a palette image of that quality. */
  quality?: number;
  /** Default true: the original is deleted only when this is false and the new file is safely on disk. */
  keepOriginal?: boolean;
  overwrite?: boolean;
  /** Where a file replaced with overwrite is kept (normally `<data folder>/replaced`). */
  recoveryDir: string;
  /** Larger images are refused (ImageTooLargeError) before they are decoded. */
  maxInputPixels?: number;
  /** The allowed folders; sources and outputs are opened through them. */
  allowedRoots: readonly string[];
  /**
   * Runs once the converted file is written, before the original may be deleted (e.g. the web variants): its
   * failure fails the conversion and keeps the original.
   */
  afterWrite?: (written: WrittenConversion) => Promise<Extra>;
}

export interface ConvertImageOptions<Extra = undefined> extends ConversionOptions<Extra> {
  path: string;
}

export interface Conversion<Extra = undefined> {
  path: string;
  outputPath: string;
  format: ConvertFormat;
  bytesBefore: number;
  bytesAfter: number;
  width: number;
  height: number;
  originalKept: boolean;
  replacedFileKeptAt?: string;
  /** What `afterWrite` returned. */
  extra?: Extra;
}

export class ConversionError extends Error {
  override readonly name = 'ConversionError';
}

/** Whether the name's extension is the format's own (JPEG: `.jpg` or `.jpeg`). */
export function isNamedAs(name: string, format: ConvertFormat): boolean {
  const extension = path.extname(name).toLowerCase();
  return extension === extensionOf[format] || (format === 'jpeg' && extension === '.jpeg');
}

/** `<name>.<format's extension>` next to the source (`hero.png` → `hero.avif`; JPEG is `.jpg`). */
export function convertedPath(source: string, format: ConvertFormat): string {
  const extension = path.extname(source);
  return source.slice(0, source.length - extension.length) + extensionOf[format];
}

export async function convertImage<Extra = undefined>(
  options: ConvertImageOptions<Extra>,
): Promise<Conversion<Extra>> {
  const source = options.path;
  const format = options.format ?? 'webp';
  const outputPath = convertedPath(source, format);
  const asItIs = isNamedAs(source, format);
  if (asItIs && !options.afterWrite) {
    throw new ConversionError(
      `"${source}" is already a ${formatNames[format]} file; choose another format to convert it to, or pass web to make it web-ready as it is.`,
    );
  }
  const policy = createPathPolicy({ allowedRoots: options.allowedRoots });
  const sourceFolder = await policy.openFolder(path.dirname(source), { create: false });
  try {
    const original = await openOriginal(sourceFolder, path.basename(source));
    try {
      if (asItIs) return await webReadyAsItIs(original, source, format, options);
      const encoded = await encode(original.bytes, format, options, source);
      // The new file goes next to the original, into the folder already opened for it.
      const written = await writeIntoFolder(sourceFolder, path.basename(outputPath), encoded.data, {
        overwrite: options.overwrite ?? false,
        recoveryDir: options.recoveryDir,
      });
      const extra = await options
        .afterWrite?.({ path: source, outputPath, source: original.bytes })
        .catch(async (error: unknown) => {
          // A failed item leaves nothing behind that a retry would trip over (a replaced file stays: its old
          // content is in the recovery folder).
          if (!written.replacedFileKeptAt)
            await removeIfStill(sourceFolder, path.basename(outputPath), written.identity);
          throw error;
        });
      const keepOriginal = options.keepOriginal ?? true;
      if (!keepOriginal)
        await deleteOriginal(sourceFolder, path.basename(source), original.identity, outputPath, format);
      return {
        path: source,
        outputPath,
        format,
        bytesBefore: original.bytes.byteLength,
        bytesAfter: written.bytes,
        width: encoded.info.width,
        height: encoded.info.height,
        originalKept: keepOriginal,
        ...(written.replacedFileKeptAt ? { replacedFileKeptAt: written.replacedFileKeptAt } : {}),
        ...(extra === undefined ? {} : { extra }),
      };
    } finally {
      await original.handle.close();
    }
  } finally {
    await sourceFolder.close();
  }
}

/**
 * A file already in the format, with web variants asked for: nothing is converted or deleted (the file is both the
 * original and the result), and `afterWrite` makes the variants from it.
 */
async function webReadyAsItIs<Extra>(
  original: Original,
  source: string,
  format: ConvertFormat,
  options: ConvertImageOptions<Extra>,
): Promise<Conversion<Extra>> {
  const maxPixels = options.maxInputPixels ?? pixelLimitOf(DEFAULT_MAX_INPUT_MEGAPIXELS);
  await refuseOversizedImage(original.bytes, `"${source}"`, maxPixels);
  const upright = await sharp(original.bytes, decodeLimit(maxPixels))
    .metadata()
    .then((info) => info.autoOrient)
    .catch((error: unknown) => {
      throw new ConversionError(`Cannot read "${source}": ${(error as Error).message}.`, { cause: error });
    });
  const extra = await options.afterWrite?.({ path: source, outputPath: source, source: original.bytes });
  return {
    path: source,
    outputPath: source,
    format,
    bytesBefore: original.bytes.byteLength,
    bytesAfter: original.bytes.byteLength,
    width: upright.width,
    height: upright.height,
    originalKept: true,
    ...(extra === undefined ? {} : { extra }),
  };
}

/** Qualities that keep the file close to the original at a fraction of a PNG's size (the web engine's everyday ones). */
const defaultQuality: Readonly<Record<Exclude<ConvertFormat, 'png'>, number>> = {
  webp: 80,
  avif: 60,
  jpeg: 82,
};

function toFormat(pipeline: Sharp, format: ConvertFormat, quality: number | undefined): Sharp {
  switch (format) {
    case 'webp':
      return pipeline.webp({ quality: quality ?? defaultQuality.webp });
    case 'avif':
      return pipeline.avif({ quality: quality ?? defaultQuality.avif });
    case 'jpeg':
      // JPEG has no alpha: transparent pixels become white rather than libvips' black.
      return pipeline
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: quality ?? defaultQuality.jpeg, mozjpeg: true });
    case 'png':
      return pipeline.png(quality === undefined ? { compressionLevel: 9 } : { palette: true, quality });
  }
}

async function encode(
  bytes: Buffer,
  format: ConvertFormat,
  options: ConversionOptions<unknown>,
  source: string,
) {
  const maxPixels = options.maxInputPixels ?? pixelLimitOf(DEFAULT_MAX_INPUT_MEGAPIXELS);
  await refuseOversizedImage(bytes, `"${source}"`, maxPixels);
  return await toFormat(sharp(bytes, decodeLimit(maxPixels)).autoOrient(), format, options.quality)
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw new ConversionError(
        `Cannot convert "${source}": ${(error as Error).message}. Is it a PNG, JPEG, WebP, AVIF or TIFF image?`,
        { cause: error },
      );
    });
}

/** Removes the file `name` if it is still the one written (compared by identity in the opened folder). */
async function removeIfStill(folder: FolderHandle, name: string, written: FileIdentity): Promise<void> {
  const current = await lstat(folder.child(name), { bigint: true }).catch(() => undefined);
  if (current && sameFileIdentity(fileIdentityOf(current), written)) {
    await unlink(folder.child(name)).catch((error: unknown) => {
      if (!isErrno(error, 'ENOENT')) throw error;
    });
  }
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
  format: ConvertFormat,
): Promise<void> {
  const shown = folder.shown(name);
  const written = `the ${formatNames[format]} file was written to "${outputPath}"`;
  const kept = `${written} and the original was kept`;
  await folder.verify().catch(() => {
    throw pathChanged(shown, kept);
  });
  const aside = tempName(name);
  try {
    await rename(folder.child(name), folder.child(aside));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw pathChanged(shown, written);
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
