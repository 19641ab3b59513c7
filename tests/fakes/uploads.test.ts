import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeComfyUI, type FakeComfyUI } from './fake-comfyui.js';

/**
 * The uploads and image-loading graphs recorded from a real ComfyUI 0.3.64 (scripts/capture-uploads.mjs →
 * captures/upload-*.json) are recorded again from the fake with the same script, and the answers compared:
 * statuses, JSON bodies, validation errors, and the size and alpha of every image the graphs save. Pixel
 * colours are not compared (the fake's images are flat stand-ins).
 */
type Json = Record<string, unknown>;

const script = new URL('../../scripts/capture-uploads.mjs', import.meta.url).pathname;
const recorded = (dir: string | URL, name: string): Json =>
  JSON.parse(readFileSync(typeof dir === 'string' ? join(dir, name) : new URL(name, dir), 'utf8')) as Json;
const real = (name: string) => recorded(new URL('./captures/', import.meta.url), name);

/** What must match: the HTTP outcome and, for images, what a caller can check (not the fake's colours). */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (!value || typeof value !== 'object') {
    // Absolute paths in PIL's messages name each server's own input folder.
    return typeof value === 'string' ? value.replace(/'[^']*\/input\//g, "'<input>/") : value;
  }
  const object = value as Json;
  if ('width' in object && 'hasAlpha' in object) {
    const { format, width, height, hasAlpha } = object;
    return { format, width, height, hasAlpha };
  }
  const skip = new Set(['contentType', 'outputs', 'messages', 'text']);
  return Object.fromEntries(
    Object.entries(object)
      .filter(([key]) => !skip.has(key))
      .map(([key, v]) => [key, comparable(v)]),
  );
}

describe('the fake ComfyUI answers uploads and image loading like ComfyUI 0.3.64', () => {
  let fake: FakeComfyUI;
  let out: string;

  beforeAll(async () => {
    fake = await startFakeComfyUI();
    out = mkdtempSync(join(tmpdir(), 'upload-captures-'));
    // The script's own checks failing exits 1: the comparisons below then say what differs.
    await promisify(execFile)(process.execPath, [script, `http://127.0.0.1:${fake.port}`, out], {
      timeout: 60_000,
    }).catch((error: Error & { code?: unknown }) => {
      if (error.code !== 1) throw error;
    });
  }, 90_000);

  afterAll(async () => {
    await fake?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('POST /upload/image: names, collisions, overwrite, subfolders and refusals', () => {
    expect(comparable(recorded(out, 'upload-image.json'))).toEqual(comparable(real('upload-image.json')));
  });

  it('POST /upload/mask: the original with the mask as alpha, the missing-original and no-ref cases', () => {
    expect(comparable(recorded(out, 'upload-mask.json'))).toEqual(comparable(real('upload-mask.json')));
  });

  it('LoadImage / LoadImageMask graphs: success, validation errors for a missing file, a non-image', () => {
    const fakeRuns = recorded(out, 'upload-graphs.json').runs as Json;
    const realRuns = real('upload-graphs.json').runs as Json;
    expect(Object.keys(fakeRuns)).toEqual(Object.keys(realRuns));
    for (const key of Object.keys(realRuns)) {
      const realRun = realRuns[key] as Json;
      const fakeRun = fakeRuns[key] as Json;
      expect({ key, ...(comparable(fakeRun) as Json) }).toEqual({ key, ...(comparable(realRun) as Json) });
      // The run's errors, by type: the fake's executor fails the same node with the same exception.
      const errors = (run: Json) =>
        (run.messages as [string, Json][] | undefined)?.filter(([, d]) => d.node_type);
      expect(comparable(errors(fakeRun))).toEqual(comparable(errors(realRun)));
    }
  });
});
