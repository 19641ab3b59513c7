/**
 * Reading an image an agent names as the source (or mask) of an edit, under the same policy as writes: only inside
 * the allowed folders, through the folder opened from its allowed root (folder-handle.ts) and the file opened
 * without following a link, so what is read is the object that was checked, whatever is renamed meanwhile. The
 * file is size-limited before it is read, its header pixel-limited before it is decoded, and it is decoded whole
 * once, so a truncated or disguised file is refused here rather than by ComfyUI after an upload.
 */
import type { FileHandle } from 'node:fs/promises';
import sharp from 'sharp';
import { BridgeError } from '../errors.js';
import { readThroughFolder } from './checked-read.js';
import { isErrno } from './errno.js';
import { PathPolicyError, type PathAnchors, type PathPolicy } from './path-policy.js';
import { checkPixelCount, decodeLimit, ImageTooLargeError } from './pixel-limit.js';

/** The formats a source may have: what ComfyUI's LoadImage reads and sharp decodes the same way. */
export type SourceFormat = 'png' | 'jpeg' | 'webp';
const sourceFormats: readonly string[] = ['png', 'jpeg', 'webp'] satisfies SourceFormat[];

export interface SourceImage {
  /** Absolute path as the agent's request resolved it. */
  path: string;
  bytes: Buffer;
  format: SourceFormat;
  width: number;
  height: number;
  hasAlpha: boolean;
}

export interface SourceReadOptions {
  policy: PathPolicy;
  /** Where a relative path resolves (the client's root, the shim's folder, else the output folder). */
  anchors?: Partial<PathAnchors>;
  /** Files larger than this are refused before reading (setting maxSourceMegabytes). */
  maxBytes: number;
  /** Images with more pixels are refused before decoding (setting maxInputMegapixels). */
  maxPixels: number;
  /** Named in messages: "the source image", "the mask". */
  role: 'source image' | 'mask';
  /**
   * false: the header is checked but the body not decoded, for bytes the caller compares with a hash of bytes
   * this function decoded before (an edit's source read again at dispatch). Default true.
   */
  decodeWhole?: boolean;
}

/** Reads and checks an edit's source or mask; every refusal is a BridgeError with a stable code and a hint. */
export async function readSourceImage(requested: string, options: SourceReadOptions): Promise<SourceImage> {
  const { role } = options;
  let absolute = requested;
  try {
    absolute = await options.policy.checkReadablePath(requested, options.anchors);
    const bytes = await readChecked(absolute, options);
    return { path: absolute, bytes, ...(await decodeChecked(bytes, absolute, options)) };
  } catch (error) {
    if (error instanceof PathPolicyError)
      throw new BridgeError(
        `path_${error.reason.replaceAll('-', '_')}`,
        `The ${role} cannot be read: ${error.message}`,
      );
    if (error instanceof ImageTooLargeError) throw new BridgeError(error.code, error.message);
    throw error;
  }
}

async function readChecked(absolute: string, options: SourceReadOptions): Promise<Buffer> {
  return readThroughFolder(options.policy, absolute, (handle) =>
    readLimited(handle, absolute, options),
  ).catch((error: unknown) => {
    if (isErrno(error, 'ENOENT'))
      throw new PathPolicyError(
        'not-found',
        absolute,
        `"${absolute}" does not exist (it was removed or renamed).`,
      );
    if (isErrno(error, 'EISDIR'))
      throw new PathPolicyError(
        'is-directory',
        absolute,
        `"${absolute}" is a folder; pass the path of an image file.`,
      );
    throw error;
  });
}

/** The whole file, from the handle that was opened, refusing it when it is not a regular file or too big. */
async function readLimited(
  handle: FileHandle,
  absolute: string,
  options: SourceReadOptions,
): Promise<Buffer> {
  const stats = await handle.stat();
  if (stats.isDirectory())
    throw new PathPolicyError(
      'is-directory',
      absolute,
      `"${absolute}" is a folder; pass the path of an image file.`,
    );
  if (!stats.isFile())
    throw new BridgeError('source_not_an_image', `The ${options.role} "${absolute}" is not a regular file.`, {
      hint: 'Pass a PNG, JPEG or WebP file.',
    });
  if (stats.size > options.maxBytes) throw tooLarge(absolute, stats.size, options);
  // The file may grow after the stat: read at most one byte more than allowed and refuse if it is there.
  const buffer = Buffer.alloc(Math.min(stats.size, options.maxBytes) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) throw tooLarge(absolute, length, options);
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
    if (length > options.maxBytes) throw tooLarge(absolute, length, options);
  }
  return buffer.subarray(0, length);
}

function tooLarge(absolute: string, size: number, options: SourceReadOptions): BridgeError {
  const mb = (n: number) => `${(n / 1_000_000).toFixed(1)} MB`;
  return new BridgeError(
    'source_too_large',
    `The ${options.role} "${absolute}" is ${size > options.maxBytes ? 'over' : 'at'} ${mb(size)}, over the limit of ${mb(options.maxBytes)}.`,
    {
      hint: 'Use a smaller file (PNG or WebP compress well), or raise maxSourceMegabytes in the settings.',
    },
  );
}

async function decodeChecked(
  bytes: Buffer,
  absolute: string,
  options: SourceReadOptions,
): Promise<Omit<SourceImage, 'path' | 'bytes'>> {
  const notAnImage = (why: string, cause?: unknown) =>
    new BridgeError('source_not_an_image', `The ${options.role} "${absolute}" ${why}.`, {
      hint: 'Pass a PNG, JPEG or WebP image.',
      ...(cause !== undefined && { cause }),
    });
  const header = await sharp(bytes)
    .metadata()
    .catch((error: unknown) => {
      throw notAnImage('is not an image sharp can read', error);
    });
  const { format, width, height } = header;
  if (!format || !sourceFormats.includes(format))
    throw notAnImage(`is ${format ?? 'in an unknown format'}, not PNG, JPEG or WebP`);
  if (!width || !height) throw notAnImage('has no size in its header');
  checkPixelCount(`The ${options.role} "${absolute}"`, width, height, options.maxPixels);
  if (options.decodeWhole === false)
    return { format: format as SourceFormat, width, height, hasAlpha: header.hasAlpha ?? false };
  // Decode it all once: a truncated or corrupt body fails here, under the pixel limit's backstop.
  await sharp(bytes, { ...decodeLimit(options.maxPixels), failOn: 'error' })
    .raw()
    .toBuffer()
    .catch((error: unknown) => {
      throw notAnImage(
        `cannot be decoded (${error instanceof Error ? error.message : String(error)})`,
        error,
      );
    });
  return { format: format as SourceFormat, width, height, hasAlpha: header.hasAlpha ?? false };
}
