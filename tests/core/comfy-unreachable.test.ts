import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../electron/log.js';
import { startFakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect } from '../mcp/harness.js';
import { removeDirs, sd15Models, startTestCore, until, type CoreFixture } from './harness.js';

/*
 * ComfyUI down (issue 11 §3): the log says so once and says when it is back; a call that cannot start says
 * why in its progress and its result; a clean stop is not reported as an outage.
 */

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function recordingLogger() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', sink: (line) => lines.push(line) });
  const count = (level: string, text: string) =>
    lines.filter((line) => line.includes(` ${level} `) && line.includes(text)).length;
  return { lines, logger, count };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function core(
  urls: string[],
  logger: ReturnType<typeof recordingLogger>['logger'],
): Promise<CoreFixture> {
  const fixture = await startTestCore({ urls, logger });
  cleanups.push(() => removeDirs(fixture.dataDir, fixture.outputDir));
  cleanups.push(() => fixture.core.stop());
  return fixture;
}

describe('no ComfyUI reachable', () => {
  it('warns once, says "waiting: no ComfyUI reachable at …" in progress and result, and logs its return', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const reason = `waiting: no ComfyUI reachable at ${url} — start ComfyUI or check the URL`;
    const log = recordingLogger();
    const { core: bridge } = await core([url], log.logger);

    // Several health probes (100 ms apart in tests) fail; the outage is logged once, not per probe.
    await until(() => log.count('DEBUG', 'health probe failed') >= 3, 'three failed health probes');
    expect(log.count('WARN', reason)).toBe(1);
    const problem = bridge.pool.snapshot()[0]!.problem!;
    expect(problem.split(url).length - 1, problem).toBe(1);

    const client = await connect('2026', new URL(bridge.mcpUrl), { token: bridge.settings.get().mcpToken });
    cleanups.push(() => client.close());
    const progress: string[] = [];
    const result = await client.callTool(
      'generate_image',
      { prompt: 'a lighthouse', workflow: 'sd15', width: 64, height: 64, wait_seconds: 1 },
      { onprogress: (update) => progress.push(update.message ?? '') },
    );
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as Record<string, unknown>;
    expect(structured.status).toBe('running');
    expect(structured).not.toHaveProperty('waiting');
    const text = result.content.map((block) => (typeof block.text === 'string' ? block.text : '')).join('\n');
    expect(text).toContain(reason);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((message) => message === reason)).toBe(true);

    const fake = await startFakeComfyUI({ models: sd15Models, stepMs: 2, port });
    cleanups.push(() => fake.close());
    await until(() => log.count('INFO', 'ComfyUI reachable again') === 1, 'the INFO that ComfyUI is back');
    expect(log.count('WARN', 'no ComfyUI reachable')).toBe(1);
    expect(bridge.pool.unreachableReason()).toBeUndefined();
  });

  it('a clean stop logs no "unavailable" WARN', async () => {
    const fake = await startFakeComfyUI({ models: sd15Models, stepMs: 2 });
    cleanups.push(() => fake.close());
    const log = recordingLogger();
    const { core: bridge } = await core([fake.url], log.logger);
    await until(() => bridge.pool.snapshot()[0]?.available === true, 'the backend is available');
    await bridge.stop();
    expect(log.lines.filter((line) => line.includes(' WARN ')).join('')).toBe('');
  });
});
