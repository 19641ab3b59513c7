/**
 * The gallery's persistence: an append-only JSON-lines log of `add` and `remove` operations in the data folder.
 * Appending one line per change is cheap and crash-safe; replaying rebuilds the index; a torn last line (the app
 * died mid-write) is cut off; compaction rewrites only the live records, atomically.
 *
 * Opening looks only at the log's last line, so appends can start at once; the lines already there are read
 * (`readEntries`) separately, which the gallery does in the background after the bridge is ready.
 */
import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import path from 'node:path';
import { z } from 'zod';
import { editModes, outputFormats, type GenerationRecord } from '../../shared/generation.js';
import { webAssetRecordSchema } from '../../shared/web-asset.js';
import type { Logger } from '../log.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../private-files.js';
import { plainEntry } from './plain-entry.js';
import { recordIdPattern } from './record-id.js';

export { recordIdPattern };

/** plain-entry.ts checks the common case without it, at load: a change here is made there too. */
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

/** A journal line's value. Keep plain-entry.ts in step with it (and with generationRecordSchema). */
export const journalEntrySchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), record: generationRecordSchema }),
  z.object({ op: z.literal('remove'), id: z.string() }),
]);
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/** Unflushed appends reach the disk within this delay; a crash of the process itself loses nothing (the OS has them). */
const syncDelayMs = 250;

export interface Journal {
  append(entry: JournalEntry): void;
  /** Atomically replaces the whole log with these entries. */
  rewrite(entries: Iterable<JournalEntry>): void;
  close(): void;
}

export interface OpenedJournal {
  journal: Journal;
  /**
   * The entries the log held when it was opened, in order (appends made since are not among them), read at each
   * call through a handle of its own (closing the journal meanwhile does not pull the file from under the read),
   * which must be the very file opened; not after a `rewrite`.
   */
  readEntries: () => Promise<JournalEntry[]>;
}

export async function openJournal(file: string, logger: Logger): Promise<OpenedJournal> {
  await mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  // Readable too: its last line is read through it; the lines before it later, by readEntries.
  let fd = openSync(file, 'a+', PRIVATE_FILE_MODE);
  let existingLength: number;
  let opened: Stats;
  try {
    opened = fstatSync(fd);
    existingLength = repairTail(fd, opened.size, file, logger);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let rewritten = false;

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
      rewritten = true;
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
  const readEntries = async (): Promise<JournalEntry[]> => {
    if (rewritten) throw new Error('The gallery index was rewritten since it was opened.');
    const bytes = await readOpenedLog(file, opened, existingLength);
    const { entries, skipped } = await parseLog(bytes);
    if (skipped > 0) logger.warn('gallery index has unreadable lines; skipped them', { file, skipped });
    return entries;
  };
  return { journal, readEntries };
}

/** Bytes looked at, from the end, to find the last line; more are read while no newline is found. */
const tailChunk = 64 * 1024;

/**
 * Makes the log end at a line boundary, looking only at its last line: a final unterminated line is kept (with
 * its newline added) if it parses, since only the newline was lost, else cut off. Returns the log's length then.
 */
function repairTail(fd: number, size: number, file: string, logger: Logger): number {
  let lineStart = 0;
  let tail = Buffer.alloc(0);
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - tailChunk);
    const chunk = Buffer.alloc(end - start);
    readSync(fd, chunk, 0, chunk.length, start);
    tail = Buffer.concat([chunk, tail]);
    const newline = tail.lastIndexOf(0x0a);
    if (newline !== -1) {
      lineStart = start + newline + 1;
      tail = tail.subarray(newline + 1);
      break;
    }
    end = start;
  }
  if (tail.length === 0) return size;
  if (parseLine(tail.toString('utf8'))) {
    writeSync(fd, '\n');
    return size + 1;
  }
  logger.warn('gallery index ended in a torn line (the app stopped mid-write); dropping it', {
    file,
    bytesDropped: size - lineStart,
  });
  ftruncateSync(fd, lineStart);
  return lineStart;
}

/** The first `length` bytes of the log, if `file` is still the file that was opened. */
async function readOpenedLog(file: string, opened: Stats, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const now = await handle.stat();
    if (now.dev !== opened.dev || now.ino !== opened.ino) {
      throw new Error(`${file} was replaced by another file while the bridge was reading it.`);
    }
    const bytes = Buffer.allocUnsafe(length);
    let offset = 0;
    while (offset < length) {
      const { bytesRead } = await handle.read(bytes, offset, length - offset, offset);
      if (bytesRead === 0) throw new Error(`${file} ended after ${offset} of its ${length} bytes.`);
      offset += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** The longest the parse holds the event loop before it lets other work (requests) run. */
const parseSliceMs = 10;

/**
 * Parses whole lines (the log's length as opened ends at a line boundary); unreadable ones are counted. Runs in
 * slices, so the bridge keeps answering while a large log loads.
 */
async function parseLog(bytes: Buffer): Promise<{ entries: JournalEntry[]; skipped: number }> {
  const entries: JournalEntry[] = [];
  let skipped = 0;
  let start = 0;
  let sliceEnd = performance.now() + parseSliceMs;
  for (let line = 1; start < bytes.length; line++) {
    if (line % 256 === 0 && performance.now() > sliceEnd) {
      await yieldToEventLoop();
      sliceEnd = performance.now() + parseSliceMs;
    }
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    const entry = parseLine(bytes.toString('utf8', start, end));
    if (entry) entries.push(entry);
    else if (end > start) skipped++;
    start = end + 1;
  }
  return { entries, skipped };
}

function parseLine(line: string): JournalEntry | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(line);
    const plain = plainEntry(value);
    if (plain) return plain;
    const parsed = journalEntrySchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
