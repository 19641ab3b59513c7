/**
 * The WebP encode of a generated 1024² image (about 70 ms on a quiet machine, the largest step of a WebP call) runs on
 * sharp's threads, not on the event loop: other calls, progress and the dashboard keep being served meanwhile.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { renderImage } from './joined.js';
import { texturedPng } from '../fakes/fake-files.js';

describe('rendering a generated image to WebP', () => {
  it('leaves the event loop free while it encodes', async () => {
    const png = await texturedPng(1024, 1024);
    const stalls = monitorEventLoopDelay({ resolution: 1 });
    stalls.enable();
    let turns = 0;
    let rendering = true;
    const spin = (async () => {
      while (rendering) {
        turns++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const started = performance.now();
    const rendered = await renderImage(png, {
      width: 1024,
      height: 1024,
      format: 'webp',
      metadata: { parameters: 'a lighthouse' },
    });
    const renderMs = performance.now() - started;
    rendering = false;
    await spin;
    stalls.disable();
    expect(rendered.bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
    // Encoded on the event loop, the longest stall would be the whole encode; here the loop kept turning.
    expect(turns).toBeGreaterThan(10);
    expect(stalls.max / 1e6).toBeLessThan(renderMs / 2);
  });
});
