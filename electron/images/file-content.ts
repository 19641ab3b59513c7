/**
 * A file's content as one buffer or as pieces written one after another (render.ts renderImageParts), so that a
 * few-MB image with a few added chunks is written as it is instead of being copied into one buffer first.
 */
import type { FileHandle } from 'node:fs/promises';

export type FileContent = Uint8Array | readonly Uint8Array[];

/**
 * Writes the content at the handle's position, or at `position`; writev may take less than it is given, so the
 * rest goes again.
 */
export async function writeAll(handle: FileHandle, content: FileContent, position?: number): Promise<void> {
  if (content instanceof Uint8Array && position === undefined) return handle.writeFile(content);
  let left = (content instanceof Uint8Array ? [content] : content).filter((part) => part.byteLength > 0);
  let at = position;
  while (left.length > 0) {
    const { bytesWritten } = await handle.writev(left, at);
    if (bytesWritten === 0) throw new Error('the file system accepted no bytes');
    left = withoutFirstBytes(left, bytesWritten);
    if (at !== undefined) at += bytesWritten;
  }
}

/** The pieces left once the first `count` bytes are written. */
export function withoutFirstBytes(parts: readonly Uint8Array[], count: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  let skip = count;
  for (const part of parts) {
    if (skip >= part.byteLength) skip -= part.byteLength;
    else {
      rest.push(skip > 0 ? part.subarray(skip) : part);
      skip = 0;
    }
  }
  return rest;
}

export function byteLengthOf(content: FileContent): number {
  return content instanceof Uint8Array
    ? content.byteLength
    : content.reduce((sum, part) => sum + part.byteLength, 0);
}
