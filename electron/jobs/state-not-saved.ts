import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BridgeError } from '../errors.js';

/**
 * The refusal given when the bridge cannot save its own state (the batches in the data folder): new work is not
 * accepted, because an id it returned could be lost in a crash. The message says what to free: which folder, the
 * cause, and how much of that disk the bridge's own data takes, folder by folder.
 */

export interface DataUsage {
  totalBytes: number;
  /** The data folder's top-level entries, largest first. */
  entries: { name: string; bytes: number }[];
  /** True when the walk stopped at its entry limit: the figures are lower bounds. */
  partial: boolean;
}

export interface StateNotSavedInput {
  /** The errno code of the failed write (ENOSPC, EDQUOT, EROFS, EACCES, …), if it had one. */
  code: string | undefined;
  reason: string;
  /** The folder the state is written to (`<data>/batches`). */
  folder: string;
  dataDir: string;
  usage: DataUsage | undefined;
}

/** Builds the `state_not_saved` error (pure: the usage is measured by the caller). */
export function stateNotSaved(input: StateNotSavedInput): BridgeError {
  const { code, folder, dataDir, usage } = input;
  const cause = causeOf(code, folder, input.reason);
  const used = usage ? ` ${describeUsage(dataDir, usage)}` : '';
  return new BridgeError(
    'state_not_saved',
    `New work is refused: the bridge cannot save its batches in "${folder}": ${cause.what}.${used}`,
    {
      hint: `${cause.fix} Then call again. Work already accepted is kept in memory and saved as soon as it can be.`,
      details: {
        folder,
        data_dir: dataDir,
        ...(code ? { errno: code } : {}),
        ...(usage
          ? {
              data_bytes: usage.totalBytes,
              data_by_folder: Object.fromEntries(usage.entries.map((entry) => [entry.name, entry.bytes])),
            }
          : {}),
      },
    },
  );
}

function causeOf(code: string | undefined, folder: string, reason: string): { what: string; fix: string } {
  switch (code) {
    case 'ENOSPC':
      return {
        what: 'the disk holding it is full (ENOSPC)',
        fix: `Free space on the disk that holds "${folder}" (the data folder's "replaced" and "trash" folders keep old images and can be emptied once they are not needed), or start the bridge with another --data-dir.`,
      };
    case 'EDQUOT':
      return {
        what: 'your disk quota on the disk holding it is used up (EDQUOT)',
        fix: `Free space within your quota on the disk that holds "${folder}", or start the bridge with another --data-dir.`,
      };
    case 'EROFS':
      return {
        what: 'the file system holding it is read-only (EROFS)',
        fix: 'Make that file system writable again (remount it read-write), or start the bridge with another --data-dir.',
      };
    case 'EACCES':
    case 'EPERM':
      return {
        what: `this user may not write there (${code})`,
        fix: `Give the user running the bridge write permission on "${folder}", or start the bridge with another --data-dir.`,
      };
    default:
      return {
        what: `writing failed (${code ?? 'error'}: ${reason})`,
        fix: `Check the disk that holds "${folder}", or start the bridge with another --data-dir.`,
      };
  }
}

function describeUsage(dataDir: string, usage: DataUsage): string {
  const largest = usage.entries
    .filter((entry) => entry.bytes > 0)
    .slice(0, 5)
    .map((entry) => `${entry.name} ${formatBytes(entry.bytes)}`);
  const atLeast = usage.partial ? 'at least ' : '';
  return `The bridge's data folder "${dataDir}" uses ${atLeast}${formatBytes(usage.totalBytes)}${largest.length > 0 ? ` (${largest.join(', ')})` : ''}.`;
}

export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Adds up the data folder's files per top-level entry (links are not followed). Bounded: a huge folder stops the
 * walk after `maxEntries` and the figures say "at least", so a refusal never waits on a slow disk for long.
 */
export async function measureDataUsage(dataDir: string, maxEntries = 20_000): Promise<DataUsage> {
  let budget = maxEntries;
  const sizeOf = async (path: string): Promise<number> => {
    if (budget-- <= 0) return 0;
    const info = await lstat(path);
    if (!info.isDirectory()) return info.size;
    let total = 0;
    for (const name of await readdir(path)) {
      try {
        total += await sizeOf(join(path, name));
      } catch {
        // Gone or unreadable meanwhile: it does not count.
      }
    }
    return total;
  };
  const entries: DataUsage['entries'] = [];
  for (const name of await readdir(dataDir)) {
    try {
      entries.push({ name, bytes: await sizeOf(join(dataDir, name)) });
    } catch {
      // As above.
    }
  }
  entries.sort((a, b) => b.bytes - a.bytes);
  return {
    totalBytes: entries.reduce((sum, entry) => sum + entry.bytes, 0),
    entries,
    partial: budget < 0,
  };
}

/** The refusal for a failed write of the state, with the data folder measured (best effort). */
export async function stateNotSavedError(
  error: unknown,
  folder: string,
  dataDir: string,
): Promise<BridgeError> {
  let usage: DataUsage | undefined;
  try {
    usage = await measureDataUsage(dataDir);
  } catch {
    // An unreadable data folder still gets its refusal, without figures.
  }
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return stateNotSaved({
    code,
    reason: error instanceof Error ? error.message : String(error),
    folder,
    dataDir,
    usage,
  });
}
