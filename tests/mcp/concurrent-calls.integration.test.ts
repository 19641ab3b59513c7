import { afterEach, describe, expect, it } from 'vitest';
import { removeDirs, startSd15Fake, startTestCore, until } from '../core/harness.js';
import { connect, eras } from './harness.js';

// Issue 11 §3: 12 concurrent generate_image calls on one client printed a MaxListenersExceededWarning, each call
// adding listeners to emitters that live as long as the bridge. Calls in flight are bounded by the queue cap, not
// by Node's default of 10 listeners.
describe.each(eras)('12 concurrent generate_image calls on one %s client', (era) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('complete without a MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    cleanups.push(() => void process.off('warning', onWarning));
    const comfy = await startSd15Fake();
    cleanups.push(() => comfy.close());
    const { core, dataDir, outputDir } = await startTestCore({
      urls: [comfy.url],
      settings: { requireTokenOnLoopback: false },
    });
    cleanups.push(async () => {
      await core.stop();
      removeDirs(dataDir, outputDir);
    });
    await until(() => core.pool.snapshot().some((backend) => backend.available), 'a backend');
    const client = await connect(era, new URL(core.mcpUrl));
    cleanups.push(() => client.close());

    core.setPaused(true);
    const calls = Array.from({ length: 12 }, (_, index) =>
      client.callTool(
        'generate_image',
        { prompt: `concurrent ${index}`, workflow: 'sd15', width: 64, height: 64, wait_seconds: 120 },
        { onprogress: () => undefined },
      ),
    );
    // Paused, all twelve are in flight together whatever the machine's load.
    await until(() => core.state().pending === 12, 'twelve calls queued');
    core.setPaused(false);
    const results = await Promise.all(calls);
    expect(results.map((result) => result.isError ?? false)).toEqual(Array(12).fill(false));
    // process.emitWarning reports on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    const leaks = warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning');
    expect(leaks.map((warning) => warning.message)).toEqual([]);
  });
});
