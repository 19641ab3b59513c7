import { renameSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cleanupsAfterEach, startSd15Fake, startTestCore, toolContext } from './harness.js';

const cleanups = cleanupsAfterEach();

/*
 * The tray's "Open last image" and "Copy last image path" (issue 15 §2): the core's state names the newest image,
 * and what the tray opens is checked at the click: a file replaced or moved since is not opened.
 */
describe('the last image, for the tray', () => {
  it('is the newest generation, and only while its file is the one the bridge wrote', async () => {
    const fake = await startSd15Fake();
    cleanups.push(() => fake.close());
    const fixture = await startTestCore({ urls: [fake.url] });
    cleanups.push(() => fixture.core.stop());
    expect(fixture.core.state().lastImage).toBeUndefined();
    await expect(fixture.core.lastImage()).resolves.toBeUndefined();

    const { ctx } = toolContext();
    const generate = async (name: string) => {
      const result = await fixture.core.service.generateImage(
        { prompt: 'a fox', width: 64, height: 64, save_path: `${fixture.outputDir}/${name}` },
        ctx,
      );
      expect(result).toMatchObject({ status: 'completed' });
      return `${fixture.outputDir}/${name}`;
    };
    await generate('first.png');
    const second = await generate('second.png');
    expect(fixture.core.state().lastImage).toBe(second);
    await expect(fixture.core.lastImage()).resolves.toBe(second);

    // Replaced by another file at the same path: the tray must not open what the bridge did not write.
    writeFileSync(`${second}.other`, 'not the image');
    renameSync(`${second}.other`, second);
    await expect(fixture.core.lastImage()).resolves.toBeUndefined();
  });
});
