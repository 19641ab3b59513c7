import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEndpointRecord } from '../../electron/stdio/endpoint-record.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { binPath, cleanEnv, isBuilt, notBuiltMessage, serveArgs, startServe } from '../cli/built-cli.js';
import { tempDirs, startSd15Fake, until } from '../core/harness.js';
import { connect, type E2eClient } from './clients.js';

/*
 * Two stdio shims on one data folder: A hosts the core in-process, B forwards to it. A goes away while B's
 * generate_image is sampling (its client closes stdin, or it is SIGKILLed). B re-attaches (here: it starts
 * the core itself, which takes the folder's lock and resumes the batch from disk), sends the call again with
 * its request key, and the call gets its image, rendered once; B keeps serving afterwards.
 */

if (!isBuilt) console.warn(`tests/mcp-e2e: ${notBuiltMessage}`);
const size = { workflow: 'sd15', width: 96, height: 64 };

let fake: FakeComfyUI;
const { tempDir, removeTempDirs } = tempDirs();
const children: ChildProcess[] = [];
let client: E2eClient | undefined;
beforeAll(async () => {
  fake = await startSd15Fake(2);
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill();
  fake.setStepMs(2);
});
afterAll(async () => {
  await fake.close();
  removeTempDirs();
});

/** Shim A: started with nothing on the folder, it hosts the core; it needs no client to do so. */
async function startHostingShim(dataDir: string, args: string[]) {
  const child = spawn(process.execPath, [binPath, 'stdio', ...args], {
    cwd: tempDir('bridge-reattach-a-'),
    env: cleanEnv(),
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  children.push(child);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  await until(() => readEndpointRecord(dataDir)?.pid === child.pid, 'shim A to host the core');
  return { child, exited };
}

describe.skipIf(!isBuilt).each(['2025', '2026'] as const)('%s-era client through shim B', (era) => {
  it.each(['stdin closed', 'SIGKILL'] as const)(
    'keeps its call and its session when shim A (the host) ends: %s',
    async (howAEnds) => {
      const dataDir = tempDir('bridge-reattach-data-');
      const project = tempDir('bridge-reattach-project-');
      const args = serveArgs({ dataDir, outputDir: join(dataDir, 'out'), comfyui: fake.url });
      const hosting = await startHostingShim(dataDir, args);
      client = await connect(era, 'stdio', { shimArgs: args, cwd: project });
      fake.setStepMs(60);
      const submittedBefore = fake.submitted.length;

      let sampling = false;
      const call = client.call(
        'generate_image',
        { prompt: `survives ${howAEnds}`, save_path: 'kept.png', ...size },
        { onprogress: (update) => (sampling ||= /^step /.test(update.message ?? '')) },
      );
      await until(() => sampling, 'ComfyUI sampling the call relayed to A');
      if (howAEnds === 'SIGKILL') hosting.child.kill('SIGKILL');
      else hosting.child.stdin.end();
      await hosting.exited;

      const result = await call;
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        status: 'completed',
        images: [{ path: join(project, 'kept.png'), width: 96, height: 64 }],
      });
      expect(existsSync(join(project, 'kept.png'))).toBe(true);
      // Sent again to the new core, the call resumed its stored batch: ComfyUI got the prompt once.
      const prompts = fake.submitted.slice(submittedBefore).map((prompt) => prompt.promptId);
      expect(prompts).toHaveLength(1);
      expect(fake.executions.get(prompts[0]!)).toBe(1);
      expect(client.stderr()).toContain('sending the call again');

      // B now hosts the core, and its client's session goes on.
      expect(readEndpointRecord(dataDir)?.pid).not.toBe(hosting.child.pid);
      fake.setStepMs(2);
      const next = await client.call('generate_image', { prompt: 'after', save_path: 'after.png', ...size });
      expect(next.structuredContent, JSON.stringify(next.content)).toMatchObject({ status: 'completed' });
    },
  );
});

describe.skipIf(!isBuilt)('a shim that misses the running core', () => {
  it('is refused by the lock and forwards to the holder instead of running a second core', async () => {
    const dataDir = tempDir('bridge-reattach-data-');
    const project = tempDir('bridge-reattach-project-');
    const args = serveArgs({ dataDir, outputDir: join(dataDir, 'out'), comfyui: fake.url });
    const serve = await startServe(args, cleanEnv());
    children.push(serve.child);
    // What a probe that timed out sees: no app. The endpoint file is hidden until the shim has been refused.
    const endpointFile = join(dataDir, 'endpoint.json');
    renameSync(endpointFile, `${endpointFile}.hidden`);
    const connecting = connect('2026', 'stdio', { shimArgs: args, cwd: project });
    const shimLog = () => {
      try {
        return readFileSync(join(dataDir, 'logs', 'stdio.log'), 'utf8');
      } catch {
        return '';
      }
    };
    await until(
      () => shimLog().includes('another core holds the data folder'),
      'the shim to be refused by the lock',
    );
    renameSync(`${endpointFile}.hidden`, endpointFile);
    client = await connecting;

    const submittedBefore = fake.submitted.length;
    const result = await client.call('generate_image', { prompt: 'one core', save_path: 'one.png', ...size });
    expect(result.structuredContent, JSON.stringify(result.content)).toMatchObject({ status: 'completed' });
    expect(fake.submitted.length - submittedBefore).toBe(1);
    expect(readEndpointRecord(dataDir)?.pid).toBe(serve.child.pid);
    expect(readdirSync(dataDir).filter((name) => name.startsWith('core.lock.'))).toHaveLength(1);
    await client.close();
    client = undefined;
    expect(await serve.stop()).toBe(0);
  });
});
