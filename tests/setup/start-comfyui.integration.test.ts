import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { apiErrorSchema, comfyuiStartSchema, settingsResponseSchema } from '../../shared/dashboard-api.js';
import { comfyLogFileOf } from '../../electron/setup/start-comfyui.js';
import { startTestCore, tempDirs, until, type CoreFixture } from '../core/harness.js';
import { apiOf, send } from '../dashboard/helpers.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';

/*
 * "Start ComfyUI" on a real core: POST /api/comfyui/start runs the configured command as a real process (a
 * Node script that records its arguments and working folder and writes to stdout and stderr), without a shell,
 * its output in the data folder's comfyui.log.
 */

const { tempDir, removeTempDirs } = tempDirs('bridge-start-');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(removeTempDirs);

/** Records argv and cwd in the marker file, writes a line to each stream, then runs until it is told to stop. */
const script = `
const { writeFileSync } = require('node:fs');
writeFileSync(process.argv[2], JSON.stringify({ argv: process.argv.slice(3), cwd: process.cwd(), pid: process.pid }));
process.stdout.write('comfy says hello on stdout\\n');
process.stderr.write('comfy says hello on stderr\\n');
setInterval(() => {}, 1000);
`;

async function coreNotAnswering(settings: { comfyuiStartCommand?: string }): Promise<CoreFixture> {
  const comfy: FakeComfyUI = await startFakeComfyUI();
  await comfy.kill();
  cleanups.push(() => comfy.close());
  const fixture = await startTestCore({ urls: [comfy.url], settings });
  cleanups.push(() => fixture.core.stop());
  return fixture;
}

const quote = (text: string) => `'${text}'`;

describe('Start ComfyUI', () => {
  it('runs the configured command as its own process, without a shell, output to comfyui.log', async () => {
    const dir = tempDir();
    const scriptPath = join(dir, 'fake comfy.cjs');
    writeFileSync(scriptPath, script);
    const marker = join(dir, 'marker.json');
    const fixture = await coreNotAnswering({
      comfyuiStartCommand: `${quote(process.execPath)} ${quote(scriptPath)} ${quote(marker)} --listen "two words" $HOME;id`,
    });
    const api = apiOf(fixture.core);

    const reply = await api.call('/api/comfyui/start', { method: 'POST' });
    expect(reply.status, reply.body.toString()).toBe(200);
    const started = comfyuiStartSchema.parse(reply.json());
    cleanups.push(() => {
      try {
        process.kill(started.pid);
      } catch {
        // Already gone.
      }
    });
    expect(started.logFile).toBe(comfyLogFileOf(fixture.dataDir));

    await until(() => existsSync(marker), 'the command ran');
    const ran = JSON.parse(readFileSync(marker, 'utf8')) as { argv: string[]; cwd: string; pid: number };
    // Each word exactly as written: no shell expanded $HOME or ran `id` after the semicolon.
    expect(ran.argv).toEqual(['--listen', 'two words', '$HOME;id']);
    expect(ran.pid).toBe(started.pid);
    // An absolute program runs in its own folder.
    expect(ran.cwd).toBe(join(process.execPath, '..'));
    await until(() => {
      const log = existsSync(started.logFile) ? readFileSync(started.logFile, 'utf8') : '';
      return log.includes('hello on stdout') && log.includes('hello on stderr');
    }, 'both streams in the log');
    if (process.platform !== 'win32') expect(statSync(started.logFile).mode & 0o777).toBe(0o600);

    // While it runs, a second click starts nothing.
    const again = await api.call('/api/comfyui/start', { method: 'POST' });
    expect(again.status).toBe(409);
    expect(apiErrorSchema.parse(again.json()).error.code).toBe('comfyui_starting');
  });

  it('says what to set when no command is configured', async () => {
    const fixture = await coreNotAnswering({});
    const reply = await apiOf(fixture.core).call('/api/comfyui/start', { method: 'POST' });
    expect(reply.status).toBe(409);
    const { error } = apiErrorSchema.parse(reply.json());
    expect(error.code).toBe('start_command_not_configured');
    expect(error.message).toContain('"comfyuiStartCommand" in settings.json');
  });

  it('names a program that is not there', async () => {
    const missing = join(tempDir(), 'no-such-python');
    const fixture = await coreNotAnswering({ comfyuiStartCommand: `${missing} main.py` });
    const reply = await apiOf(fixture.core).call('/api/comfyui/start', { method: 'POST' });
    expect(reply.status).toBe(500);
    const { error } = apiErrorSchema.parse(reply.json());
    expect(error).toMatchObject({ code: 'start_command_failed' });
    expect(error.message).toContain(`"${missing}" was not found`);
  });

  it('starts nothing when ComfyUI already answers, or the command has an unclosed quote', async () => {
    const dir = tempDir();
    const marker = join(dir, 'marker.json');
    const scriptPath = join(dir, 'comfy.cjs');
    writeFileSync(scriptPath, script);
    const comfy = await startFakeComfyUI();
    cleanups.push(() => comfy.close());
    const fixture = await startTestCore({
      urls: [comfy.url],
      settings: { comfyuiStartCommand: `${process.execPath} ${scriptPath} ${marker}` },
    });
    cleanups.push(() => fixture.core.stop());
    await until(() => fixture.core.pool.snapshot()[0]?.available === true, 'backend available');
    const reply = await apiOf(fixture.core).call('/api/comfyui/start', { method: 'POST' });
    expect(reply.status).toBe(409);
    expect(apiErrorSchema.parse(reply.json()).error.message).toBe(`ComfyUI already answers at ${comfy.url}.`);
    expect(existsSync(marker)).toBe(false);

    const unclosed = await coreNotAnswering({ comfyuiStartCommand: `${process.execPath} "${scriptPath}` });
    const refused = await apiOf(unclosed.core).call('/api/comfyui/start', { method: 'POST' });
    expect(refused.status).toBe(400);
    expect(apiErrorSchema.parse(refused.json()).error.code).toBe('start_command_invalid');
  });

  it('is a token-guarded POST from the dashboard origin only, and the command cannot be set from the dashboard', async () => {
    const dir = tempDir();
    const marker = join(dir, 'marker.json');
    const scriptPath = join(dir, 'comfy.cjs');
    writeFileSync(scriptPath, script);
    const fixture = await coreNotAnswering({
      comfyuiStartCommand: `${process.execPath} ${scriptPath} ${marker}`,
    });
    const api = apiOf(fixture.core);
    const path = '/api/comfyui/start';
    expect((await send(fixture.core.url, { path, method: 'POST' })).status).toBe(401);
    expect((await api.call(path)).status).toBe(405);
    const crossOrigin = await api.call(path, { method: 'POST', headers: { Origin: 'https://evil.example' } });
    expect(crossOrigin.status).toBe(403);
    expect(existsSync(marker)).toBe(false);

    // The settings API neither shows the command nor takes one: a page with the token must not pick a program.
    const settings = settingsResponseSchema.parse((await api.call('/api/settings')).json());
    expect(settings.settings).not.toHaveProperty('comfyuiStartCommand');
    const patch = await api.call('/api/settings', {
      method: 'PATCH',
      body: { comfyuiStartCommand: '/bin/sh -c id' },
    });
    expect(patch.status).toBe(400);
    expect(fixture.core.settings.get().comfyuiStartCommand).toBe(
      `${process.execPath} ${scriptPath} ${marker}`,
    );
  });
});
