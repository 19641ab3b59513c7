/** Types both the core and the dashboard use for generations and their images. */
import type { WebAssetRecord } from './web-asset.js';

export const outputFormats = ['png', 'jpeg', 'webp'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** edit_image's modes (a workflow's modes are these plus `generate`). */
export const editModes = ['restyle', 'inpaint', 'outpaint', 'upscale', 'remove_background'] as const;
export type EditMode = (typeof editModes)[number];

/**
 * What tells the file a generation wrote from any other file later put at its path: device and inode (decimal
 * strings, because 64-bit inode numbers (XFS, Btrfs, NTFS file ids) do not fit a double), plus size and
 * modification time (whole milliseconds), which also tell an inode number reused after a delete.
 */
export interface FileIdentity {
  dev: string;
  ino: string;
  size: number;
  mtimeMs: number;
}

/** One generated image as recorded in the gallery index. */
export interface GenerationRecord {
  id: string;
  /** Absolute path of the file as written. */
  path: string;
  prompt: string;
  negativePrompt?: string;
  seed: number;
  width: number;
  height: number;
  format: OutputFormat;
  bytes: number;
  workflow: string;
  backend: string;
  batchId?: string;
  /** ISO time the file was written. */
  createdAt: string;
  /** The identity of the file written; absent in records made before the bridge kept it. */
  file?: FileIdentity;
  /** The allowed folder the file was written into (the save path was checked against it). */
  allowedFolder?: string;
  /** Set when the image is an edit of another file (edit_image). */
  edit?: { mode: EditMode; source: string };
  /** The image made web-ready (variants, placeholder, snippet); the latest one made from this file. */
  web?: WebAssetRecord;
}
