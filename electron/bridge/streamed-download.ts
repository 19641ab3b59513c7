/**
 * A PNG written into its temp file while it downloads, so that the write overlaps the download instead of
 * following it (about 3 ms of a 1024² PNG's path, issue 16). It starts once the save path is checked and its
 * folder is open, in a hidden temp file there; nothing is placed until the image is whole, rendered and the
 * folder verified (images/atomic-write.ts). Any failure here only loses the head start: the write then happens
 * after the download, as it would without it, and reports its own errors.
 */
import { rm } from 'node:fs/promises';
import { openTempFile, type StartedTemp } from '../images/atomic-write.js';
import { byteLengthOf, writeAll } from '../images/file-content.js';
import type { FolderHandle } from '../images/folder-handle.js';
import type { ImageFeed } from '../jobs/image-feed.js';
import type { JobRecord } from '../jobs/types.js';

export interface StreamedTemp {
  folder: FolderHandle;
  temp: StartedTemp;
  /** The image's first bytes in the file: all of them once the download has ended well. */
  written: number;
  /** Handed to the atomic write, which then closes or removes it; otherwise discardStreamed does. */
  taken: boolean;
}

/**
 * Only a PNG that is not an edit: ComfyUI's bytes are then usually the file's own (render.ts keeps them and adds
 * text chunks before their end). Anything else is re-encoded from the whole image.
 */
export function streamsIntoTemp(spec: JobRecord['spec']): boolean {
  return spec.edit === undefined && spec.format === 'png';
}

/** Follows the download into a new temp file for `name` in the opened folder, until the download settles. */
export async function streamIntoTemp(
  feed: ImageFeed,
  folder: FolderHandle,
  name: string,
): Promise<StreamedTemp | undefined> {
  let temp: StartedTemp;
  try {
    temp = await openTempFile(folder, name);
  } catch {
    return undefined;
  }
  const streamed: StreamedTemp = { folder, temp, written: 0, taken: false };
  try {
    for await (const event of feed.events()) {
      if (event.kind === 'restart') {
        await temp.handle.truncate(0);
        streamed.written = 0;
      } else {
        await writeAll(temp.handle, event.chunks, streamed.written);
        streamed.written += byteLengthOf(event.chunks);
      }
    }
    return streamed;
  } catch {
    await discardStreamed(streamed);
    return undefined;
  }
}

/**
 * How many of the file's first bytes the rendered content keeps: the length of its first part when that part is
 * the downloaded image's own start (the bytes kept, text chunks to follow), else none.
 */
export function keptBytes(parts: readonly Uint8Array[], image: Buffer, written: number): number {
  const first = parts[0];
  if (!first || first.buffer !== image.buffer || first.byteOffset !== image.byteOffset) return 0;
  return Math.min(first.byteLength, written);
}

/** Closes and removes a streamed temp file the atomic write did not take over. */
export async function discardStreamed(streamed: StreamedTemp | undefined): Promise<void> {
  if (!streamed || streamed.taken) return;
  streamed.taken = true;
  await streamed.temp.handle.close().catch(() => undefined);
  await rm(streamed.folder.child(streamed.temp.name), { force: true }).catch(() => undefined);
}
