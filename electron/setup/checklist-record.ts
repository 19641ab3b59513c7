import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { PRIVATE_FILE_MODE } from '../private-files.js';
import type { ChecklistRecord } from './checklist.js';

/*
 * The checklist's memory in the data folder, `first-run.json`. No file is a first run. A file that cannot be
 * read as a record counts as none: the worst outcome is the checklist shown once more.
 */

const recordSchema = z.object({
  agentConnectedAt: z.string().optional(),
  firstImageAt: z.string().optional(),
  completedAt: z.string().optional(),
  dismissedAt: z.string().optional(),
});

export function checklistFileOf(dataDir: string): string {
  return join(dataDir, 'first-run.json');
}

export function readChecklistRecord(dataDir: string): ChecklistRecord {
  try {
    const parsed = recordSchema.safeParse(JSON.parse(readFileSync(checklistFileOf(dataDir), 'utf8')));
    return parsed.success ? stripUndefined(parsed.data) : {};
  } catch {
    return {};
  }
}

/** A temporary file (created 0600, never an existing one) renamed into place: a reader never sees half a file. */
export function writeChecklistRecord(dataDir: string, record: ChecklistRecord): void {
  const file = checklistFileOf(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  writeFileSync(temporary, JSON.stringify(record), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  renameSync(temporary, file);
}

function stripUndefined(record: z.infer<typeof recordSchema>): ChecklistRecord {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
