import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedMetadata } from '../../electron/bridge/embedded-metadata.js';
import { addPngText, renderImage } from './joined.js';
import type { JobRecord } from '../../electron/jobs/types.js';
import { removeDirs } from '../core/harness.js';

/** Every text chunk's keyword, in file order, walking the chunk list (duplicates stay visible). */
function textKeywords(png: Buffer): string[] {
  const keywords: string[] = [];
  for (let offset = 8; offset + 12 <= png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (type === 'tEXt' || type === 'iTXt') {
      const data = png.subarray(offset + 8, offset + 8 + length);
      keywords.push(data.toString('latin1', 0, data.indexOf(0)));
    }
    offset += 12 + length;
  }
  return keywords;
}

/** Pillow (Debian's python3-pil) reads the file's text chunks, when it is installed. */
function pillowText(path: string): Record<string, string> | undefined {
  const run = spawnSync(
    '/usr/bin/python3',
    ['-c', 'import json,sys; from PIL import Image; print(json.dumps(Image.open(sys.argv[1]).text))', path],
    { encoding: 'utf8' },
  );
  return run.status === 0 ? (JSON.parse(run.stdout) as Record<string, string>) : undefined;
}

const spec = {
  prompt: 'a lighthouse, café',
  negativePrompt: 'blurry',
  seed: 42,
  width: 64,
  height: 64,
  workflow: 'sd15',
} as JobRecord['spec'];
const comfyGraph = '{"3":{"class_type":"KSampler","inputs":{}}}';

describe('PNG text chunks: one set of keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'png-keys-'));
  afterAll(() => removeDirs(dir));

  it.each([
    ['kept bytes (same size)', 64],
    ['re-encoded (resized)', 48],
  ])(
    '%s: each key once, ComfyUI\'s "prompt" is its graph, the bridge\'s text is under bridge-*',
    async (_, side) => {
      // ComfyUI's SaveImage output: its API graph under "prompt", its UI graph under "workflow".
      const raw = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
        .png()
        .toBuffer();
      const fromComfy = addPngText(raw, { prompt: comfyGraph, workflow: '{"nodes":[]}' });
      const rendered = await renderImage(fromComfy, {
        width: side,
        height: side,
        format: 'png',
        metadata: embeddedMetadata(spec, 'http://127.0.0.1:8188'),
      });
      const path = join(dir, `out-${side}.png`);
      writeFileSync(path, rendered.bytes);

      const keywords = textKeywords(rendered.bytes);
      expect(new Set(keywords).size, keywords.join(', ')).toBe(keywords.length);
      expect([...keywords].sort()).toEqual(
        [
          'bridge-generator',
          'bridge-negative-prompt',
          'bridge-prompt',
          'bridge-seed',
          'bridge-workflow',
          'parameters',
          'prompt',
          'workflow',
        ].sort(),
      );
      const text = pillowText(path);
      if (text) {
        expect(JSON.parse(text.prompt!)).toEqual(JSON.parse(comfyGraph));
        expect(text['bridge-prompt']).toBe('a lighthouse, café');
        expect(text.parameters).toMatch(/^a lighthouse, café\nNegative prompt: blurry\nSeed: 42/);
      }
    },
  );
});
