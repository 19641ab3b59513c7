import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, unlink, type FileHandle } from 'node:fs/promises';
import { placeWithoutReplacing } from '../images/atomic-write.js';
import { isErrno } from '../images/errno.js';
import { objectIdentityOf, sameObject } from '../images/file-identity.js';
import type { FolderHandle } from '../images/folder-handle.js';

/*
 * Downloads one model file into an opened folder: streamed into `<name>.partial` (owner-only, opened once and
 * written through that handle), continued with an HTTP Range request after a cut connection or in a later run,
 * checked against the expected size and SHA-256, and only then linked to its name (never replacing a file).
 * A file that fails a check is removed, so the next try starts clean.
 */

export type DownloadFailure = 'http' | 'network' | 'size_mismatch' | 'checksum_mismatch' | 'exists';

export class DownloadError extends Error {
  constructor(
    readonly code: DownloadFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DownloadError';
  }
}

export interface DownloadFileOptions {
  folder: FolderHandle;
  /** A plain file name from a bundled sidecar (folder-paths.ts isPlainFileName). */
  name: string;
  url: string;
  expected: { bytes?: number; sha256?: string };
  onProgress?(received: number, total: number | undefined): void;
  signal?: AbortSignal;
  /** Automatic continuations after a cut connection, each a Range request from where it stopped. Default 3. */
  resumeAttempts?: number;
  /** A connection silent this long is cut and continued. Default 60 s. */
  idleTimeoutMs?: number;
}

export interface DownloadedFile {
  bytes: number;
  sha256: string;
}

/** Create or reopen, never through a link; O_NONBLOCK so a FIFO planted under the name cannot hang the open. */
const partialFlags =
  constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const privateMode = 0o600;
/** ComfyUI may run as another account (a service, a container): the finished model is readable by all. */
const modelMode = 0o644;

export function partialNameOf(name: string): string {
  return `${name}.partial`;
}

export async function downloadFile(options: DownloadFileOptions): Promise<DownloadedFile> {
  const { folder, name } = options;
  const partial = partialNameOf(name);
  if (await lstat(folder.child(name)).catch(() => undefined))
    throw new DownloadError('exists', `${folder.shown(name)} already exists; nothing was downloaded.`);
  await folder.verify();
  const handle = await open(folder.child(partial), partialFlags, privateMode);
  try {
    const opened = await handle.stat({ bigint: true });
    if (!opened.isFile())
      throw new DownloadError('exists', `${folder.shown(partial)} is not a regular file.`);
    await folder.verify();
    const state = { position: 0, hash: createHash('sha256') };
    state.position = await hashExisting(handle, state.hash);
    const total = await fetchInto(handle, state, options);
    const sha256 = state.hash.digest('hex');
    const expectedBytes = options.expected.bytes ?? total;
    if (expectedBytes !== undefined && state.position !== expectedBytes) {
      await removeOpened(folder, partial, handle);
      throw new DownloadError(
        'size_mismatch',
        `${name} came to ${state.position} bytes where ${expectedBytes} were expected; the partial file was removed.`,
      );
    }
    if (options.expected.sha256 && sha256 !== options.expected.sha256) {
      await removeOpened(folder, partial, handle);
      throw new DownloadError(
        'checksum_mismatch',
        `${name} has SHA-256 ${sha256}, not the ${options.expected.sha256} its sidecar records; the partial file was removed.`,
      );
    }
    await handle.sync();
    await handle.chmod(modelMode);
    // Name the file only while `.partial` is still the file written and checked.
    const current = await lstat(folder.child(partial), { bigint: true });
    if (!sameObject(objectIdentityOf(current), objectIdentityOf(opened)))
      throw new DownloadError('exists', `${folder.shown(partial)} was replaced during the download.`);
    await placeWithoutReplacing(folder, partial, name).catch((error: unknown) => {
      throw new DownloadError('exists', error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    });
    await folder.sync();
    return { bytes: state.position, sha256 };
  } finally {
    await handle.close();
  }
}

/** Feeds what an earlier run left in the partial file to the hash, read through the open handle. */
async function hashExisting(handle: FileHandle, hash: Hash): Promise<number> {
  const buffer = Buffer.alloc(1 << 20);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return position;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
}

/** Streams the body into the handle from `state.position`; returns the total size the server announced. */
async function fetchInto(
  handle: FileHandle,
  state: { position: number; hash: Hash },
  options: DownloadFileOptions,
): Promise<number | undefined> {
  const attempts = 1 + (options.resumeAttempts ?? 3);
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    options.signal?.throwIfAborted();
    const idle = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
    let timer = setTimeout(() => idle.abort(), options.idleTimeoutMs ?? 60_000);
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), options.idleTimeoutMs ?? 60_000);
    };
    try {
      const from = state.position;
      const response = await fetch(options.url, {
        signal,
        ...(from > 0 ? { headers: { range: `bytes=${from}-` } } : {}),
      });
      const total = await startAt(response, handle, state, options);
      if (total === 'complete') return state.position;
      if (!response.body) return total;
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        touch();
        await writeAll(handle, chunk, state.position);
        state.hash.update(chunk);
        state.position += chunk.length;
        options.onProgress?.(state.position, total);
      }
      return total;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof DownloadError) throw error;
      lastError = error;
    } finally {
      clearTimeout(timer);
    }
  }
  throw new DownloadError(
    'network',
    `The download of ${options.name} broke off at ${state.position} bytes (${describe(lastError)}); start it again to continue from there.`,
    { cause: lastError },
  );
}

/**
 * Reads the status: 206 continues where the file stands, 200 starts over (the server ignored the range), 416 on a
 * continuation means the file is already whole. Returns the announced total size.
 */
async function startAt(
  response: Response,
  handle: FileHandle,
  state: { position: number; hash: Hash },
  options: DownloadFileOptions,
): Promise<number | undefined | 'complete'> {
  if (response.status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== state.position) {
      await response.body?.cancel();
      throw new DownloadError('http', `${options.url} answered a range that does not continue the file.`);
    }
    return range[2] === '*' ? undefined : Number(range[2]);
  }
  if (response.status === 416 && state.position > 0) {
    await response.body?.cancel();
    return 'complete';
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new DownloadError('http', `${options.url} answered HTTP ${response.status}.`);
  }
  if (state.position > 0) {
    await handle.truncate(0);
    state.position = 0;
    state.hash = createHash('sha256');
  }
  const length = response.headers.get('content-length');
  return length === null ? undefined : Number(length);
}

async function writeAll(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, written, chunk.length - written, position + written);
    written += bytesWritten;
  }
}

/** Removes the partial file only while its name still leads to the file this download opened. */
async function removeOpened(folder: FolderHandle, partial: string, handle: FileHandle): Promise<void> {
  const opened = objectIdentityOf(await handle.stat({ bigint: true }));
  const current = await lstat(folder.child(partial), { bigint: true }).catch(() => undefined);
  if (current && sameObject(objectIdentityOf(current), opened)) {
    await unlink(folder.child(partial)).catch((error: unknown) => {
      if (!isErrno(error, 'ENOENT')) throw error;
    });
  }
}

function describe(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return error instanceof Error ? error.message : String(error);
}
