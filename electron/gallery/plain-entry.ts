/**
 * A quick check of a journal line's value for the common case, so that loading 100,000 records does not run the
 * zod schema on each (about half of the parse time). It accepts only what `journalEntrySchema` accepts unchanged:
 * no key the schema does not know, no web asset (those go through the schema), a createdAt in the canonical form
 * the gallery writes; anything else returns undefined and the schema decides. tests/gallery/plain-entry.test.ts
 * compares the two on mutated records: keep them in step when the schema changes.
 */
import { editModes, outputFormats } from '../../shared/generation.js';
import type { JournalEntry } from './journal.js';
import { recordIdPattern } from './record-id.js';

const recordKeys = new Set([
  'id',
  'path',
  'prompt',
  'negativePrompt',
  'seed',
  'width',
  'height',
  'format',
  'bytes',
  'workflow',
  'backend',
  'batchId',
  'createdAt',
  'file',
  'allowedFolder',
  'edit',
]);
const formats = new Set<unknown>(outputFormats);
const modes = new Set<unknown>(editModes);
const digits = /^\d+$/u;
const canonicalTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/u;

type Value = Record<string, unknown>;

const isObject = (value: unknown): value is Value =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const hasOnly = (value: Value, count: number) => Object.keys(value).length === count;
const isText = (value: unknown): value is string => typeof value === 'string';
const isFilled = (value: unknown) => isText(value) && value.length > 0;
const isOptionalText = (value: unknown) => value === undefined || isText(value);
const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const isSize = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0;
const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The canonical form, of a day and time that exist (not the 30th of February, not 24:00). */
function isTime(value: unknown): boolean {
  if (!isText(value) || !canonicalTime.test(value)) return false;
  const field = (from: number, to: number) => Number(value.slice(from, to));
  const year = field(0, 4);
  const month = field(5, 7);
  const day = field(8, 10);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDays = month === 2 && leap ? 29 : daysInMonth[month - 1];
  return (
    monthDays !== undefined &&
    day >= 1 &&
    day <= monthDays &&
    field(11, 13) < 24 &&
    field(14, 16) < 60 &&
    field(17, 19) < 60
  );
}

function isFile(value: unknown): boolean {
  if (value === undefined) return true;
  if (!isObject(value) || !hasOnly(value, 4)) return false;
  const { dev, ino, size, mtimeMs } = value;
  return (
    isText(dev) && digits.test(dev) && isText(ino) && digits.test(ino) && isCount(size) && isNumber(mtimeMs)
  );
}

function isEdit(value: unknown): boolean {
  if (value === undefined) return true;
  return isObject(value) && hasOnly(value, 2) && modes.has(value.mode) && isFilled(value.source);
}

function isPlainRecord(record: unknown): boolean {
  if (!isObject(record)) return false;
  for (const key of Object.keys(record)) if (!recordKeys.has(key)) return false;
  return (
    isText(record.id) &&
    recordIdPattern.test(record.id) &&
    isFilled(record.path) &&
    isText(record.prompt) &&
    isOptionalText(record.negativePrompt) &&
    isNumber(record.seed) &&
    isSize(record.width) &&
    isSize(record.height) &&
    formats.has(record.format) &&
    isCount(record.bytes) &&
    isText(record.workflow) &&
    isText(record.backend) &&
    isOptionalText(record.batchId) &&
    isTime(record.createdAt) &&
    isFile(record.file) &&
    (record.allowedFolder === undefined || isFilled(record.allowedFolder)) &&
    isEdit(record.edit)
  );
}

/** The value as a journal entry if it is one in the common plain form; undefined means "ask the schema". */
export function plainEntry(value: unknown): JournalEntry | undefined {
  if (!isObject(value) || !hasOnly(value, 2)) return undefined;
  if (value.op === 'remove') return isText(value.id) ? (value as JournalEntry) : undefined;
  if (value.op === 'add' && isPlainRecord(value.record)) return value as JournalEntry;
  return undefined;
}
