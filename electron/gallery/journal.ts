/**
 * The gallery's persistence: an append-only JSON-lines log of `add` and `remove` operations in the data folder.
 * Appending one line per change is cheap and crash-safe; replaying at start-up rebuilds the index; a torn last
 * line (the app died mid-write) is cut off; compaction rewrites only the live records, atomically.
 */
import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, openSync, renameSync, writeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { editModes, outputFormats, type GenerationRecord } from '../../shared/generation.js';
import { webAssetRecordSchema } from '../../shared/web-asset.js';
import type { Logger } from '../log.js';
import { isErrno } from '../images/errno.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../private-files.js';

/** Ids become thumbnail file names, so they are restricted to characters that are safe in any file name. */
export const recordIdPattern = /^[A-Za-z0-9_-]{1,128}$/u;

export const generationRecordSchema = z.object({
  id: z.string().regex(recordIdPattern, 'id must be 1–128 letters, digits, "_" or "-"'),
  path: z.string().min(1),
  prompt: z.string(),
  negativePrompt: z.string().optional(),
  seed: z.number(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format: z.enum(outputFormats),
  bytes: z.number().int().nonnegative(),
  workflow: z.string(),
  backend: z.string(),
  batchId: z.string().optional(),
  createdAt: z.iso.datetime(),
  file: z
    .object({
      dev: z.string().regex(/^\d+$/u),
      ino: z.string().regex(/^\d+$/u),
      size: z.number().int().nonnegative(),
      mtimeMs: z.number(),
    })
    .optional(),
  allowedFolder: z.string().min(1).optional(),
  edit: z.object({ mode: z.enum(editModes), source: z.string().min(1) }).optional(),
  web: webAssetRecordSchema.optional(),
}) satisfies z.ZodType<GenerationRecord>;

const entrySchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), record: generationRecordSchema }),
  z.object({ op: z.literal('remove'), id: z.string() }),
]);
export type JournalEntry = z.infer<typeof entrySchema>;

/** Unflushed appends reach the disk within this delay; a crash of the process itself loses nothing (the OS has them). */
const syncDelayMs = 250;

export interface Journal {
  append(entry: JournalEntry): void;
  /** Atomically replaces the whole log with these entries. */
  rewrite(entries: Iterable<JournalEntry>): void;
  close(): void;
}

export async function openJournal(
  file: string,
  logger: Logger,
): Promise<{ journal: Journal; entries: JournalEntry[] }> {
  await mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  const bytes = await readLog(file);
  const { entries, validLength, needsNewline, skipped } = parseLog(bytes);
  if (skipped > 0) logger.warn('gallery index has unreadable lines; skipped them', { file, skipped });

  let fd = openSync(file, 'a', PRIVATE_FILE_MODE);
  if (validLength < bytes.length) {
    logger.warn('gallery index ended in a torn line (the app stopped mid-write); dropping it', {
      file,
      bytesDropped: bytes.length - validLength,
    });
    ftruncateSync(fd, validLength);
  }
  if (needsNewline) writeSync(fd, '\n');

  let syncTimer: NodeJS.Timeout | undefined;
  const scheduleSync = () => {
    syncTimer ??= setTimeout(() => {
      syncTimer = undefined;
      fdatasyncSync(fd);
    }, syncDelayMs).unref();
  };
  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new Error('The gallery is closed.');
  };

  const journal: Journal = {
    append(entry) {
      ensureOpen();
      writeSync(fd, JSON.stringify(entry) + '\n');
      scheduleSync();
    },
    rewrite(all) {
      ensureOpen();
      const temp = `${file}.${process.pid}.tmp`;
      const tempFd = openSync(temp, 'w', PRIVATE_FILE_MODE);
      try {
        let chunk = '';
        for (const entry of all) {
          chunk += JSON.stringify(entry) + '\n';
          if (chunk.length > 1 << 20) {
            writeSync(tempFd, chunk);
            chunk = '';
          }
        }
        writeSync(tempFd, chunk);
        fsyncSync(tempFd);
      } finally {
        closeSync(tempFd);
      }
      renameSync(temp, file);
      closeSync(fd);
      fd = openSync(file, 'a', PRIVATE_FILE_MODE);
    },
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(syncTimer);
      fdatasyncSync(fd);
      closeSync(fd);
    },
  };
  return { journal, entries };
}

async function readLog(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return Buffer.alloc(0);
    throw error;
  }
}

/**
 * Parses the log. Returns the byte length of the part worth keeping: everything up to the last complete line,
 * plus a final unterminated line only if it parses (the newline itself was what got lost).
 */
function parseLog(bytes: Buffer): {
  entries: JournalEntry[];
  validLength: number;
  needsNewline: boolean;
  skipped: number;
} {
  const entries: JournalEntry[] = [];
  let skipped = 0;
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    const entry = parseLine(bytes.toString('utf8', start, end));
    if (newline === -1) {
      if (entry) {
        entries.push(entry);
        return { entries, validLength: bytes.length, needsNewline: true, skipped };
      }
      return { entries, validLength: start, needsNewline: false, skipped };
    }
    if (entry) entries.push(entry);
    else if (end > start) skipped++;
    start = newline + 1;
  }
  return { entries, validLength: bytes.length, needsNewline: false, skipped };
}

function parseLine(line: string): JournalEntry | undefined {
  if (line.trim() === '') return undefined;
  try {
    const parsed = entrySchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
