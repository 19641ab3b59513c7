import { createServer } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { tempDirs, sd15Models, until } from '../core/harness.js';
import { isBuilt, notBuiltMessage, serveArgs, startServe, type ServeProcess } from './built-cli.js';

/* `serve` with ComfyUI down says so on the terminal: once, and again when it is back (issue 11 §3). */

if (!isBuilt) console.warn(`tests/cli: ${notBuiltMessage}`);

const { tempDir, removeTempDirs } = tempDirs('bridge-cli-');
let serve: ServeProcess | undefined;
let fake: FakeComfyUI | undefined;
afterEach(async () => {
  await serve?.stop();
  await fake?.close();
});
afterAll(() => removeTempDirs());

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!isBuilt)('serve without a reachable ComfyUI', () => {
  it('logs one WARN naming the URL over several failed probes, an INFO when it appears, none on stop', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    serve = await startServe([
      ...serveArgs({ dataDir: tempDir(), outputDir: tempDir(), comfyui: url }),
      '--log-level',
      'debug',
    ]);
    const lines = (level: string, text: string) =>
      serve!
        .stderr()
        .split('\n')
        .filter((line) => line.includes(` ${level} `) && line.includes(text));
    // The default health interval is 2 s: three failed probes are a few seconds.
    await until(
      () => lines('DEBUG', 'health probe failed').length >= 3,
      'three failed health probes',
      30_000,
    );
    const warnings = lines('WARN', `no ComfyUI reachable at ${url}`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('start ComfyUI or check the URL');

    fake = await startFakeComfyUI({ models: sd15Models, stepMs: 2, port });
    await until(() => lines('INFO', 'ComfyUI reachable again').length === 1, 'the INFO that ComfyUI is back');
    expect(await serve.stop()).toBe(0);
    expect(lines('WARN', 'unavailable')).toEqual([]);
    expect(lines('WARN', 'no ComfyUI reachable')).toHaveLength(1);
  }, 60_000);
});
