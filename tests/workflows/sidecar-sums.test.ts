import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledDir } from './helpers.js';

/*
 * The sizes and SHA-256 sums the bundled sidecars record for their model files, read as raw JSON (not through
 * the schema, so a value the schema would coerce or drop still fails here). The dashboard's download checks
 * every byte against them, so each must be well formed, agree wherever the same download appears twice, and be
 * one of the published values listed with its sources in docs/MODEL-SUMS.md: no sum may enter unrecorded.
 */

interface RawModel {
  file?: unknown;
  url?: unknown;
  bytes?: unknown;
  sha256?: unknown;
  approxGb?: unknown;
}

interface RawSidecar {
  models?: RawModel[];
  offer?: unknown;
  requires?: { packs?: { models?: RawModel[] }[] };
}

const sidecars = readdirSync(bundledDir)
  .filter((name) => name.endsWith('.meta.json'))
  .map((name) => ({ name, meta: JSON.parse(readFileSync(join(bundledDir, name), 'utf8')) as RawSidecar }));

/** Every model file a sidecar names: its own and those of the node packs it needs. */
const files = sidecars.flatMap(({ name, meta }) =>
  [...(meta.models ?? []), ...(meta.requires?.packs ?? []).flatMap((pack) => pack.models ?? [])].map(
    (model) => ({ sidecar: name, model }),
  ),
);
const withSum = files.filter(({ model }) => model.sha256 !== undefined || model.bytes !== undefined);

const sumsDoc = readFileSync(resolve(bundledDir, '..', 'docs', 'MODEL-SUMS.md'), 'utf8');

describe('model sums in the bundled sidecars', () => {
  it('records some, so the checks below check something', () => {
    expect(withSum.length).toBeGreaterThan(10);
  });

  it.each(files.map((entry) => [`${entry.sidecar}: ${String(entry.model.file)}`, entry] as const))(
    '%s: a sum is 64 lower-case hex digits and a size a positive whole number',
    (_label, { model }) => {
      if (model.sha256 !== undefined) expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
      if (model.bytes !== undefined) {
        expect(typeof model.bytes).toBe('number');
        expect(Number.isSafeInteger(model.bytes)).toBe(true);
        expect(model.bytes as number).toBeGreaterThan(0);
      }
    },
  );

  it('gives the same download the same sum and size in every sidecar that names it', () => {
    const byUrl = new Map<string, { sha256: unknown; bytes: unknown; sidecar: string }>();
    for (const { sidecar, model } of files) {
      if (typeof model.url !== 'string') continue;
      const seen = byUrl.get(model.url);
      if (!seen) {
        byUrl.set(model.url, { sha256: model.sha256, bytes: model.bytes, sidecar });
        continue;
      }
      expect(
        { sha256: model.sha256, bytes: model.bytes },
        `${sidecar} vs ${seen.sidecar}: ${model.url}`,
      ).toEqual({ sha256: seen.sha256, bytes: seen.bytes });
    }
  });

  it.each(withSum.map((entry) => [`${entry.sidecar}: ${String(entry.model.file)}`, entry] as const))(
    '%s: its sum and size are a row of docs/MODEL-SUMS.md',
    (_label, { model }) => {
      const row = sumsDoc
        .split('\n')
        .find((line) => typeof model.sha256 === 'string' && line.includes(model.sha256));
      expect(row, `no row for ${String(model.sha256)}`).toBeDefined();
      expect(row).toContain(`\`${String(model.file)}\``);
      // Sizes are written with thousands separators in the table ("6,938,078,334"), or "—" when unverified.
      const size = model.bytes === undefined ? '—' : (model.bytes as number).toLocaleString('en-US');
      expect(row!.split('|').map((cell) => cell.trim())).toContain(size);
    },
  );

  it('gives every file of a model the dashboard offers a size to show: exact, or else approximate', () => {
    const offered = sidecars.filter(({ meta }) => meta.offer !== undefined);
    expect(offered.length).toBeGreaterThan(0);
    for (const { name, meta } of offered)
      for (const model of meta.models ?? [])
        expect(model.bytes ?? model.approxGb, `${name}: ${String(model.file)}`).toBeDefined();
  });
});
