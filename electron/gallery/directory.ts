/**
 * Lists the images in a folder, generated here or not, newest first. Only the page being returned pays for
 * reading image headers; files the gallery index knows take their dimensions and prompt from it.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { GenerationRecord, OutputFormat } from '../../shared/generation.js';
import { clampLimit, decodeCursor, encodeCursor } from './paging.js';

const formatsByExtension: Record<string, OutputFormat> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
};

export interface DirectoryImage {
  path: string;
  format: OutputFormat;
  bytes: number;
  /** ISO time the file was last modified. */
  modifiedAt: string;
  /** Undefined when the file's header cannot be read (a damaged or half-copied image). */
  width?: number;
  height?: number;
  /** The gallery's record when this file was generated here. */
  record?: GenerationRecord;
}

export interface DirectoryListOptions {
  /** Case-insensitive substring of the file name, or of the prompt for files generated here. */
  query?: string;
  limit?: number;
  cursor?: string;
}

export interface ImagePage<T> {
  items: T[];
  nextCursor?: string;
}

interface FileEntry {
  path: string;
  name: string;
  format: OutputFormat;
  bytes: number;
  mtimeMs: number;
  record?: GenerationRecord;
}

export async function listImagesInFolder(
  folder: string,
  options: DirectoryListOptions,
  recordForPath: (file: string) => GenerationRecord | undefined,
): Promise<ImagePage<DirectoryImage>> {
  const limit = clampLimit(options.limit);
  const query = options.query?.toLowerCase();
  const after = options.cursor === undefined ? undefined : decodeCursor<number>(options.cursor, 'number');

  const files = (await readImageFiles(folder, recordForPath))
    .filter(
      (file) => !after || file.mtimeMs < after[0] || (file.mtimeMs === after[0] && file.name > after[1]),
    )
    .filter(
      (file) =>
        !query ||
        file.name.toLowerCase().includes(query) ||
        (file.record?.prompt.toLowerCase().includes(query) ?? false),
    )
    .sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const page = files.slice(0, limit);
  const last = page.at(-1);
  const items = await Promise.all(page.map(describe));
  return files.length > limit && last
    ? { items, nextCursor: encodeCursor([last.mtimeMs, last.name]) }
    : { items };
}

async function readImageFiles(
  folder: string,
  recordForPath: (file: string) => GenerationRecord | undefined,
): Promise<FileEntry[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const files = await Promise.all(
    entries.map(async (entry): Promise<FileEntry | undefined> => {
      const format = formatsByExtension[path.extname(entry.name).toLowerCase()];
      if (!entry.isFile() || !format) return undefined;
      const full = path.join(folder, entry.name);
      const info = await stat(full).catch(() => undefined);
      if (!info) return undefined;
      const record = recordForPath(full);
      return {
        path: full,
        name: entry.name,
        format,
        bytes: info.size,
        mtimeMs: info.mtimeMs,
        ...(record ? { record } : {}),
      };
    }),
  );
  return files.filter((file): file is FileEntry => file !== undefined);
}

async function describe(file: FileEntry): Promise<DirectoryImage> {
  const base = {
    path: file.path,
    format: file.format,
    bytes: file.bytes,
    modifiedAt: new Date(file.mtimeMs).toISOString(),
    ...(file.record ? { record: file.record } : {}),
  };
  if (file.record) return { ...base, width: file.record.width, height: file.record.height };
  const header = await sharp(file.path)
    .metadata()
    .catch(() => undefined);
  return header ? { ...base, width: header.width, height: header.height } : base;
}
