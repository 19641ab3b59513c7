import { describe, expect, it } from 'vitest';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';
import { cleanupsAfterEach, startTestCore, toolContext } from './harness.js';

const cleanups = cleanupsAfterEach();

describe('the first call after start-up', () => {
  it('picks the default workflow the backend can run, not a guess made before the backend answered', async () => {
    // The fake has SD 1.5's checkpoint only. Before the fix, a call made before the first health step took the
    // best-ranked bundled workflow (z-image-turbo), which this backend cannot run: workflow_cannot_run.
    const fake = await startFakeComfyUI({
      models: { checkpoints: ['v1-5-pruned-emaonly-fp16.safetensors'] },
    });
    cleanups.push(() => fake.close());
    const fixture = await startTestCore({ urls: [fake.url] });
    cleanups.push(() => fixture.core.stop());
    const { ctx } = toolContext();
    const result = await fixture.core.service.generateImage({ prompt: 'a fox', width: 64, height: 64 }, ctx);
    expect(result).toMatchObject({ status: 'completed', images: [{ workflow: 'sd15', width: 64 }] });
  });
});
