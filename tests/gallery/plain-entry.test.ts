import { describe, expect, it } from 'vitest';
import { generationRecordSchema, journalEntrySchema } from '../../electron/gallery/journal.js';
import { plainEntry } from '../../electron/gallery/plain-entry.js';

/*
 * The load's quick check (plain-entry.ts) may only accept what the zod schema accepts, unchanged; it must accept
 * the records the gallery writes, or it saves nothing. Compared on a record and many mutations of it.
 */

const base = {
  id: 'job_0123-abc',
  path: '/home/me/site/public/hero.png',
  prompt: 'a lighthouse at dusk',
  negativePrompt: 'blurry',
  seed: 123456789,
  width: 1024,
  height: 768,
  format: 'png',
  bytes: 456789,
  workflow: 'sdxl',
  backend: 'http://127.0.0.1:8188',
  batchId: 'b_0123456789',
  createdAt: '2026-12-03T12:00:00.123Z',
  file: { dev: '64768', ino: '1234567', size: 456789, mtimeMs: 1796300000123.456 },
  allowedFolder: '/home/me/site',
  edit: { mode: 'inpaint', source: '/home/me/site/public/source.png' },
};

const oddValues: unknown[] = [
  undefined,
  null,
  '',
  'x',
  '123',
  0,
  -1,
  1.5,
  2 ** 53,
  1e308,
  true,
  [],
  {},
  ['a'],
  { mode: 'inpaint' },
  '2026-12-03T12:00:00Z',
  '2026-12-03T12:00:00.123+01:00',
  '2026-02-30T12:00:00.000Z',
  '2026-13-01T12:00:00.000Z',
  '2026-12-03T24:00:00.000Z',
  '2026-12-03T23:60:00.000Z',
  '2026-12-03T23:59:60.000Z',
  '2026-00-10T12:00:00.000Z',
  '2026-04-31T12:00:00.000Z',
  '2026-04-00T12:00:00.000Z',
  '2024-02-29T12:00:00.000Z',
  '2100-02-29T12:00:00.000Z',
  '2000-02-29T12:00:00.000Z',
  '0000-02-29T12:00:00.000Z',
  '2026-12-03 12:00:00.000Z',
  '../escape',
  'a'.repeat(129),
  'jpeg',
  'gif',
  'upscale',
  'sharpen',
  { dev: '1', ino: '2', size: 3, mtimeMs: 4 },
  { dev: 1, ino: '2', size: 3, mtimeMs: 4 },
  { dev: '1', ino: '2', size: 3, mtimeMs: 4, extra: 1 },
  { dev: '1x', ino: '2', size: 3, mtimeMs: 4 },
  { dev: '1', ino: '2', size: -3, mtimeMs: 4 },
  { mode: 'restyle', source: '' },
  { mode: 'restyle', source: '/a.png', extra: true },
  { mode: 'blur', source: '/a.png' },
];

function* variants(): Generator<unknown> {
  yield { op: 'add', record: base };
  for (const key of Object.keys(base)) {
    const { [key]: _dropped, ...without } = base as Record<string, unknown>;
    yield { op: 'add', record: without };
    for (const value of oddValues) yield { op: 'add', record: { ...base, [key]: value } };
  }
  for (const value of oddValues) {
    yield { op: 'add', record: { ...base, unknownKey: value } };
    yield { op: 'add', record: { ...base, web: value } };
    yield { op: 'remove', id: value };
    yield { op: 'add', record: base, extra: value };
    yield { op: value, record: base };
  }
  yield { op: 'remove', id: 'job_1' };
  yield { op: 'remove', id: 'job_1', extra: 1 };
  yield { op: 'add' };
  yield [];
  yield null;
  yield 'add';
}

describe('the journal load quick check', () => {
  it('accepts only what the schema accepts, as the schema gives it back', () => {
    let accepted = 0;
    let checked = 0;
    for (const value of variants()) {
      checked++;
      const plain = plainEntry(structuredClone(value));
      if (plain === undefined) continue;
      accepted++;
      const parsed = journalEntrySchema.safeParse(structuredClone(value));
      expect(parsed.success, JSON.stringify(value)).toBe(true);
      expect(plain, JSON.stringify(value)).toEqual(parsed.data);
    }
    expect(checked).toBeGreaterThan(600);
    // The quick check is used at all: the full record, each optional key left out, leap days, the remove.
    expect(accepted).toBeGreaterThan(8);
  });

  it('accepts the records the gallery writes, in the form the journal holds them', () => {
    const line = JSON.stringify({ op: 'add', record: generationRecordSchema.parse(base) });
    expect(plainEntry(JSON.parse(line))).toBeDefined();
    const { negativePrompt: _n, batchId: _b, file: _f, allowedFolder: _a, edit: _e, ...minimal } = base;
    expect(plainEntry({ op: 'add', record: minimal })).toBeDefined();
    expect(plainEntry({ op: 'remove', id: 'job_1' })).toEqual({ op: 'remove', id: 'job_1' });
  });
});
